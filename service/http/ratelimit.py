"""Per-user request limits shared by every replica (SPEC 2), as pure ASGI middleware.

Each user has two budgets a minute: chat turns (CHAT_RATE_LIMIT_PER_MINUTE)
and every other `/api/` request (API_RATE_LIMIT_PER_MINUTE). The count lives
in PostgreSQL (`sql/rate_limits.sql`), so replicas share it and a restart
forgets nothing that matters.

A claim on every request would double the round trips of a get. Instead a
process claims a *lease* of a twentieth of the budget at once and spends it
locally: one statement per 30 requests at the default 600. The database has
counted a lease as used the moment it was handed out, so the limit holds
across replicas whatever they do; the price is that a lease a replica does
not spend before the minute ends is lost to the user (at most one lease per
replica that served them). Budgets under 20 are claimed one request at a time,
exactly. Windows are fixed minutes of the database's clock.

Every limited response says where the user stands, in the IETF httpapi
RateLimit fields (`RateLimit-Policy`, `RateLimit`) and in the older
`RateLimit-Limit`/`-Remaining`/`-Reset` trio many clients read; past the limit
the answer is 429 RATE_LIMITED with `Retry-After`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import DATABASE_DOWN_ERRORS, RateLimited, database_unavailable

# What a limited response carries, for CORS to expose.
RATE_LIMIT_HEADERS = (
    "RateLimit-Policy",
    "RateLimit",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)
# A lease is this share of the minute's budget.
LEASE_SHARE = 20
# Past this many users in memory, leases of ended minutes are dropped.
MAX_REMEMBERED_LEASES = 10_000


@dataclass(slots=True)
class _Lease:
    spendable: int  # claimed by this process and not yet spent
    used: int  # what the database had counted for the minute at the claim
    ends: float  # time.monotonic() when the minute ends


@dataclass(frozen=True, slots=True)
class Admission:
    """The verdict on one request, with what the headers report."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self, scope_name: str) -> list[tuple[bytes, bytes]]:
        limit, remaining, reset = self.limit, self.remaining, self.reset_seconds
        return [
            (b"ratelimit-policy", b'"%s";q=%d;w=60' % (scope_name.encode(), limit)),
            (b"ratelimit", b'"%s";r=%d;t=%d' % (scope_name.encode(), remaining, reset)),
            (b"ratelimit-limit", b"%d" % limit),
            (b"ratelimit-remaining", b"%d" % remaining),
            (b"ratelimit-reset", b"%d" % reset),
        ]


class RateLimiter:
    """Admits or refuses a user's request against the shared per-minute budget."""

    def __init__(self, context: Any, *, per_minute: dict[str, int]) -> None:
        self._context = context
        self.metrics = context.metrics
        self._per_minute = per_minute
        self._leases: dict[tuple[str, str], _Lease] = {}

    def limit_of(self, scope_name: str) -> int:
        """Requests a minute for the scope; 0 means unlimited."""
        return self._per_minute.get(scope_name, 0)

    async def admit(self, user_id: str, scope_name: str) -> Admission:
        """Spend one request of the user's budget, claiming a lease when needed."""
        limit = self._per_minute[scope_name]
        now = time.monotonic()
        lease = self._leases.get((user_id, scope_name))
        if lease is not None and now < lease.ends:
            if lease.spendable > 0:
                lease.spendable -= 1
                return _admission(True, limit, lease, now)
            if lease.used >= limit:  # the minute is spent everywhere: no need to ask
                return _admission(False, limit, lease, now)
        lease = await self._claim(user_id, scope_name, limit, now)
        if lease.spendable == 0:
            return _admission(False, limit, lease, now)
        lease.spendable -= 1
        return _admission(True, limit, lease, now)

    async def _claim(self, user_id: str, scope_name: str, limit: int, now: float) -> _Lease:
        queries, pool = self._context.queries, self._context.pool
        row = await queries.claim_rate_budget(
            pool,
            user_id=user_id,
            scope=scope_name,
            wanted=max(1, limit // LEASE_SHARE),
            per_minute=limit,
        )
        if len(self._leases) >= MAX_REMEMBERED_LEASES:
            self._leases = {key: kept for key, kept in self._leases.items() if now < kept.ends}
        lease = _Lease(spendable=row["granted"], used=row["used"], ends=now + row["seconds_left"])
        self._leases[(user_id, scope_name)] = lease
        return lease


def _admission(allowed: bool, limit: int, lease: _Lease, now: float) -> Admission:
    return Admission(
        allowed=allowed,
        limit=limit,
        remaining=max(0, limit - lease.used + lease.spendable),
        reset_seconds=max(1, math.ceil(lease.ends - now)),
    )


class RateLimitMiddleware:
    """Applies the user's budget to every authenticated `/api/` request.

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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user_id = scope.get("user_id") if scope["type"] == "http" else None
        if user_id is None:
            await self.app(scope, receive, send)
            return
        is_chat = scope["method"] == "POST" and any(p.match(scope["path"]) for p in self.chat_paths)
        scope_name = "chat" if is_chat else "api"
        if self.limiter.limit_of(scope_name) == 0:
            await self.app(scope, receive, send)
            return
        try:
            admission = await self.limiter.admit(user_id, scope_name)
        except DATABASE_DOWN_ERRORS:
            await database_unavailable().to_response()(scope, receive, send)
            return
        headers = admission.headers(scope_name)
        if not admission.allowed:
            self.limiter.metrics.rate_limited(scope_name)
            what = "chat messages" if is_chat else "requests"
            refusal = RateLimited(
                f"Too many {what}: the limit is {admission.limit} a minute; "
                f"retry in {admission.reset_seconds} s.",
                headers={"Retry-After": str(admission.reset_seconds)},
            ).to_response()
            refusal.raw_headers.extend(headers)
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
