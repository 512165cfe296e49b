"""The OpenAPI document: complete, consistent, valid OpenAPI 3.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import msgspec
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.app import create_app
from service.http.errors import ErrorBody
from service.http.openapi import build_document
from service.http.routing import USER_ID, ApiRoute, Operation, Tag
from service.settings import Settings
from service.tasks.contracts import Task, TaskCreate, TaskListQuery

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def routes(settings: Settings) -> list[BaseRoute]:
    return create_app(settings).routes


@pytest.fixture(scope="module")
def document(routes: list[BaseRoute]) -> dict[str, Any]:
    return build_document(routes)


def app_operations(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    """(METHOD, path) of every route the app serves, HEAD aside (Starlette adds it)."""
    operations: set[tuple[str, str]] = set()
    for route in routes:
        assert isinstance(route, Route)
        if not route.include_in_schema:
            continue  # /mcp: a protocol of its own, documented in docs/mcp.md
        operations.update(
            (method, route.path) for method in route.methods or () if method != "HEAD"
        )
    return operations


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    described: dict[str, Any] = document["paths"][path][method]
    return described


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_method_the_app_serves_is_in_the_document_and_nothing_else(
    routes: list[BaseRoute], document: dict[str, Any]
) -> None:
    assert documented_operations(document) == app_operations(routes)
    assert {"/openapi.json", "/docs", "/healthz", "/readyz"} <= set(document["paths"])


def test_a_plain_route_cannot_be_served_undocumented(routes: list[BaseRoute]) -> None:
    async def hidden(request: Request) -> Response:
        return Response()

    with pytest.raises(ValueError, match="/hidden"):
        build_document([*routes, Route("/hidden", hidden)])


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = set(references(document))
    assert refs
    for ref in refs:
        assert resolve(document, ref) is not None, ref


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    assert document["openapi"].startswith("3.1.")
    validator.validate(document)


def test_schemas_are_the_contract_structs(document: dict[str, Any]) -> None:
    _, components = msgspec.json.schema_components(
        [Task, TaskCreate], ref_template="#/components/schemas/{name}"
    )
    schemas = document["components"]["schemas"]
    assert schemas["Task"]["properties"] == components["Task"]["properties"]
    assert schemas["TaskCreate"]["required"] == ["title"]
    assert schemas["TaskCreate"]["additionalProperties"] is False
    assert set(schemas["ErrorBody"]["required"]) == {"detail", "error_code"}


def test_struct_docstrings_lose_their_indentation(document: dict[str, Any]) -> None:
    for name, schema in document["components"]["schemas"].items():
        assert "\n    " not in schema.get("description", ""), name


def test_query_struct_fields_become_optional_query_parameters(document: dict[str, Any]) -> None:
    parameters = operation(document, "get", "/api/{user_id}/tasks")["parameters"]
    query = {p["name"]: p for p in parameters if p.get("in") == "query"}
    assert list(query) == list(TaskListQuery.__struct_fields__)
    assert not any(p["required"] for p in query.values())
    assert query["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
        "default": 50,
    }
    assert query["status"]["schema"]["enum"] == ["all", "completed", "pending"]
    # "absent" is how a query says None: no null type, no null default
    assert query["q"]["schema"] == {
        "type": "string",
        "maxLength": 200,
        "minLength": 1,
        "pattern": "^[^\\u0000]*$",
    }
    assert query["due_before"]["schema"] == {"type": "string", "format": "date-time"}


def test_path_parameters_are_required_and_typed(document: dict[str, Any]) -> None:
    parameters = operation(document, "get", "/api/{user_id}/tasks/{task_id}")["parameters"]
    path = {p["name"]: p for p in parameters if p.get("in") == "path"}
    assert set(path) == {"user_id", "task_id"}
    assert all(p["required"] for p in path.values())
    assert path["user_id"]["schema"]["type"] == "string"
    assert path["task_id"]["schema"]["type"] == "integer"


def test_create_task_documents_body_201_and_location(document: dict[str, Any]) -> None:
    described = operation(document, "post", "/api/{user_id}/tasks")
    body = described["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TaskCreate"
    }
    created = described["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Task"}
    assert set(created["headers"]) == {"X-Request-ID", "Location", "Idempotent-Replayed"}
    assert set(described["responses"]) == {
        "201", "400", "401", "403", "409", "413", "415", "422", "429", "500", "503",
    }  # fmt: skip
    limited = described["responses"]["429"]
    assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(limited["headers"])
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in described["parameters"]


def test_list_tasks_documents_an_array_and_the_total_count(document: dict[str, Any]) -> None:
    ok = operation(document, "get", "/api/{user_id}/tasks")["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Task"},
    }
    assert "X-Total-Count" in ok["headers"]


def test_toggle_body_is_optional_and_delete_has_no_content(document: dict[str, Any]) -> None:
    complete = operation(document, "patch", "/api/{user_id}/tasks/{task_id}/complete")
    assert complete["requestBody"]["required"] is False
    deleted = operation(document, "delete", "/api/{user_id}/tasks/{task_id}")["responses"]
    assert "content" not in deleted["204"]
    assert "requestBody" not in operation(document, "delete", "/api/{user_id}/tasks/{task_id}")


def test_every_error_response_is_an_error_body_with_its_codes(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, described in item.items():
            for status, response in described["responses"].items():
                assert "X-Request-ID" in response["headers"], (method, path, status)
                if int(status) < 400:
                    continue
                content = response["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
                for code, example in content["examples"].items():
                    assert example["value"]["error_code"] == code
                    assert code in response["description"]
                    msgspec.convert(example["value"], ErrorBody)


def test_api_operations_document_auth_errors_and_need_a_credential(
    document: dict[str, Any],
) -> None:
    assert document["security"] == [
        {"bearerAuth": []},
        {"sessionCookie": []},
        {"secureSessionCookie": []},
    ]
    for path, item in document["paths"].items():
        for method, described in item.items():
            responses = described["responses"]
            if path.startswith("/api/"):
                assert "security" not in described  # the document-wide requirement applies
                assert set(responses["401"]["content"]["application/json"]["examples"]) == {
                    "AUTH_REQUIRED",
                    "AUTH_INVALID",
                    "AUTH_EXPIRED",
                }
                assert "WWW-Authenticate" in responses["401"]["headers"]
                assert "403" in responses
            else:
                assert described["security"] == [], (method, path)
                assert "401" not in responses
            assert "500" in responses


def test_body_operations_document_400_413_415(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, described in item.items():
            if "requestBody" in described:
                codes = described["responses"]
                assert {"400", "413", "415"} <= set(codes), (method, path)
                examples = codes["400"]["content"]["application/json"]["examples"]
                assert {"INVALID_JSON", "VALIDATION_ERROR"} <= set(examples)


def test_one_task_operations_document_task_not_found(document: dict[str, Any]) -> None:
    for method in ("get", "put", "patch", "delete"):
        not_found = operation(document, method, "/api/{user_id}/tasks/{task_id}")["responses"][
            "404"
        ]
        assert set(not_found["content"]["application/json"]["examples"]) == {"TASK_NOT_FOUND"}


def test_chat_documents_its_404_and_the_ai_failures(document: dict[str, Any]) -> None:
    responses = operation(document, "post", "/api/{user_id}/chat")["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChatResponse"
    }
    unavailable = responses["503"]["content"]["application/json"]["examples"]
    assert {"AI_UNAVAILABLE", "AI_TIMEOUT", "DATABASE_UNAVAILABLE"} <= set(unavailable)
    assert unavailable["AI_UNAVAILABLE"]["value"]["conversation_id"]
    not_found = responses["404"]["content"]["application/json"]["examples"]
    assert set(not_found) == {"CONVERSATION_NOT_FOUND"}


def test_conversation_operations_document_conversation_not_found(
    document: dict[str, Any],
) -> None:
    path = "/api/{user_id}/conversations/{conversation_id}"
    for method, route in (("get", path), ("delete", path), ("get", f"{path}/messages")):
        not_found = operation(document, method, route)["responses"]["404"]
        examples = not_found["content"]["application/json"]["examples"]
        assert set(examples) == {"CONVERSATION_NOT_FOUND"}, (method, route)
    messages = operation(document, "get", f"{path}/messages")["parameters"]
    assert {p["name"] for p in messages if p.get("in") == "query"} == {"limit", "before"}


def test_database_unavailable_documents_retry_after(document: dict[str, Any]) -> None:
    unavailable = operation(document, "get", "/readyz")["responses"]["503"]
    assert "Retry-After" in unavailable["headers"]
    assert "503" not in operation(document, "get", "/healthz")["responses"]


def test_security_schemes_name_the_configured_cookies(routes: list[BaseRoute]) -> None:
    schemes = build_document(routes, cookie_prefix="myapp")["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "myapp.session_token"
    assert schemes["secureSessionCookie"]["name"] == "__Secure-myapp.session_token"
    default = build_document(routes)["components"]["securitySchemes"]
    assert default["sessionCookie"]["name"] == "better-auth.session_token"


def test_operation_ids_are_unique(routes: list[BaseRoute], document: dict[str, Any]) -> None:
    ids = [
        described["operationId"]
        for item in document["paths"].values()
        for described in item.values()
    ]
    declared = [op for route in routes if isinstance(route, ApiRoute) for op in route.operations]
    assert len(ids) == len(set(ids)) == len(declared)


async def nothing(request: Request) -> Response:
    return Response()


def operation_of(**fields: Any) -> Operation:
    defaults: dict[str, Any] = {
        "method": "GET",
        "handler": nothing,
        "operation_id": "x",
        "summary": "x",
        "tag": Tag("widgets", "Widgets."),
    }
    return Operation(**{**defaults, **fields})


def test_a_method_declared_twice_on_one_path_is_refused() -> None:
    with pytest.raises(ValueError, match="one operation per method"):
        ApiRoute("/w", operation_of(operation_id="a"), operation_of(operation_id="b"))


def test_a_method_and_path_described_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="described twice"):
        build_document(
            [
                ApiRoute("/w", operation_of(operation_id="a")),
                ApiRoute("/w", operation_of(operation_id="b")),
            ]
        )


def test_a_repeated_operation_id_is_refused() -> None:
    with pytest.raises(ValueError, match="used twice"):
        build_document([ApiRoute("/w", operation_of(), operation_of(method="POST"))])


def test_an_undescribed_path_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="widget_id"):
        ApiRoute("/api/{user_id}/widgets/{widget_id}", operation_of(), parameters=(USER_ID,))


def test_an_undescribed_response_header_is_refused() -> None:
    with pytest.raises(ValueError, match="X-Mystery"):
        build_document([ApiRoute("/w", operation_of(headers=("X-Mystery",)))])


def body_properties(document: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = document["components"]["schemas"][name]["properties"]
    return properties


def test_the_document_states_the_text_rules_the_server_enforces(document: dict[str, Any]) -> None:
    create = body_properties(document, "TaskCreate")
    title = re.compile(create["title"]["pattern"])
    assert title.search("  Buy milk  ")
    assert title.search("x" * 200)
    assert not title.search("x" * 201)
    assert not title.search("   ")
    assert not title.search("a\x00b")
    assert create["description"]["anyOf"][0]["maxLength"] == 2000
    tags = create["tags"]
    assert (tags["maxItems"], tags["uniqueItems"]) == (10, True)
    tag = re.compile(tags["items"]["pattern"])
    assert tag.search(" " + "t" * 32 + " ")
    assert not tag.search("t" * 33)


def test_put_and_patch_bodies_need_at_least_one_field(document: dict[str, Any]) -> None:
    for method in ("put", "patch"):
        body = operation(document, method, "/api/{user_id}/tasks/{task_id}")["requestBody"]
        assert body["content"]["application/json"]["schema"]["minProperties"] == 1


def test_the_chat_message_limit_is_the_deployments(settings: Settings) -> None:
    for limit in (10, 4000):
        app = create_app(replace(settings, chat_max_message_chars=limit))
        message = body_properties(build_document(app.routes), "ChatRequest")["message"]
        pattern = re.compile(message["pattern"])
        assert pattern.search(" " + "m" * limit + " ")
        assert not pattern.search("m" * (limit + 1))
