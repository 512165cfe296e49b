"""The fallback load generator: the standard library only, when wrk is absent.

Closed loop: each of N keep-alive HTTP/1.1 connections sends a request, reads
the whole response, records the latency and sends the next one, until the
deadline. Python itself costs CPU on the same machine, so on a small box this
generator saturates before wrk would: the report names the tool that ran.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.scenarios import Request

# A response that never comes must not stall the run past its time box.
RESPONSE_TIMEOUT_SECONDS = 10.0
NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class Result:
    """One scenario's measurement, whichever tool produced it."""

    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU time per request of the server's processes and of PostgreSQL's.
    server_cpu_us: float | None = None
    database_cpu_us: float | None = None
    # Resident memory of the server's processes when the scenario ended.
    resident_mb: int | None = None

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def encode(request: Request, host: str) -> bytes:
    """The request's bytes on the wire, built once before the run."""
    lines = [
        f"{request.method} {request.path} HTTP/1.1",
        f"Host: {host}",
        f"Authorization: Bearer {request.token}",
    ]
    body = request.body or b""
    if request.body is not None or request.method in ("POST", "PUT", "PATCH"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one whole response; returns its status and whether to keep the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    keep_alive = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep_alive = b"close" not in value.lower()
    if status in NO_BODY_STATUSES:
        return status, keep_alive
    if not chunked:
        await reader.readexactly(length)
        return status, keep_alive
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)  # the chunk and its CRLF
        if size == 0:
            return status, keep_alive


@dataclass
class _Tally:
    latencies: list[float]
    errors: int = 0


async def _connection(
    host: str, port: int, payloads: list[bytes], start: int, expected: int,
    deadline: float, tally: _Tally,
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection(host, port)
    index = start
    try:
        while time.perf_counter() < deadline:
            payload = payloads[index % len(payloads)]
            index += 1
            sent = time.perf_counter()
            try:
                writer.write(payload)
                status, keep_alive = await asyncio.wait_for(
                    read_response(reader), RESPONSE_TIMEOUT_SECONDS
                )
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                tally.errors += 1
                keep_alive = False
                status = 0
            else:
                tally.latencies.append(time.perf_counter() - sent)
                if status != expected:
                    tally.errors += 1
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


async def run(
    host: str, port: int, requests: list[Request], *, expected_status: int,
    concurrency: int, seconds: float,
) -> Result:  # fmt: skip
    """Drive `concurrency` connections for `seconds`; latencies in milliseconds."""
    payloads = [encode(request, f"{host}:{port}") for request in requests]
    tally = _Tally(latencies=[])
    step = max(1, len(payloads) // concurrency)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.wait_for(
        asyncio.gather(
            *(
                _connection(host, port, payloads, n * step, expected_status, deadline, tally)
                for n in range(concurrency)
            )
        ),
        seconds + RESPONSE_TIMEOUT_SECONDS + 5,
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(tally.latencies)
    return Result(
        tool="python-asyncio",
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=tally.errors,
    )
