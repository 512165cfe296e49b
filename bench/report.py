"""The benchmark's table on stdout and its JSON record under `.bench/`."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.loadgen import Result

OUTPUT_DIR = Path(".bench")


@dataclass(frozen=True)
class Row:
    name: str
    route: str
    result: Result | None  # None: skipped
    note: str = ""


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def floor_percentages(rows: list[Row], floor: list[Row]) -> dict[str, float]:
    ours = {row.name: row.result for row in rows if row.result}
    return {
        row.name: 100 * ours[row.name].requests_per_second / row.result.requests_per_second
        for row in floor
        if row.result and row.name in ours and row.result.requests_per_second
    }


def table(rows: list[Row], floor: list[Row]) -> str:
    lines = [
        f"{'endpoint':<22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'app CPU':>8} {'db CPU':>7} {'RSS':>4}  route",
        f"{'':<22} {'':>7} {'':>7} {'':>7} {'':>6} {'us/req':>8} {'us/req':>7} {'MB':>4}",
        "-" * 110,
    ]
    for label, row in [(r.name, r) for r in rows] + [(f"floor: {r.name}", r) for r in floor]:
        if row.result is None:
            lines.append(
                f"{label:<22} {'-':>7} {'-':>7} {'-':>7} {'-':>6} {'':>8} {'':>7} {'':>4}  "
                f"{row.note}"
            )
            continue
        result = row.result
        lines.append(
            f"{label:<22} {result.requests_per_second:>7.0f} {result.p50_ms:>7.1f} "
            f"{result.p99_ms:>7.1f} {result.errors:>6} {_number(result.server_cpu_us):>8} "
            f"{_number(result.database_cpu_us):>7} {_number(result.resident_mb):>4}  {row.route}"
        )
    tails = floor_p99_ratios(rows, floor)
    for name, percent in floor_percentages(rows, floor).items():
        lines.append(
            f"{name}: {percent:.0f}% of the floor's throughput, p99 {tails[name]:.2f}x the floor's"
        )
    return "\n".join(lines)


def floor_p99_ratios(rows: list[Row], floor: list[Row]) -> dict[str, float]:
    """Our p99 over the floor's, per endpoint both ran."""
    ours = {row.name: row.result for row in rows if row.result}
    return {
        row.name: ours[row.name].p99_ms / row.result.p99_ms
        for row in floor
        if row.result and row.name in ours and row.result.p99_ms
    }


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def record(rows: list[Row], floor: list[Row], settings: dict[str, object]) -> dict[str, object]:
    def as_json(row: Row) -> dict[str, object]:
        entry: dict[str, object] = {"name": row.name, "route": row.route, "note": row.note}
        if row.result is not None:
            entry.update(asdict(row.result))
            entry["requests_per_second"] = round(row.result.requests_per_second, 1)
        return entry

    return {
        "commit": git_commit(),
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": settings,
        "results": [as_json(row) for row in rows],
        "floor": [as_json(row) for row in floor],
        "floor_percent": {k: round(v, 1) for k, v in floor_percentages(rows, floor).items()},
        "floor_p99_ratio": {k: round(v, 2) for k, v in floor_p99_ratios(rows, floor).items()},
    }


def write(data: dict[str, object], directory: Path = OUTPUT_DIR) -> Path:
    """Save as `<timestamp>-<commit>.json` and as `latest.json`; returns the first."""
    directory.mkdir(exist_ok=True)
    stamp = str(data["timestamp"]).replace(":", "").replace("+0000", "Z")
    path = directory / f"{stamp}-{data['commit']}.json"
    text = json.dumps(data, indent=2) + "\n"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path
