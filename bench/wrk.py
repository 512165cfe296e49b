"""Drive a scenario with wrk (when installed) through bench/wrk.lua."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.loadgen import Result
from bench.scenarios import Request

SCRIPT = Path(__file__).with_name("wrk.lua")
RESULT_PREFIX = "BENCH_RESULT "


def available() -> bool:
    return shutil.which("wrk") is not None


def write_requests(requests: list[Request], path: Path) -> None:
    with path.open("w") as out:
        for request in requests:
            body = (request.body or b"").decode()
            out.write(f"{request.method}\t{request.path}\t{request.token}\t{body}\n")


def run(
    host: str, port: int, requests: list[Request], *, expected_status: int,
    concurrency: int, seconds: float, threads: int = 1,
) -> Result:  # fmt: skip
    """Run wrk closed-loop with `concurrency` connections for `seconds`."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        requests_file = Path(directory) / "requests.tsv"
        write_requests(requests, requests_file)
        completed = subprocess.run(
            [
                "wrk",
                f"--threads={min(threads, concurrency)}",
                f"--connections={concurrency}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                f"--script={SCRIPT}",
                f"http://{host}:{port}/",
                "--",
                str(requests_file),
                str(expected_status),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    raw = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return Result(
        tool="wrk",
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=raw["mismatches"] + socket_errors,
    )
