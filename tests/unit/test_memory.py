"""Freed heap pages go back to the operating system while the app runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from service.memory import malloc_trim

# A fresh interpreter frees 60 MB of 4 KB blocks (malloc's, not Python's
# small-object allocator) under one block that stays, so glibc cannot simply
# shrink its heap from the top: only a trim returns those pages.
PROCESS = textwrap.dedent(
    """
    import asyncio

    from service.memory import returning_freed_memory

    def resident_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024

    blocks = [bytes(4000) + bytes([n % 256]) for n in range(15_000)]
    pinned = bytes(4000) + b"stays"
    del blocks
    freed = resident_mb()

    async def serve_a_while():
        async with returning_freed_memory(interval=0.05):
            await asyncio.sleep(0.3)

    asyncio.run(serve_a_while())
    print(freed, resident_mb())
    """
)


@pytest.mark.skipif(
    malloc_trim() is None or not sys.platform.startswith("linux"),
    reason="needs glibc's malloc_trim and /proc",
)
def test_the_pages_a_burst_freed_are_returned_while_serving() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROCESS], capture_output=True, text=True, check=True, timeout=60
    )
    before, after = map(int, done.stdout.split())
    assert before - after >= 40, (before, after)
