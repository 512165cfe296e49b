"""Every operation fuzzed from the OpenAPI document against a live server process.

schemathesis generates requests from /openapi.json, valid (positive) and
invalid (negative) ones, and checks each answer: never a 500, only documented
statuses and content types, bodies that match their schema, invalid data
refused and valid data accepted. The document must therefore state every rule
the server enforces, and the server must accept everything the document allows.

The `user_id` path parameter is the signed-in user's (any other is a
documented 403, which would hide everything behind it); the examples per
operation are bounded and derandomized so `make test` stays in minutes and
gives the same answer every run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.auth.hs256 import mint_token
from service.http.openapi import build_document
from service.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.chat import ServerProcess

USER = "fuzzed-user"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# SCHEMATHESIS_EXAMPLES=1000 for a deeper run by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))


@pytest.fixture(scope="module")
def fuzzed_server(database_url: str) -> Iterator[str]:
    server = ServerProcess(database_url, TEST_SECRET)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def cases() -> list[Any]:
    """(method, path, mode) for every documented operation, from the app's own routes.

    Negative data needs something that can be invalid: a body, a query, or a
    path parameter the test does not fix; the probes have none.
    """
    app = create_app(Settings(better_auth_secret=TEST_SECRET, database_url="unset"))
    document = build_document(app.routes)
    found = []
    for path, item in document["paths"].items():
        for method, described in item.items():
            breakable = "requestBody" in described or any(
                parameter.get("in") == "query"
                or (parameter.get("in") == "path" and parameter["name"] != "user_id")
                for parameter in described["parameters"]
            )
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if mode is GenerationMode.POSITIVE or breakable:
                    found.append(
                        pytest.param(method.upper(), path, mode, id=f"{method} {path} {mode}")
                    )
    return found


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: str) -> Any:
    document = httpx.get(f"{fuzzed_server}/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(document)


@pytest.mark.parametrize(("method", "path", "mode"), cases())
def test_every_operation_holds_to_its_documented_contract(
    api_schema: Any, fuzzed_server: str, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    fixed = {"user_id": USER} if "{user_id}" in path else None
    token = mint_token(TEST_SECRET, USER, ttl_seconds=3600)

    @given(case=operation.as_strategy(mode, path_parameters=fixed))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def holds(case: Any) -> None:
        if case.query and "cursor" in case.query:
            # A cursor is an opaque token the server hands out in a Link header;
            # made-up ones are a documented 400 the generator cannot know of.
            del case.query["cursor"]
        if case.headers and "Idempotency-Key" in case.headers:
            # A client uses a new key for each new request; the same key with
            # another body is a documented 422 the generator cannot know about.
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        case.call_and_validate(
            base_url=fuzzed_server,
            headers={"Authorization": f"Bearer {token}"},
            checks=CHECKS,
            timeout=30,
        )

    holds()
