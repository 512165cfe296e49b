"""Which jwt() plugin keys are usable, and for which algorithms (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from service.auth.jwks import UnusableKey, parse_public_key
from tests.support.better_auth import ALGORITHMS, SigningKey


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_better_auth_keys_verify_with_their_stored_alg_only(alg: Any) -> None:
    key = SigningKey.generate(alg)
    algorithms, public = parse_public_key(key.public_jwk(), alg=alg, crv=key.crv)
    assert algorithms == {alg}
    assert spki(public) == spki(key.private_key.public_key())


def spki(public_key: Any) -> bytes:
    der: bytes = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return der


@pytest.mark.parametrize(
    ("alg", "expected"),
    [
        ("EdDSA", {"EdDSA"}),
        ("ES256", {"ES256"}),
        ("ES512", {"ES512"}),
        ("RS256", {"RS256", "PS256"}),
        ("PS256", {"RS256", "PS256"}),
    ],
)
def test_keys_without_an_alg_column_get_the_algs_of_their_key_type(
    alg: Any, expected: set[str]
) -> None:
    algorithms, _ = parse_public_key(SigningKey.generate(alg).public_jwk())
    assert algorithms == expected


def test_the_alg_a_jwks_endpoint_serves_is_honoured() -> None:
    key = SigningKey.generate("PS256")
    algorithms, _ = parse_public_key(key.served_jwk())
    assert algorithms == {"PS256"}


@pytest.mark.parametrize(
    ("alg", "declared"),
    [
        ("EdDSA", "ES256"),
        ("ES256", "ES512"),
        ("ES512", "EdDSA"),
        ("RS256", "EdDSA"),
        ("EdDSA", "HS256"),
    ],
)
def test_a_declared_alg_that_does_not_fit_the_key_is_refused(alg: Any, declared: str) -> None:
    with pytest.raises(UnusableKey, match="does not fit"):
        parse_public_key(SigningKey.generate(alg).public_jwk(), alg=declared)


def test_a_crv_column_that_disagrees_with_the_key_is_refused() -> None:
    with pytest.raises(UnusableKey, match="crv"):
        parse_public_key(SigningKey.generate("ES256").public_jwk(), crv="P-521")


@pytest.mark.parametrize(
    "jwk",
    [
        pytest.param({"kty": "oct", "k": "c2VjcmV0"}, id="symmetric-key"),
        pytest.param({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, id="unsupported-curve"),
        pytest.param({"kty": "OKP", "crv": "X25519", "x": "AA"}, id="not-a-signing-curve"),
        pytest.param({"kty": "OKP", "crv": "Ed25519", "x": "too-short"}, id="bad-material"),
        pytest.param({"kty": "RSA", "n": "AQAB"}, id="rsa-without-exponent"),
        pytest.param({"crv": "Ed25519", "x": "AA"}, id="no-kty"),
        pytest.param(["not", "an", "object"], id="not-an-object"),
    ],
)
def test_unusable_keys_are_refused(jwk: Any) -> None:
    with pytest.raises(UnusableKey):
        parse_public_key(jwk)


def test_encryption_keys_are_refused() -> None:
    jwk = {**SigningKey.generate("EdDSA").public_jwk(), "use": "enc"}
    with pytest.raises(UnusableKey, match="signing"):
        parse_public_key(jwk)


def test_rsa_keys_under_2048_bits_are_refused() -> None:
    weak = SigningKey("RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505
    with pytest.raises(UnusableKey, match="short"):
        parse_public_key(weak.public_jwk())


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_private_members_of_a_jwk_are_ignored(alg: Any) -> None:
    from jwt import get_algorithm_by_name

    key = SigningKey.generate(alg)
    private_jwk = get_algorithm_by_name(alg).to_jwk(key.private_key, as_dict=True)
    assert "d" in private_jwk
    _, public = parse_public_key(private_jwk)
    assert isinstance(
        public, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    )
