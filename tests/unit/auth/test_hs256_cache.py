"""Hs256Verifier remembers verified tokens, and never lets memory change an answer."""

from __future__ import annotations

import time

import pytest

from service.auth.hs256 import LEEWAY_SECONDS, Hs256Verifier, mint_token
from service.http.errors import AuthExpired, AuthInvalid

SECRET = "hs256-cache-test-secret-0123456789abcdef"


class Clock:
    """A settable clock for the verifier; pyjwt itself keeps the real time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def verifier(clock: Clock | None = None, *, cache_size: int = 16) -> Hs256Verifier:
    return Hs256Verifier(
        [SECRET], issuer=None, audience=None, cache_size=cache_size, clock=clock or Clock()
    )


async def test_a_verified_token_is_remembered_and_answers_the_same() -> None:
    check = verifier()
    token = mint_token(SECRET, "alice")

    assert await check.verify(token) == "alice"
    assert check.cached_tokens == 1
    assert await check.verify(token) == "alice"
    assert check.cached_tokens == 1


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(mint_token("another-secret-0123456789abcdefghij", "alice"), id="other-secret"),
        pytest.param(mint_token(SECRET, "alice", now=time.time() - 7200), id="expired"),
        pytest.param(mint_token(SECRET, "", ttl_seconds=600), id="empty-user-id"),
        pytest.param("a.b.c", id="garbage"),
    ],
)
async def test_a_refused_token_is_not_remembered(token: str) -> None:
    check = verifier()

    with pytest.raises((AuthInvalid, AuthExpired)):
        await check.verify(token)
    assert check.cached_tokens == 0


async def test_a_remembered_token_still_expires() -> None:
    clock = Clock()
    check = verifier(clock)
    token = mint_token(SECRET, "alice", ttl_seconds=600, now=clock.now)
    await check.verify(token)

    clock.now += 600 + LEEWAY_SECONDS - 1
    assert await check.verify(token) == "alice"  # within the leeway, as pyjwt says
    clock.now += 1
    with pytest.raises(AuthExpired):
        await check.verify(token)
    assert check.cached_tokens == 0


async def test_the_same_claims_with_another_signature_are_not_answered_from_memory() -> None:
    check = verifier()
    token = mint_token(SECRET, "alice")
    await check.verify(token)
    header_and_claims, _, signature = token.rpartition(".")
    forged = f"{header_and_claims}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"

    with pytest.raises(AuthInvalid):
        await check.verify(forged)


async def test_memory_is_bounded_and_forgets_the_oldest_first() -> None:
    check = verifier(cache_size=2)
    tokens = [mint_token(SECRET, f"user-{n}") for n in range(3)]
    for token in tokens:
        await check.verify(token)

    assert check.cached_tokens == 2
    # The oldest is checked again in full (still valid), the others are remembered.
    assert [await check.verify(token) for token in tokens] == ["user-0", "user-1", "user-2"]
    assert check.cached_tokens == 2


async def test_without_a_secret_every_token_is_invalid_and_none_is_remembered() -> None:
    check = Hs256Verifier([""], issuer=None, audience=None)

    with pytest.raises(AuthInvalid):
        await check.verify(mint_token(SECRET, "alice"))
    assert check.cached_tokens == 0


async def test_every_listed_secret_verifies_and_a_removed_one_does_not() -> None:
    current, previous, retired = "c" * 40, "p" * 40, "r" * 40
    check = Hs256Verifier([current, previous], issuer=None, audience=None)
    assert await check.verify(mint_token(current, "u1")) == "u1"
    assert await check.verify(mint_token(previous, "u2")) == "u2"
    with pytest.raises(AuthInvalid):
        await check.verify(mint_token(retired, "u3"))
