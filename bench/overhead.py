"""What metrics and rate limits add to every request, without a network or a database.

    python -m bench.overhead

On a small shared machine two `bench.ab` runs of the same code differ by 15%
or more, far more than a few microseconds a request. This times the request
middleware alone (request context with its metrics, and the rate limiter's
per-request path) around an endpoint that does nothing, for 1,000 users:
microseconds per request with each feature off and on. The rate limiter's
statements (a flush every half second per process) are not in it.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import time
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from service.http.middleware import RequestContextMiddleware
from service.http.ratelimit import RateLimiter, RateLimitMiddleware
from service.metrics import Metrics, PrometheusMetrics

REQUESTS = 50_000
USERS = 1_000
ROUNDS = 5


class _Context:
    """Just what the limiter reads: metrics (its statements never run here)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.queries: Any = None
        self.pool: Any = None


async def _endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


async def _send(message: Message) -> None:
    return None


async def per_request(metrics: Metrics, api_limit: int) -> float:
    """Microseconds per request through both middlewares."""
    limiter = RateLimiter(_Context(metrics), per_minute={"api": api_limit, "chat": 0})
    app = RequestContextMiddleware(
        RateLimitMiddleware(_endpoint, limiter=limiter, chat_paths=()),
        route_templates={_endpoint: "/api/{user_id}/tasks/{task_id}"},
        metrics=metrics,
    )
    users = [f"user-{n}" for n in range(USERS)]
    started = time.perf_counter()
    for n in range(REQUESTS):
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/api/u/tasks/1",
            "headers": [],
            "endpoint": _endpoint,
            "user_id": users[n % USERS],
        }
        await app(scope, _receive, _send)
    return (time.perf_counter() - started) / REQUESTS * 1e6


async def main() -> int:
    logging.disable(logging.CRITICAL)  # the access log is not what is measured
    cases = {
        "neither": (Metrics, 0),
        "metrics": (PrometheusMetrics, 0),
        "rate limit": (Metrics, 10**9),
        "both": (PrometheusMetrics, 10**9),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, (metrics, limit) in cases.items():
            results[name].append(await per_request(metrics(), limit))
    base = statistics.median(results["neither"])
    print(f"middleware per request, median of {ROUNDS} rounds of {REQUESTS} requests")
    for name, figures in results.items():
        cost = statistics.median(figures)
        print(f"  {name:>10}: {cost:6.2f} us  (+{cost - base:.2f} us)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
