"""Compare two revisions of the service on the same data, alternating runs.

    python -m bench.ab HEAD~1 HEAD --only "get task,list tasks" --rounds 3

On a small or shared machine two `make bench` runs minutes apart differ by
more than most optimisations; this serves both revisions side by side from
one seeded database and measures them in turns (A B B A ...), so drift and
neighbours' load hit both alike. Each revision is exported with `git archive`
(WORKTREE means the files as they are now) and imported first on PYTHONPATH.
The schema comes from the working tree; revisions with other migrations are
not comparable this way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench import loadgen, wrk
from bench.cpu import CpuMeter
from bench.run import measure
from bench.scenarios import build
from bench.seed import Shape, seed
from bench.server import REPO, exit_on_sigterm, free_port, serve, service_environment

EXPORTED = ("service", "sql", "migrations")


def export(revision: str, into: Path) -> Path:
    """The service's files at `revision`, as a directory to put on PYTHONPATH."""
    into.mkdir(parents=True)
    if revision == "WORKTREE":
        for name in EXPORTED:
            subprocess.run(["cp", "-r", str(REPO / name), str(into)], check=True)
        return into
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, *EXPORTED],
        cwd=REPO, capture_output=True, check=True,
    ).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def summary(results: list[loadgen.Result]) -> str:
    def median(values: list[float | None]) -> float:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else float("nan")

    return (
        f"{median([r.requests_per_second for r in results]):7.0f} req/s "
        f"p50 {median([r.p50_ms for r in results]):6.1f} "
        f"p99 {median([r.p99_ms for r in results]):6.1f} ms "
        f"app {median([r.server_cpu_us for r in results]):5.0f} "
        f"db {median([r.database_cpu_us for r in results]):4.0f} us/req "
        f"errors {sum(r.errors for r in results)} "
        f"RSS {max((r.resident_mb or 0) for r in results)} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--only", default="get task,list tasks,bad token")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--loadgen", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--users", type=int, default=Shape.users)
    parser.add_argument("--tasks-per-user", type=int, default=Shape.tasks_per_user)
    args = parser.parse_args(argv)
    exit_on_sigterm()
    if args.loadgen == "wrk" and not wrk.available():
        args.loadgen = "python"
    names = [name.strip() for name in args.only.split(",")]
    secret = secrets.token_urlsafe(48)
    from service.db.devdb import EmbeddedDatabase
    from service.db.migrate import apply_migrations

    with (
        tempfile.TemporaryDirectory(prefix="bench-ab-") as directory,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(directory)
        trees = {side: export(rev, workdir / side) for side, rev in (("a", args.a), ("b", args.b))}
        database = EmbeddedDatabase(workdir / "pgdata")
        stack.callback(database.stop)
        apply_migrations(database.url)
        dataset = asyncio.run(seed(database.url, Shape(args.users, args.tasks_per_user)))
        scenarios = {s.name: s for s in build(dataset, secret)}
        servers = {}
        for side, tree in trees.items():
            env = service_environment(database.url, secret, free_port(), args.workers)
            env["PYTHONPATH"] = f"{tree}:{REPO}"
            port, group = stack.enter_context(serve("service", env, workdir / side))
            servers[side] = (port, CpuMeter(group, database.pgdata))
        results: dict[tuple[str, str], list[loadgen.Result]] = {}
        for name in names:
            for round_number in range(args.rounds):
                order = ("a", "b") if round_number % 2 == 0 else ("b", "a")
                for side in order:
                    port, meter = servers[side]
                    result = measure(scenarios[name], port, args, args.loadgen, meter)
                    results.setdefault((name, side), []).append(result)
        print(f"\nA = {args.a}, B = {args.b}; medians of {args.rounds} alternating runs")
        for name in names:
            for side in ("a", "b"):
                print(f"{name:<22} {side.upper()} {summary(results[(name, side)])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
