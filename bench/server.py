"""Start the service (or the floor app) as a child process on 127.0.0.1."""

from __future__ import annotations

import compileall
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0


def exit_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so the temp database and servers are stopped."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_environment(database_url: str, secret: str, port: int, workers: int) -> dict[str, str]:
    """What `python -m service serve` reads, fixed so every run is alike."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "AI_"))}
    env.update(
        DATABASE_URL=database_url,
        BETTER_AUTH_SECRET=secret,
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS=str(workers),
        ENV="development",
        AI_PROVIDER="builtin",
        LOG_FORMAT="json",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "info"),
        # The scenarios send thousands of requests a minute for each user; limits
        # this high never refuse, yet are counted and claimed as usual, so their
        # cost is measured (a user drawn often would otherwise meet a 429).
        CHAT_RATE_LIMIT_PER_MINUTE=os.environ.get("CHAT_RATE_LIMIT_PER_MINUTE", "100000000"),
        API_RATE_LIMIT_PER_MINUTE=os.environ.get("API_RATE_LIMIT_PER_MINUTE", "100000000"),
        PYTHONPATH=str(REPO),
    )
    return env


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        url = f"http://127.0.0.1:{port}/healthz"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as reply:
            if reply.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz in time:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def serve(module: str, env: dict[str, str], workdir: Path) -> Iterator[tuple[int, int]]:
    """Run `python -m <module>` with `env` until the block ends.

    Yields its port and its process group (the server and any workers). The
    code runs from bytecode compiled beforehand, as in the image (Containerfile):
    a process compiling its modules as it imports them is a megabyte bigger.
    """
    served = Path(env.get("PYTHONPATH", str(REPO)).split(os.pathsep)[0])
    compileall.compile_dir(served / "service", quiet=1)
    port = int(env["PORT"])
    log = workdir / f"{module.replace('.', '-')}.log"
    with log.open("wb") as out:
        # Its own session, so the workers it forks are stopped with it; the
        # temp working dir keeps a developer's .env and .data out of the run.
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(port, process, log)
            yield port, process.pid
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
