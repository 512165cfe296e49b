"""Better Auth session tokens, as the bearer() plugin and the cookie carry them (SPEC 3).

Better Auth (through better-call's `signCookieValue`) stores the session cookie
as `encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))`: a
standard base64 signature with padding, always 44 characters. The bearer()
plugin hands the same value to clients (`set-auth-token`) and also accepts the
bare token. Either way the token must name a live row of Better Auth's
`"session"` table. Rows are read on every request, never cached, so signing
out (which deletes the row) takes effect at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from urllib.parse import unquote

import asyncpg

from service.http.context import AppContext
from service.http.errors import DATABASE_DOWN_ERRORS, AuthExpired, AuthInvalid, database_unavailable

logger = logging.getLogger("service.auth")

SIGNATURE_LENGTH = 44  # base64 of 32 bytes, with one "=" of padding
# Better Auth's tokens are 32 alphanumerics (generateId(32)); anything far from
# that shape is refused before it costs a query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,255}")


def _mac(token: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()


def sign_session_token(token: str, secret: str) -> str:
    """The signed form Better Auth puts in its cookie (before percent-encoding)."""
    return f"{token}.{base64.b64encode(_mac(token, secret)).decode()}"


def session_token_of(value: str, secret: str) -> str:
    """The session token a credential carries, its signature checked; else 401.

    Accepts `token.signature` (percent-encoded or not) and the bare token.
    """
    decoded = unquote(value) if "%" in value else value
    token, dot, signature = decoded.rpartition(".")
    if not dot:
        token = decoded
    elif not _signature_matches(token, signature, secret):
        raise AuthInvalid("The session token is invalid.")
    if not _TOKEN.fullmatch(token):
        raise AuthInvalid("The session token is invalid.")
    return token


def _signature_matches(token: str, signature: str, secret: str) -> bool:
    if not secret or len(signature) != SIGNATURE_LENGTH or not signature.endswith("="):
        return False
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, _mac(token, secret))


class SessionVerifier:
    """Verifies session tokens against the shared database's `"session"` table."""

    def __init__(self, context: AppContext, *, secret: str) -> None:
        self._context = context
        self._secret = secret
        self._warned_missing_table = False

    async def verify(self, value: str) -> str:
        """The user id of a live session; 401 when unknown or expired, 503 when down."""
        token = session_token_of(value, self._secret)
        try:
            row = await self._context.queries.better_auth_session(self._context.pool, token=token)
        except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
            if not self._warned_missing_table:
                self._warned_missing_table = True
                logger.warning('session token refused: no readable Better Auth "session" table')
            raise AuthInvalid("The session token is invalid.") from None
        except DATABASE_DOWN_ERRORS as exc:
            # This runs in the middleware, outside the app's exception handlers.
            logger.warning("session lookup failed: database unavailable (%s)", type(exc).__name__)
            raise database_unavailable() from None
        if row is None:
            raise AuthInvalid("The session token is invalid.")
        if not row["active"]:
            raise AuthExpired("The session has expired; sign in again.")
        user_id = row["user_id"]
        if not isinstance(user_id, str) or not user_id:
            raise AuthInvalid("The session token is invalid.")
        return user_id
