"""`make bench`: seed an embedded PostgreSQL, load each hot endpoint, report.

Every knob is an environment variable (or the matching option): WORKERS,
CONCURRENCY, DURATION (seconds per endpoint), WARMUP, LOADGEN (auto, wrk or
python), USERS, TASKS_PER_USER, CONVERSATIONS, MESSAGES, ONLY (comma-separated
endpoint names), FLOOR (0 skips the floor app). Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from bench import loadgen, report, wrk
from bench.cpu import CpuMeter, calibration_ms
from bench.scenarios import FLOOR_SCENARIOS, Scenario, build
from bench.seed import Dataset, Shape, seed
from bench.server import exit_on_sigterm, free_port, serve, service_environment


def options(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--workers", type=int, default=int(env("WORKERS", "1")))
    parser.add_argument("--concurrency", type=int, default=int(env("CONCURRENCY", "32")))
    parser.add_argument("--duration", type=float, default=float(env("DURATION", "10")))
    parser.add_argument("--warmup", type=float, default=float(env("WARMUP", "2")))
    parser.add_argument(
        "--loadgen", choices=("auto", "wrk", "python"), default=env("LOADGEN", "auto")
    )
    parser.add_argument("--users", type=int, default=int(env("USERS", "1000")))
    parser.add_argument("--tasks-per-user", type=int, default=int(env("TASKS_PER_USER", "50")))
    parser.add_argument("--conversations", type=int, default=int(env("CONVERSATIONS", "200")))
    parser.add_argument("--messages", type=int, default=int(env("MESSAGES", "20")))
    parser.add_argument("--only", default=env("ONLY", ""), help="comma-separated endpoint names")
    parser.add_argument("--floor", type=int, default=int(env("FLOOR", "1")))
    parser.add_argument(
        "--scale",
        type=int,
        default=int(env("SCALE", "0")),
        help="1: also 100 users with 10,000 tasks each (1M rows) and their lists",
    )
    return parser.parse_args(argv)


def measure(
    scenario: Scenario, port: int, args: argparse.Namespace, tool: str, meter: CpuMeter
) -> loadgen.Result:
    def once(seconds: float) -> loadgen.Result:
        host, requests = "127.0.0.1", scenario.requests
        expected, connections = scenario.expected_status, args.concurrency
        if tool == "wrk":
            return wrk.run(
                host, port, requests,
                expected_status=expected, concurrency=connections, seconds=seconds,
            )  # fmt: skip
        generator = loadgen.run(
            host, port, requests,
            expected_status=expected, concurrency=connections, seconds=seconds,
        )  # fmt: skip
        return asyncio.run(generator)

    if args.warmup > 0:
        once(args.warmup)  # fills statement caches and pools; not reported
    server_before, database_before = meter.read()
    result = once(args.duration)
    server_after, database_after = meter.read()

    def per_request(before: float | None, after: float | None) -> float | None:
        if before is None or after is None or not result.requests:
            return None
        return (after - before) / result.requests * 1e6

    return replace(
        result,
        server_cpu_us=per_request(server_before, server_after),
        database_cpu_us=per_request(database_before, database_after),
        resident_mb=resident_megabytes(meter.server_group),
    )


def chat_available(port: int, dataset: Dataset, scenarios: list[Scenario]) -> bool:
    """True once the conversations API answers (it is built in parallel with this)."""
    probe = next(s for s in scenarios if s.name == "list messages").requests[0]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{probe.path}", headers={"Authorization": f"Bearer {probe.token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return bool(reply.status == 200)
    except urllib.error.HTTPError:
        return False


def run_all(
    scenarios: list[Scenario],
    port: int,
    args: argparse.Namespace,
    tool: str,
    meter: CpuMeter,
    *,
    chat: bool,
) -> list[report.Row]:
    rows = []
    for scenario in scenarios:
        if scenario.needs == "chat" and not chat:
            rows.append(report.Row(scenario.name, scenario.route, None, "skipped: no chat API"))
            continue
        result = measure(scenario, port, args, tool, meter)
        rows.append(report.Row(scenario.name, scenario.route, result))
        print(f"  {scenario.name:<22} {result.requests_per_second:>8.0f} req/s", flush=True)
    return rows


def resident_megabytes(group: int) -> int | None:
    """VmRSS of the server's processes (its workers), from /proc; None elsewhere."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:
                continue
            text = (status.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total // 1024 if total else None


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    exit_on_sigterm()
    tool = args.loadgen
    if tool == "auto":
        tool = "wrk" if wrk.available() else "python"
    if tool == "wrk" and not wrk.available():
        raise SystemExit("LOADGEN=wrk but wrk is not installed (apt-get install wrk)")
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    secret = secrets.token_urlsafe(48)
    shape = Shape(
        args.users,
        args.tasks_per_user,
        args.conversations,
        args.messages,
        big_users=100 if args.scale else 0,
    )
    from service.db.devdb import EmbeddedDatabase
    from service.db.migrate import apply_migrations

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    calibration = calibration_ms()
    if load_before > 1.0:
        print(f"warning: load average {load_before:.2f} before the run; figures will be low")
    with tempfile.TemporaryDirectory(prefix="bench-") as directory:
        workdir = Path(directory)
        database = EmbeddedDatabase(workdir / "pgdata")
        try:
            apply_migrations(database.url)
            dataset = asyncio.run(seed(database.url, shape))
            print(f"seeded {shape} in {time.monotonic() - started:.1f}s; load: {tool}", flush=True)
            every = build(dataset, secret)
            scenarios = [s for s in every if not only or s.name in only]
            # The floor first: it only reads, so both see the freshly seeded data.
            floor: list[report.Row] = []
            floor_scenarios = [s for s in scenarios if s.name in FLOOR_SCENARIOS]
            if args.floor and floor_scenarios:
                print(f"floor app (WORKERS={args.workers}), {args.concurrency} connections:")
                env = service_environment(database.url, secret, free_port(), args.workers)
                with serve("bench.floor_app", env, workdir) as (port, group):
                    meter = CpuMeter(group, database.pgdata)
                    floor = run_all(floor_scenarios, port, args, tool, meter, chat=False)
            print(f"service (WORKERS={args.workers}), {args.concurrency} connections:", flush=True)
            env = service_environment(database.url, secret, free_port(), args.workers)
            with serve("service", env, workdir) as (port, group):
                needs_chat = any(s.needs == "chat" for s in scenarios)
                chat = needs_chat and chat_available(port, dataset, every)
                meter = CpuMeter(group, database.pgdata)
                rows = run_all(scenarios, port, args, tool, meter, chat=chat)
                resident_mb = resident_megabytes(group)
        finally:
            database.stop()

    settings = {
        "tool": tool,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "calibration_ms": round(calibration, 2),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "duration_seconds": args.duration,
        "warmup_seconds": args.warmup,
        "shape": vars(shape),
        "log_level": env.get("LOG_LEVEL"),
        "server_resident_mb": resident_mb,
    }
    print()
    print(report.table(rows, floor))
    path = report.write(report.record(rows, floor, settings))
    if resident_mb is not None:
        print(f"\nresident memory of the service's processes after the run: {resident_mb} MB")
    print(
        f"\n{tool}, {os.cpu_count()} CPUs (calibration {calibration:.1f} ms, load average "
        f"{load_before:.2f} before), took {time.monotonic() - started:.0f}s; saved {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
