"""CPU time spent per request by the server's processes and by PostgreSQL's.

Throughput on a small shared machine moves with whatever else runs there;
CPU seconds per request hardly do, so the report shows both. Read from
/proc (Linux); elsewhere the columns stay empty.
"""

from __future__ import annotations

import os
import timeit
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stats() -> list[tuple[int, int, int, float]]:
    """(pid, parent pid, process group, CPU seconds) of every process."""
    found = []
    for entry in PROC.glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:
            continue  # it exited meanwhile
        pid = int(text.split(" ", 1)[0])
        fields = text.rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND
        found.append((pid, int(fields[1]), int(fields[2]), cpu))
    return found


def _seconds(select: Callable[[int, int, int], bool]) -> float | None:
    if not PROC.is_dir():
        return None
    return sum(cpu for pid, ppid, group, cpu in _stats() if select(pid, ppid, group))


def process_group_seconds(group: int) -> float | None:
    """CPU seconds of a process group: the server and the workers it forked."""
    return _seconds(lambda pid, ppid, pgrp: pgrp == group)


def postgres_seconds(pgdata: Path) -> float | None:
    """CPU seconds of a PostgreSQL server: the postmaster and its children."""
    try:
        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return _seconds(lambda pid, ppid, pgrp: postmaster in (pid, ppid))


class CpuMeter:
    """CPU seconds used by the server and the database between start and stop."""

    def __init__(self, server_group: int, pgdata: Path) -> None:
        self.server_group = server_group
        self.pgdata = pgdata

    def read(self) -> tuple[float | None, float | None]:
        return process_group_seconds(self.server_group), postgres_seconds(self.pgdata)


def calibration_ms() -> float:
    """Milliseconds this machine takes for a fixed piece of pure Python, now.

    Recorded with every run: when two runs differ, this tells a slower or
    busier machine apart from a slower service.
    """
    work = "sum(i * i for i in range(100_000))"
    return min(timeit.repeat(work, number=10, repeat=5)) / 10 * 1000
