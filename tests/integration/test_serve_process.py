"""`python -m service serve` as `make run` starts it, in a directory of its own.

With no DATABASE_URL the service runs an embedded PostgreSQL in .data/postgres:
it keeps data across restarts, stops the database on SIGTERM and Ctrl-C, and
after a SIGKILL the next run adopts and later stops the orphaned server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.server import free_port, start_process


class Service:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.extra_env: dict[str, str] = {}

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "BETTER_AUTH"))
        }
        env.update(PORT=str(self.port), LOG_FORMAT="text", LOG_LEVEL="warning")
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        self.process = start_process(
            [sys.executable, "-m", "service", "serve"],
            cwd=self.workdir,
            env=self.env(),
            url=self.url,
            seconds=60,
        )

    def stop(self, sig: int) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, user: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "service", "token", "--user", user],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            check=True,
        )
        return result.stdout.decode().strip()

    def postmaster_running(self) -> bool:
        pid_file = self.workdir / ".data" / "postgres" / "postmaster.pid"
        if not pid_file.exists():
            return False
        return bool(psutil.pid_exists(int(pid_file.read_text().split()[0])))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    service = Service(tmp_path)
    yield service
    if service.process is not None and service.process.poll() is None:
        service.stop(signal.SIGTERM)
    if service.postmaster_running():  # never leave a server behind
        subprocess.run(["pkill", "-f", str(tmp_path / ".data" / "postgres")], check=False)


def add_task(service: Service, token: str, title: str) -> None:
    response = httpx.post(
        f"{service.url}/api/alice/tasks",
        json={"title": title},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def task_titles(service: Service, token: str) -> list[str]:
    response = httpx.get(
        f"{service.url}/api/alice/tasks", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return sorted(task["title"] for task in response.json())


def test_serve_creates_a_dev_secret_and_keeps_data_across_restarts(service: Service) -> None:
    service.start()
    secret_file = service.workdir / ".data" / "dev-secret"
    assert len(secret_file.read_text()) >= 32
    token = service.token("alice")
    add_task(service, token, "Kept")
    assert service.stop(signal.SIGTERM) == 0
    assert not service.postmaster_running()

    service.start()
    assert task_titles(service, service.token("alice")) == ["Kept"]
    assert service.stop(signal.SIGINT) == 0  # Ctrl-C
    assert not service.postmaster_running()


def test_a_database_orphaned_by_sigkill_is_adopted_and_stopped_by_the_next_run(
    service: Service,
) -> None:
    service.start()
    add_task(service, service.token("alice"), "Before the kill")
    service.stop(signal.SIGKILL)
    assert service.postmaster_running()  # SIGKILL leaves the server behind

    service.start()
    assert task_titles(service, service.token("alice")) == ["Before the kill"]
    assert service.stop(signal.SIGTERM) == 0
    assert not service.postmaster_running()


@pytest.mark.parametrize(
    ("extra_env", "named"),
    [
        ({}, "BETTER_AUTH_SECRET"),
        ({"BETTER_AUTH_SECRET": "too-short"}, "BETTER_AUTH_SECRET"),
        ({"BETTER_AUTH_SECRET": "x" * 40}, "DATABASE_URL"),
    ],
)
def test_production_refuses_weak_secrets_and_the_embedded_database(
    service: Service, extra_env: dict[str, str], named: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "serve"],
        cwd=service.workdir,
        env={**service.env(), "ENV": "production", **extra_env},
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert named in result.stderr.decode()
    assert not (service.workdir / ".data").exists()


def second_run(
    service: Service, *, port: int, command: str = "serve"
) -> subprocess.CompletedProcess[bytes]:
    env = {**service.env(), "PORT": str(port)}
    return subprocess.run(
        [sys.executable, "-m", "service", command],
        cwd=service.workdir,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_a_second_run_refuses_cleanly_and_the_first_keeps_serving(service: Service) -> None:
    service.start()
    token = service.token("alice")
    add_task(service, token, "before")

    on_the_same_port = second_run(service, port=service.port)
    assert on_the_same_port.returncode == 1
    assert f"port {service.port} on 127.0.0.1 is in use" in on_the_same_port.stderr.decode()

    on_another_port = second_run(service, port=free_port())
    assert on_another_port.returncode == 1
    assert "another process owns .data/postgres" in on_another_port.stderr.decode()
    migrate = second_run(service, port=free_port(), command="migrate")
    assert "another process owns .data/postgres" in migrate.stderr.decode()

    assert service.postmaster_running()
    add_task(service, token, "after")
    assert task_titles(service, token) == ["after", "before"]


def test_slow_and_surplus_connections_are_closed_by_the_server(service: Service) -> None:
    service.extra_env = {"SERVER_HEADER_TIMEOUT_SECONDS": "3", "SERVER_MAX_CONNECTIONS": "4"}
    service.start()
    held = [socket.create_connection(("127.0.0.1", service.port)) for _ in range(4)]
    held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    surplus = [socket.create_connection(("127.0.0.1", service.port)) for _ in range(4)]
    for conn in surplus:  # past SERVER_MAX_CONNECTIONS: closed at once
        conn.settimeout(2)
        assert conn.recv(1024) == b""
    for conn in held:  # within the cap: still open before the header deadline...
        conn.settimeout(0.5)
        with pytest.raises(TimeoutError):
            conn.recv(1024)
    for conn in held:  # ...and closed by it, silent or trickling
        conn.settimeout(10)
        assert conn.recv(1024) == b""
    for conn in held + surplus:
        conn.close()
    assert httpx.get(f"{service.url}/healthz", timeout=5).status_code == 200


def test_with_two_workers_every_scrape_sums_the_metrics_of_both(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "metrics"
    (metrics_dir).mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"stale from an earlier run")
    service.extra_env.update(
        DATABASE_URL=database_url, WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    )
    service.start()
    for _ in range(40):  # a fresh connection each time, so both workers serve some
        assert httpx.get(f"{service.url}/healthz").status_code == 200
    writers = {path.name.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}
    assert len(writers) == 2, writers  # two worker processes wrote, the stale file is gone

    for _ in range(6):
        scraped = httpx.get(f"{service.url}/metrics").text
        [line] = [
            line
            for line in scraped.splitlines()
            if line.startswith("http_requests_total{") and 'route="/healthz"' in line
        ]
        assert float(line.rsplit(" ", 1)[1]) == 40.0
