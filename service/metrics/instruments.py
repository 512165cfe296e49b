"""The service's instruments: a no-op `Metrics`, and `PrometheusMetrics` that counts.

Code records through the methods of `Metrics`; with METRICS_ENABLED=false the
app holds the base class, whose methods do nothing, so no call site asks
whether metrics are on.

With several workers (WORKERS > 1) each process writes its values to files in
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, which
`python -m service serve` sets up before the workers start), and a scrape of
any worker reads every worker's files: counters and histograms are summed,
gauges of live processes summed.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.utils import INF

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Request latencies of an API whose reads take a fraction of a millisecond
# and whose chat turns take seconds.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, INF)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, INF)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, INF)


class Metrics:
    """What the service records; this base records nothing (METRICS_ENABLED=false)."""

    enabled = False

    def request_started(self) -> None:
        """A request entered the app (paired with `request_finished`)."""

    def request_finished(self, method: str, route: str, status: int, seconds: float) -> None:
        """A request left the app; `route` is its template, never the raw path."""

    def pool_sampled(self, size: int, in_use: int) -> None:
        """The pool's size and checked-out connections, sampled by the app."""

    def pool_waited(self, seconds: float, *, timed_out: bool) -> None:
        """An acquire that found every connection busy waited this long."""

    def chat_turn(self, agent: str, outcome: str) -> None:
        """A chat turn ended: `complete`, or the error code it answered."""

    def llm_call(self, outcome: str, seconds: float) -> None:
        """One HTTP call to the LLM provider: `ok`, `timeout`, `http_<status>`, `error`."""

    def llm_tokens(self, model: str, prompt: int, completion: int) -> None:
        """Tokens the provider reported in a response's `usage`."""

    def jwks_refresh(self, outcome: str) -> None:
        """A JWKS fetch from Better Auth: `ok` or `failed`."""

    def auth_failure(self, error_code: str) -> None:
        """A request refused for its credential (AUTH_REQUIRED, AUTH_INVALID, ...)."""

    def rate_limited(self, scope: str) -> None:
        """A request refused for the user's per-minute budget (`api` or `chat`)."""

    def exposition(self) -> bytes:
        """The Prometheus text of every worker's values."""
        return b""

    def process_exiting(self) -> None:
        """The worker is stopping: its live gauges leave the sums."""


class PrometheusMetrics(Metrics):
    """Metrics that count, in a registry of their own (no process-wide state)."""

    enabled = True

    def __init__(self) -> None:
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        registry = self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "http_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=registry,
        )
        self._latency = Histogram(
            "http_request_duration_seconds",
            "Time from the request's arrival to its last byte, by route template.",
            ("method", "route"),
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self._in_flight = Gauge(
            "http_requests_in_flight",
            "Requests being served now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._pool_size = Gauge(
            "db_pool_connections",
            "Open connections in the database pools.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._pool_in_use = Gauge(
            "db_pool_connections_in_use",
            "Pool connections checked out by requests.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._pool_wait = Histogram(
            "db_pool_acquire_wait_seconds",
            "Waits for a connection when every one was busy (a free one is no wait).",
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self._pool_timeouts = Counter(
            "db_pool_acquire_timeouts",
            "Acquires that gave up after DATABASE_ACQUIRE_TIMEOUT_SECONDS.",
            registry=registry,
        )
        self._chat_turns = Counter(
            "chat_turns",
            "Chat turns by agent and outcome (complete, or the error code answered).",
            ("agent", "outcome"),
            registry=registry,
        )
        self._llm_calls = Counter(
            "llm_requests",
            "HTTP calls to the LLM provider by outcome.",
            ("outcome",),
            registry=registry,
        )
        self._llm_latency = Histogram(
            "llm_request_duration_seconds",
            "Time per HTTP call to the LLM provider.",
            buckets=LLM_BUCKETS,
            registry=registry,
        )
        self._llm_tokens = Counter(
            "llm_tokens",
            "Tokens the provider reported, by model and kind (prompt, completion).",
            ("model", "kind"),
            registry=registry,
        )
        self._jwks_refreshes = Counter(
            "jwks_refreshes",
            "Fetches of Better Auth's JWKS by outcome.",
            ("outcome",),
            registry=registry,
        )
        self._auth_failures = Counter(
            "auth_failures",
            "Requests refused for their credential, by error code.",
            ("error_code",),
            registry=registry,
        )
        self._rate_limited = Counter(
            "rate_limited_requests",
            "Requests refused with 429 RATE_LIMITED, by budget.",
            ("scope",),
            registry=registry,
        )

    def request_started(self) -> None:
        self._in_flight.inc()

    def request_finished(self, method: str, route: str, status: int, seconds: float) -> None:
        # The hottest path: the labelled children are looked up once per
        # (method, route, status) and kept, as labels() costs more than inc().
        self._in_flight.dec()
        if method not in HTTP_METHODS:
            method = "OTHER"  # any token is a method: labels must stay few
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = self._request_children[key] = (
                self._requests.labels(method, route, str(status)),
                self._latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def pool_sampled(self, size: int, in_use: int) -> None:
        self._pool_size.set(size)
        self._pool_in_use.set(in_use)

    def pool_waited(self, seconds: float, *, timed_out: bool) -> None:
        self._pool_wait.observe(seconds)
        if timed_out:
            self._pool_timeouts.inc()

    def chat_turn(self, agent: str, outcome: str) -> None:
        self._chat_turns.labels(agent, outcome).inc()

    def llm_call(self, outcome: str, seconds: float) -> None:
        self._llm_calls.labels(outcome).inc()
        self._llm_latency.observe(seconds)

    def llm_tokens(self, model: str, prompt: int, completion: int) -> None:
        self._llm_tokens.labels(model, "prompt").inc(prompt)
        self._llm_tokens.labels(model, "completion").inc(completion)

    def jwks_refresh(self, outcome: str) -> None:
        self._jwks_refreshes.labels(outcome).inc()

    def auth_failure(self, error_code: str) -> None:
        self._auth_failures.labels(error_code).inc()

    def rate_limited(self, scope: str) -> None:
        self._rate_limited.labels(scope).inc()

    def exposition(self) -> bytes:
        if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
            return generate_latest(self.registry)
        # Every worker's files, whichever worker the scrape reached.
        merged = CollectorRegistry()
        MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)

    def process_exiting(self) -> None:
        if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
