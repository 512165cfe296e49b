"""Reading credentials and checking session-token signatures, without a database."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from service.auth.middleware import Authenticator, parse_cookie_header, read_credential
from service.auth.sessions import session_token_of, sign_session_token
from service.http.errors import AuthInvalid
from service.settings import Settings

SECRET = "better-auth-secret-123456789"
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
# Computed independently: printf %s "$TOKEN" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
SIGNATURE = "6SfAkyM3K9BgH/eAHE3Yyu27U92bIfgCmXZZbkLXOmk="
COOKIE_VALUE = f"{TOKEN}.6SfAkyM3K9BgH%2FeAHE3Yyu27U92bIfgCmXZZbkLXOmk%3D"  # encodeURIComponent


def test_signature_matches_better_calls_hmac_sha256_standard_base64() -> None:
    assert sign_session_token(TOKEN, SECRET) == f"{TOKEN}.{SIGNATURE}"


@pytest.mark.parametrize(
    "value",
    [COOKIE_VALUE, f"{TOKEN}.{SIGNATURE}", TOKEN],
    ids=["percent-encoded", "decoded", "raw"],
)
def test_session_token_forms_yield_the_token(value: str) -> None:
    assert session_token_of(value, SECRET) == TOKEN


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(f"{TOKEN}.{SIGNATURE[:-2]}A=", id="bad-signature"),
        pytest.param(f"{TOKEN}.{SIGNATURE.rstrip('=')}", id="unpadded-43-chars"),
        pytest.param(f"{TOKEN}.{SIGNATURE}A", id="45-chars"),
        pytest.param(f"{TOKEN}.{SIGNATURE[:-1]}A", id="44-chars-without-padding"),
        pytest.param(f"{TOKEN}.{'!' * 43}=", id="not-base64"),
        pytest.param(f"{TOKEN}.{SIGNATURE.replace('/', '_')}", id="base64url-alphabet"),
        pytest.param(f"{TOKEN}x.{SIGNATURE}", id="signature-of-another-token"),
        pytest.param(f"{TOKEN}.", id="empty-signature"),
        pytest.param(f".{SIGNATURE}", id="empty-token"),
        pytest.param("short", id="raw-too-short"),
        pytest.param("a" * 256, id="raw-too-long"),
        pytest.param("tok en with spaces and more", id="raw-bad-characters"),
        pytest.param("%00" + TOKEN, id="percent-encoded-nul"),
        pytest.param("%C3%A9" + TOKEN, id="percent-encoded-non-ascii"),
    ],
)
def test_malformed_or_forged_session_tokens_are_invalid(value: str) -> None:
    with pytest.raises(AuthInvalid):
        session_token_of(value, SECRET)


def test_signature_made_with_another_secret_is_invalid() -> None:
    with pytest.raises(AuthInvalid):
        session_token_of(sign_session_token(TOKEN, "another-secret"), SECRET)


def test_signed_tokens_are_refused_when_no_secret_is_configured() -> None:
    with pytest.raises(AuthInvalid):
        session_token_of(sign_session_token(TOKEN, ""), "")


def test_cookie_parser_finds_the_session_cookie_after_junk_cookies() -> None:
    header = 'prefs={"theme": "dark"}; x=a b; better-auth.session_token=' + COOKIE_VALUE
    assert parse_cookie_header(header)["better-auth.session_token"] == COOKIE_VALUE


def test_cookie_parser_unquotes_and_keeps_the_first_of_a_repeated_name() -> None:
    cookies = parse_cookie_header('a="quoted"; a=second; novalue; =nameless')
    assert cookies == {"a": "quoted"}


def headers(**values: str) -> dict[bytes, bytes]:
    return {name.encode(): value.encode("latin-1") for name, value in values.items()}


def test_bearer_header_wins_over_the_cookie() -> None:
    found = read_credential(
        headers(authorization="Bearer from-header", cookie="better-auth.session_token=c"),
        "better-auth",
    )
    assert found == "from-header"


def test_secure_cookie_wins_over_the_plain_one() -> None:
    cookie = "better-auth.session_token=plain; __Secure-better-auth.session_token=secure"
    assert read_credential(headers(cookie=cookie), "better-auth") == "secure"


def test_cookie_prefix_is_configurable() -> None:
    cookie = "better-auth.session_token=default; myapp.session_token=mine"
    assert read_credential(headers(cookie=cookie), "myapp") == "mine"
    assert read_credential(headers(cookie="other=1"), "myapp") is None


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "token"])
def test_authorization_other_than_bearer_is_invalid(authorization: str) -> None:
    with pytest.raises(AuthInvalid):
        read_credential(headers(authorization=authorization), "better-auth")


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[str] = []

    async def verify(self, value: str) -> str:
        self.seen.append(value)
        return self.name


@pytest.mark.parametrize(
    ("header", "verifier"),
    [
        ('{"alg":"HS256","typ":"JWT"}', "hs256"),
        ('{"alg":"EdDSA","kid":"k"}', "asymmetric"),
        ('{"alg":"PS256","kid":"k"}', "asymmetric"),
    ],
)
async def test_the_jwt_alg_picks_the_verifier(header: str, verifier: str) -> None:
    segment = base64.urlsafe_b64encode(header.encode()).decode().rstrip("=")
    recorders = {name: Recorder(name) for name in ("hs256", "asymmetric", "session")}
    authenticator = Authenticator(**recorders)
    assert await authenticator.authenticate(f"{segment}.e30.c2ln") == verifier


@pytest.mark.parametrize(
    "header",
    ['{"alg":"none"}', '{"alg":"HS512"}', '{"alg":"ES384"}', '{"alg":"hs256"}', "not json", "{}"],
)
async def test_jwts_with_other_algs_reach_no_verifier(header: str) -> None:
    segment = base64.urlsafe_b64encode(header.encode()).decode().rstrip("=")
    recorders = {name: Recorder(name) for name in ("hs256", "asymmetric", "session")}
    with pytest.raises(AuthInvalid):
        await Authenticator(**recorders).authenticate(f"{segment}.e30.")
    assert all(not recorder.seen for recorder in recorders.values())


def test_the_app_says_once_at_start_which_setting_enables_jwt_plugin_tokens(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from service.app import create_app

    with caplog.at_level("WARNING", logger="service"):
        create_app(settings)
    [record] = [r for r in caplog.records if "BETTER_AUTH_URL" in r.getMessage()]
    assert "refused" in record.getMessage()
    caplog.clear()
    with caplog.at_level("WARNING", logger="service"):
        create_app(replace(settings, better_auth_url="https://auth.example"))
    assert not [r for r in caplog.records if "BETTER_AUTH_URL" in r.getMessage()]
