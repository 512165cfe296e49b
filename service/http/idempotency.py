"""Idempotency-Key on the POSTs that create (SPEC 5, 6), as pure ASGI middleware.

The semantics are the IETF httpapi Idempotency-Key draft's and Stripe's: the
first request with a key runs and its response is kept per (user, key) for 24
hours in PostgreSQL, so any replica answers a retry:

- the same key and body again: the stored response, `Idempotent-Replayed: true`,
  without running anything;
- the same key with another body: 422 IDEMPOTENCY_KEY_REUSED;
- the same key while the first is still running: 409 IDEMPOTENCY_KEY_IN_USE
  with Retry-After (a claim expires at its `locked_until`, so a killed
  process never leaves a key stuck);
- a response that is not a success stores nothing and frees the key (the
  request was refused, or failed before it acted), except a chat turn that
  failed after storing its message: the key is kept `failed`, and a retry with
  it resumes that turn (the handler reads `IdempotentRequest.resume`).

It runs after authentication (keys are per user) and after the body limit
(an oversized body stores nothing). Which paths it covers comes from the
routes: the operations declared `idempotent`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import (
    DATABASE_DOWN_ERRORS,
    ApiError,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    ValidationFailed,
    database_unavailable,
)

HEADER = b"idempotency-key"
# RFC 9110 header values of visible ASCII and spaces, as the draft suggests.
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")
# Response headers worth replaying; the rest are per-response.
_KEPT_HEADERS = {b"content-type", b"location", b"x-total-count"}


@dataclass(kw_only=True)
class IdempotentRequest:
    """What the middleware tells the handler, and the handler tells it back."""

    key: str
    # (conversation_id, user_message_id) of a failed chat turn to resume.
    resume: tuple[int, int] | None = None


def idempotent_request(scope: Scope) -> IdempotentRequest | None:
    """The Idempotency-Key of this request, when it has one (see the middleware)."""
    found: IdempotentRequest | None = scope.get("state", {}).get("idempotency")
    return found


class IdempotencyMiddleware:
    """Replays, refuses or runs POSTs to `paths` that carry an Idempotency-Key."""

    def __init__(
        self, app: ASGIApp, *, paths: Iterable[re.Pattern[str]], lock_seconds: float
    ) -> None:
        self.app = app
        self.paths = tuple(paths)
        self.lock_seconds = lock_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw_key = next((value for name, value in scope["headers"] if name == HEADER), None)
        if raw_key is None or not any(p.match(scope["path"]) for p in self.paths):
            await self.app(scope, receive, send)
            return
        try:
            await self._run(scope, receive, send, raw_key)
        except ApiError as exc:
            await exc.to_response()(scope, receive, send)

    async def _run(self, scope: Scope, receive: Receive, send: Send, raw_key: bytes) -> None:
        key = raw_key.decode("latin-1")
        if not _VALID_KEY.fullmatch(key):
            raise ValidationFailed(
                "Idempotency-Key must be 1 to 255 printable ASCII characters.",
                field="Idempotency-Key",
            )
        body = await _read_body(receive)
        context = scope["app"].state.context
        user_id: str = scope["user_id"]
        digest = hashlib.sha256(b"%s %s\n%s" % (b"POST", scope["path"].encode(), body))
        try:
            claim = await context.queries.claim_idempotency_key(
                context.pool,
                user_id=user_id,
                key=key,
                request_hash=digest.hexdigest(),
                lock_seconds=self.lock_seconds,
            )
        except DATABASE_DOWN_ERRORS:
            raise database_unavailable() from None
        if claim is None:  # claimed by a concurrent request a moment ago
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still running; retry shortly.",
                headers={"Retry-After": "1"},
            )
        outcome = claim["outcome"]
        if outcome == "reused":
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used with another request body; use a new key."
            )
        if outcome == "in_use":
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still running; retry shortly.",
                headers={"Retry-After": str(claim["retry_after"])},
            )
        if outcome == "replay":
            await _replay(claim, send)
            return
        request = IdempotentRequest(key=key)
        if claim["user_message_id"] is not None:
            request.resume = (claim["conversation_id"], claim["user_message_id"])
        scope.setdefault("state", {})["idempotency"] = request
        await self._respond(scope, _replaying(body, receive), send, context, user_id, request)

    async def _respond(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        context: Any,
        user_id: str,
        request: IdempotentRequest,
    ) -> None:
        """Run the app, settle the key, then send: once a client has the
        response, a retry with the key finds it stored (never a 409)."""
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, receive, hold)
        except BaseException:
            await self._settle(context, user_id, request, 500, [], b"")
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        status = start["status"] if start else 500
        headers = list(start.get("headers", [])) if start else []
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        await self._settle(context, user_id, request, status, headers, body)
        for message in messages:
            await send(message)

    async def _settle(
        self,
        context: Any,
        user_id: str,
        request: IdempotentRequest,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        """Remember the outcome; a failure here leaves the claim to expire."""
        queries, pool, key = context.queries, context.pool, request.key
        try:
            if 200 <= status < 300:
                kept = {n.decode(): v.decode("latin-1") for n, v in headers if n in _KEPT_HEADERS}
                await queries.store_idempotent_response(
                    pool,
                    user_id=user_id,
                    key=key,
                    response_status=status,
                    response_headers=kept,
                    response_body=body,
                )
            elif status == 503:
                await queries.settle_unavailable(pool, user_id=user_id, key=key)
            else:
                await queries.release_idempotency_key(pool, user_id=user_id, key=key)
        except DATABASE_DOWN_ERRORS:
            pass


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app the body read here, then the client's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _replay(claim: Any, send: Send) -> None:
    headers = [
        (n.encode(), v.encode("latin-1")) for n, v in (claim["response_headers"] or {}).items()
    ]
    headers.append((b"idempotent-replayed", b"true"))
    await send(
        {"type": "http.response.start", "status": claim["response_status"], "headers": headers}
    )
    await send({"type": "http.response.body", "body": bytes(claim["response_body"] or b"")})
