"""Per-user request limits shared by every replica (SPEC 2), as pure ASGI middleware.

Each user has two budgets a minute, counted in PostgreSQL (`sql/rate_limits.sql`)
so every replica sees them: chat turns (CHAT_RATE_LIMIT_PER_MINUTE) and every
other `/api/` or `/mcp` request (API_RATE_LIMIT_PER_MINUTE). Windows are fixed
minutes of the database's clock. They are counted two ways, for what each
costs and what each is worth:

- **Exactly**: the request claims its place in the database before it runs
  (one statement), so replicas together never pass the limit. Chat turns
  always (a turn costs a model call and many statements; this one is noise),
  and API requests when the budget is under 100 a minute, or when the user
  is within a tenth of it.
- **In batches**: otherwise a statement per request would double the round
  trips of a get. Each process counts its requests locally and adds them to
  the shared counts every half second, in one statement for all its users,
  learning the totals of every replica back; a user it has not seen this
  minute makes it flush at once (after at most 50 ms). Far from the limit,
  replicas may be a flush behind each other; near it, every request is exact.

Every limited response says where the user stands, in the IETF httpapi
RateLimit fields (`RateLimit-Policy: "api";q=600;w=60`, `RateLimit:
"api";r=<left>;t=<seconds>`) and the older `RateLimit-Limit`/`-Remaining`/
`-Reset` many clients read; past the limit the answer is 429 RATE_LIMITED with
`Retry-After`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import DATABASE_DOWN_ERRORS, RateLimited, database_unavailable

logger = logging.getLogger("service.ratelimit")

# What a limited response carries, for CORS to expose.
RATE_LIMIT_HEADERS = (
    "RateLimit-Policy",
    "RateLimit",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)
FLUSH_SECONDS = 0.5
# API budgets under this are claimed exactly, a statement per request.
EXACT_BELOW = 100
# Within this share of the budget, a user's requests are claimed exactly.
NEAR_LIMIT_SHARE = 10
# Flushes are at least this far apart, however many new users arrive.
MIN_FLUSH_GAP_SECONDS = 0.05
WINDOW_SECONDS = 60
# Past this many users in memory, counts of ended minutes are dropped.
MAX_REMEMBERED_USERS = 10_000


@dataclass(slots=True)
class _Count:
    """One user's minute as this process knows it."""

    ends: float  # time.time() when the minute ends
    known: int = 0  # the shared count at the last flush (every replica's)
    flushing: int = 0  # admitted here, being added to the shared count now
    pending: int = 0  # admitted here since, not yet added to the shared count

    @property
    def used(self) -> int:
        return self.known + self.flushing + self.pending


class RateLimiter:
    """Admits or refuses a user's request against the shared per-minute budgets."""

    def __init__(
        self, context: Any, *, per_minute: dict[str, int], flush_seconds: float = FLUSH_SECONDS
    ) -> None:
        self._context = context
        self._per_minute = per_minute
        self._flush_seconds = flush_seconds
        self._counts: dict[str, _Count] = {}
        self._newcomer = asyncio.Event()
        # One flush at a time: a second would take the first's batch for its own.
        self._flushing = asyncio.Lock()
        self.metrics = context.metrics

    def limit_of(self, scope_name: str) -> int:
        """Requests a minute for the scope; 0 means unlimited."""
        return self._per_minute.get(scope_name, 0)

    def admit_api_request(self, user_id: str) -> tuple[bool, int, int] | None:
        """(allowed, remaining, seconds to reset) for one more API request, without
        I/O; None when it must be claimed exactly (`claim`)."""
        limit = self._per_minute["api"]
        if limit < EXACT_BELOW:
            return None
        now = time.time()
        count = self._counts.get(user_id)
        if count is None or now >= count.ends:
            if len(self._counts) >= MAX_REMEMBERED_USERS:
                self._forget_ended(now)
            count = self._counts[user_id] = _Count(ends=_minute_end(now))
            self._newcomer.set()  # learn what other replicas counted, soon
        reset = max(1, math.ceil(count.ends - now))
        used = count.used
        if used >= limit - limit // NEAR_LIMIT_SHARE:
            return None
        count.pending += 1
        return True, limit - used - 1, reset

    async def claim(self, user_id: str, scope_name: str) -> tuple[bool, int, int]:
        """(allowed, remaining, seconds to reset), the request claimed in the database."""
        limit = self._per_minute[scope_name]
        count = self._counts.get(user_id) if scope_name == "api" else None
        if count is not None and count.pending:
            await self.flush()  # this process's own requests first, so the claim is exact
        row = await self._context.queries.claim_rate_budget(
            self._context.pool, user_id=user_id, scope=scope_name, wanted=1, per_minute=limit
        )
        if count is not None:
            count.known = row["used"]
        reset = max(1, math.ceil(row["seconds_left"]))
        return row["granted"] > 0, max(0, limit - row["used"]), reset

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The app's lifespan enters this: the flusher runs while the app does."""
        if not self._per_minute.get("api"):
            yield
            return
        flusher = asyncio.create_task(self._flush_forever())
        try:
            yield
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            with contextlib.suppress(*DATABASE_DOWN_ERRORS):
                await self.flush()  # what this process admitted still counts

    async def _flush_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._newcomer.wait(), self._flush_seconds)
            self._newcomer.clear()
            await asyncio.sleep(MIN_FLUSH_GAP_SECONDS)
            try:
                await self.flush()
            except DATABASE_DOWN_ERRORS as exc:
                logger.warning("rate-limit counts not shared: %s", type(exc).__name__)

    async def flush(self) -> None:
        """Add the requests admitted here to the shared counts; learn the totals."""
        async with self._flushing:
            await self._flush_pending()

    async def _flush_pending(self) -> None:
        batch = {user: count for user, count in self._counts.items() if count.pending}
        if not batch:
            return
        for count in batch.values():
            count.flushing, count.pending = count.pending, 0
        try:
            rows = await self._context.queries.add_rate_usage(
                self._context.pool,
                user_ids=list(batch),
                scope="api",
                counts=[count.flushing for count in batch.values()],
            )
        except BaseException:
            for count in batch.values():  # counted next time instead
                count.pending += count.flushing
                count.flushing = 0
            raise
        now = time.time()
        for row in rows:
            count = batch[row["user_id"]]
            count.known, count.flushing = row["used"], 0
            count.ends = now + row["seconds_left"]

    def _forget_ended(self, now: float) -> None:
        self._counts = {
            user: count
            for user, count in self._counts.items()
            if now < count.ends or count.pending or count.flushing
        }


def _minute_end(now: float) -> float:
    return (now // WINDOW_SECONDS + 1) * WINDOW_SECONDS


class RateLimitMiddleware:
    """Applies the user's budget to every authenticated request.

    Runs after authentication (budgets are per user) and before the body is
    read, so a refused request costs no parsing. `chat_paths` are the POSTs
    counted as chat turns; everything else counts against the API budget.
    """

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, chat_paths: Iterable[re.Pattern[str]]
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.chat_paths = tuple(chat_paths)
        self._policies = {
            name: b'"%s";q=%d;w=60' % (name.encode(), limiter.limit_of(name))
            for name in ("api", "chat")
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user_id = scope.get("user_id") if scope["type"] == "http" else None
        if user_id is None:
            await self.app(scope, receive, send)
            return
        is_chat = scope["method"] == "POST" and any(p.match(scope["path"]) for p in self.chat_paths)
        scope_name = "chat" if is_chat else "api"
        limit = self.limiter.limit_of(scope_name)
        if limit == 0:
            await self.app(scope, receive, send)
            return
        admission = None if is_chat else self.limiter.admit_api_request(user_id)
        if admission is None:
            try:
                admission = await self.limiter.claim(user_id, scope_name)
            except DATABASE_DOWN_ERRORS:
                await database_unavailable().to_response()(scope, receive, send)
                return
        allowed, remaining, reset = admission
        fields = [
            (b"ratelimit-policy", self._policies[scope_name]),
            (b"ratelimit", b'"%s";r=%d;t=%d' % (scope_name.encode(), remaining, reset)),
            (b"ratelimit-limit", b"%d" % limit),
            (b"ratelimit-remaining", b"%d" % remaining),
            (b"ratelimit-reset", b"%d" % reset),
        ]
        if not allowed:
            await self._refuse(scope_name, limit, reset, fields, scope, receive, send)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *fields]
            await send(message)

        await self.app(scope, receive, send_with_fields)

    async def _refuse(
        self,
        scope_name: str,
        limit: int,
        reset: int,
        fields: list[tuple[bytes, bytes]],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        self.limiter.metrics.rate_limited(scope_name)
        what = "chat messages" if scope_name == "chat" else "requests"
        refusal = RateLimited(
            f"Too many {what}: the limit is {limit} a minute; retry in {reset} s.",
            headers={"Retry-After": str(reset)},
        ).to_response()
        refusal.raw_headers.extend(fields)
        await refusal(scope, receive, send)
