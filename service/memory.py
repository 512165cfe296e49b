"""Handing the memory a burst of requests freed back to the operating system.

CPython takes every block over 512 bytes from the C library's malloc: the
stored tool calls a chat turn reads, list and dict tables, response bodies.
When a burst ends, glibc keeps the pages it freed in the middle of its heap
for reuse rather than returning them, so a worker that served 32 chat turns
at once stays megabytes bigger for good (3 to 4 MB after `make bench`).
`malloc_trim(0)` returns every whole free page. Done every few seconds while
the app runs, it costs well under a millisecond of the event loop; pages in
use are never touched. Where the C library has no malloc_trim (musl, macOS)
this does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
from collections.abc import AsyncIterator, Callable

TRIM_INTERVAL_SECONDS = 5.0


def malloc_trim() -> Callable[[], object] | None:
    """glibc's `malloc_trim(0)`, or None where the C library has none."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


@contextlib.asynccontextmanager
async def returning_freed_memory(
    interval: float = TRIM_INTERVAL_SECONDS,
) -> AsyncIterator[None]:
    """While the block runs, give freed heap pages back every `interval` seconds."""
    trim = malloc_trim()
    if trim is None:
        yield
        return

    async def keep_trimming() -> None:
        while True:
            await asyncio.sleep(interval)
            trim()

    task = asyncio.create_task(keep_trimming())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
