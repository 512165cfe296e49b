"""HS256 JWTs signed with BETTER_AUTH_SECRET (SPEC 3, first kind).

Many Better Auth frontends mint such tokens themselves; `python -m service
token` mints them for trying the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import jwt

from service.http.errors import AuthExpired, AuthInvalid

LEEWAY_SECONDS = 60
# Tokens remembered after a successful check (see Hs256Verifier); about 1 KB each.
VERIFIED_CACHE_SIZE = 4096
MAX_USER_ID_LENGTH = 255
# Better Auth puts the user id in `sub`; hand-rolled tokens use these.
USER_ID_CLAIMS = ("sub", "id", "user_id", "userId")


def user_id_from_claims(claims: dict[str, Any]) -> str:
    """The user id of a verified token: `sub`, else the usual fallbacks."""
    for claim in USER_ID_CLAIMS:
        value = claims.get(claim)
        if value is None:
            continue
        if isinstance(value, str) and 0 < len(value) <= MAX_USER_ID_LENGTH and "\x00" not in value:
            return value
        raise AuthInvalid("The token's user id is not a valid string.")
    raise AuthInvalid("The token names no user.")


def decode_verified(
    token: str,
    key: Any,
    algorithms: list[str],
    *,
    issuer: str | None = None,
    audience: str | None = None,
) -> dict[str, Any]:
    """pyjwt's decode with SPEC 3's rules; failures become 401 errors.

    `exp` is required; `aud` is only checked when an audience is expected, so a
    frontend's token carrying an audience we do not configure still works.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            issuer=issuer,
            audience=audience,
            leeway=LEEWAY_SECONDS,
            options={
                "require": ["exp"] + (["iss"] if issuer else []) + (["aud"] if audience else []),
                "verify_aud": audience is not None,
            },
        )
    except jwt.ExpiredSignatureError:
        raise AuthExpired("The token has expired; sign in again.") from None
    except jwt.PyJWTError:
        raise AuthInvalid("The token is invalid.") from None
    return claims


class Hs256Verifier:
    """Verifies HS256 tokens with the shared secrets, and only those.

    With BETTER_AUTH_SECRETS every listed secret verifies (the current one
    first), so whoever mints tokens can rotate: a token signed with a secret
    still listed passes, one signed with a secret taken off the list does not.

    pyjwt's full check costs about 90 us, the largest single item of a simple
    request, and a client sends the same token with every request until it
    expires. So tokens that passed every check are remembered with their user
    id and `exp`: keyed by the whole token, signature included, so only the
    very same string is answered from memory, and `exp` is checked again on
    every use. A refused token is never remembered.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        issuer: str | None,
        audience: str | None,
        cache_size: int = VERIFIED_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = tuple(secret for secret in secrets if secret)
        self._issuer = issuer
        self._audience = audience
        self._cache_size = cache_size
        self._clock = clock
        self._verified: dict[str, tuple[str, float]] = {}  # token -> (user id, exp)

    @property
    def cached_tokens(self) -> int:
        return len(self._verified)

    async def verify(self, token: str) -> str:
        """The user id of a valid token; 401 errors otherwise."""
        if not self._secrets:
            raise AuthInvalid("The token is invalid.")
        remembered = self._verified.get(token)
        if remembered is not None:
            user_id, expires_at = remembered
            # pyjwt's own rule: expired once exp <= now - leeway.
            if self._clock() < expires_at + LEEWAY_SECONDS:
                return user_id
            del self._verified[token]
            raise AuthExpired("The token has expired; sign in again.")
        claims = decode_verified(
            token,
            self._signing_secret(token),
            ["HS256"],
            issuer=self._issuer,
            audience=self._audience,
        )
        user_id = user_id_from_claims(claims)
        if len(self._verified) >= self._cache_size:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (user_id, float(claims["exp"]))
        return user_id

    def _signing_secret(self, token: str) -> str:
        """The listed secret the token's signature is made with (else the current
        one, which then refuses it with the usual error)."""
        if len(self._secrets) > 1:
            for secret in self._secrets:
                try:
                    _signature_check.decode(token, secret, algorithms=["HS256"])
                except jwt.InvalidSignatureError:
                    continue
                except jwt.PyJWTError:
                    break
                return secret
        return self._secrets[0]


_signature_check = jwt.PyJWS()


def mint_token(
    secret: str,
    user_id: str,
    *,
    ttl_seconds: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
    now: float | None = None,
) -> str:
    """An HS256 token for `user_id`, valid for `ttl_seconds`."""
    issued_at = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"sub": user_id, "iat": issued_at, "exp": issued_at + ttl_seconds}
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")
