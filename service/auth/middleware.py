"""Authentication and authorization as a pure ASGI middleware (SPEC 3).

For every `/api/...` request the middleware reads one credential (the
`Authorization: Bearer` header, else the Better Auth session cookie), asks the
`Authenticator` whose user it is, checks that the `{user_id}` of the path is
that user, and puts the id in `scope["user_id"]`. Handlers never see tokens.

The `Authenticator` picks a verifier by the shape of the credential: a JWT goes
to the verifier of its algorithm's key type, anything else is a session token.
Verifiers are small objects with `async verify(value) -> user_id`, so each kind
of Better Auth credential is one class.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Protocol

import msgspec
from starlette.types import ASGIApp, Receive, Scope, Send

from service.http.errors import ApiError, AuthInvalid, AuthRequired, Forbidden
from service.metrics import Metrics

# Real credentials are well under 4 KB (an Ed25519 JWT with a user object is
# about 1 KB); anything far larger is refused before any parsing.
MAX_CREDENTIAL_LENGTH = 8192
SYMMETRIC_ALGORITHMS = frozenset({"HS256"})
ASYMMETRIC_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES512", "RS256", "PS256"})


class Verifier(Protocol):
    async def verify(self, value: str) -> str:
        """Return the user id the credential proves, or raise a 401 `ApiError`."""
        ...


class Authenticator:
    """Routes a credential to the verifier for its kind."""

    def __init__(
        self,
        *,
        hs256: Verifier,
        asymmetric: Verifier | None = None,
        session: Verifier | None = None,
    ) -> None:
        self._hs256 = hs256
        self._asymmetric = asymmetric
        self._session = session

    async def authenticate(self, value: str) -> str:
        """The user id for a credential value; 401 errors otherwise."""
        if len(value) > MAX_CREDENTIAL_LENGTH or not value.isascii() or not value.isprintable():
            raise AuthInvalid("The credential is malformed.")
        if value.count(".") == 2:
            algorithm = jwt_algorithm(value)
            if algorithm in SYMMETRIC_ALGORITHMS:
                return await self._hs256.verify(value)
            if algorithm in ASYMMETRIC_ALGORITHMS and self._asymmetric is not None:
                return await self._asymmetric.verify(value)
            raise AuthInvalid("The token is invalid.")
        if self._session is not None:
            return await self._session.verify(value)
        raise AuthInvalid("The credential is invalid.")


_header_decoder = msgspec.json.Decoder(dict[str, object])


def jwt_algorithm(token: str) -> str | None:
    """The `alg` of a JWT's header, or None when the header is not JSON."""
    header_segment = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4))
        header = _header_decoder.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        return None
    algorithm = header.get("alg")
    return algorithm if isinstance(algorithm, str) else None


def read_credential(headers: Mapping[bytes, bytes], cookie_prefix: str) -> str | None:
    """The credential SPEC 3 says to use: the Bearer header, then the cookies."""
    authorization = headers.get(b"authorization")
    if authorization is not None:
        scheme, _, value = authorization.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthInvalid("Use 'Authorization: Bearer <token>'.")
        return value.strip()
    cookie_header = headers.get(b"cookie")
    if cookie_header is None:
        return None
    cookies = parse_cookie_header(cookie_header.decode("latin-1"))
    for name in (f"__Secure-{cookie_prefix}.session_token", f"{cookie_prefix}.session_token"):
        if cookies.get(name):
            return cookies[name]
    return None


def parse_cookie_header(header: str) -> dict[str, str]:
    """`name=value` pairs of a Cookie header; the first of a repeated name wins.

    Deliberately lenient: http.cookies stops at the first cookie it dislikes
    (a JSON value set by some other script, say), which would hide the session
    cookie behind it. Values stay percent-encoded, as Better Auth sent them.
    """
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, has_value, value = pair.strip().partition("=")
        if has_value and name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            cookies.setdefault(name, value)
    return cookies


def path_user_id(path: str) -> str | None:
    """The `{user_id}` of an `/api/{user_id}/...` path."""
    parts = path.split("/", 3)
    return parts[2] if len(parts) > 2 and parts[2] else None


class AuthMiddleware:
    """Authenticates `/api/` requests and authorizes their path's user id."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        cookie_prefix: str,
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.cookie_prefix = cookie_prefix
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        try:
            scope["user_id"] = await self._authorize(scope)
        except ApiError as exc:
            self.metrics.auth_failure(exc.error_code)
            await exc.to_response()(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _authorize(self, scope: Scope) -> str:
        headers = dict(scope["headers"])
        credential = read_credential(headers, self.cookie_prefix)
        if credential is None:
            raise AuthRequired(
                "Sign in: send 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user_id = await self.authenticator.authenticate(credential)
        if path_user_id(scope["path"]) != user_id:
            raise Forbidden("This path belongs to another user.")
        return user_id
