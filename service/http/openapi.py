"""The OpenAPI 3.1 document (SPEC 7), generated from the app's routes.

Every route of the app is an `ApiRoute` carrying its operations (see
`service.http.routing`); the schemas come from `msgspec.json.schema_components`,
so they are the very structs that validate requests and encode responses.
`service.http.docs` serves the document at `/openapi.json`, built on first use.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import msgspec
from starlette.routing import BaseRoute

from service.http.errors import (
    ApiError,
    AuthExpired,
    AuthInvalid,
    AuthRequired,
    ErrorBody,
    Forbidden,
    InvalidJson,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
    ValidationFailed,
)
from service.http.openapi_catalog import (
    ERROR_EXAMPLES,
    INFO_DESCRIPTION,
    RESPONSE_HEADERS,
    idempotency_key_parameter,
    request_id_parameter,
    security_schemes,
)
from service.http.ratelimit import RATE_LIMIT_HEADERS
from service.http.routing import ApiRoute, Operation

OPENAPI_VERSION = "3.1.0"
SCHEMA_REF = "#/components/schemas/{name}"
HEADER_REF = "#/components/headers/{name}"
JSON = "application/json"

_PATH_PARAMETER = re.compile(r"{(\w+)}")
_ALWAYS = ((500, "INTERNAL_ERROR"),)


def build_document(
    routes: Iterable[BaseRoute], *, cookie_prefix: str = "better-auth"
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes` (an app's), as JSON-ready builtins.

    Every route must be an `ApiRoute`: a plain Starlette route would be served
    without being described, so it is refused here, unless it says outright
    that it is not part of this document (`include_in_schema=False`).
    """
    api_routes: list[ApiRoute] = []
    for route in routes:
        if not getattr(route, "include_in_schema", True):
            continue  # a protocol of its own (/mcp), documented on its own page
        if not isinstance(route, ApiRoute):
            raise ValueError(f"{getattr(route, 'path', route)!r} is not an ApiRoute")
        api_routes.append(route)
    operations = [operation for route in api_routes for operation in route.operations]
    types = _unique([ErrorBody, *_types_of(operations)])
    schemas, components = msgspec.json.schema_components(types, ref_template=SCHEMA_REF)
    schema_of = dict(zip(types, schemas, strict=True))
    for component in components.values():
        if "description" in component:  # msgspec keeps docstrings' indentation
            component["description"] = inspect.cleandoc(component["description"])

    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for route in api_routes:
        item = paths.setdefault(route.path, {})
        for operation in route.operations:
            method = operation.method.lower()
            if method in item:
                raise ValueError(f"{operation.method} {route.path} is described twice")
            if operation.operation_id in operation_ids:
                raise ValueError(f"operationId {operation.operation_id!r} is used twice")
            operation_ids.add(operation.operation_id)
            item[method] = _operation_object(route, operation, schema_of, components)

    tags = _unique(operation.tag for operation in operations)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Todo Chat API", "version": _version(), "description": INFO_DESCRIPTION},
        "tags": [{"name": tag.name, "description": tag.description} for tag in tags],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}, {"secureSessionCookie": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": security_schemes(cookie_prefix),
            "headers": RESPONSE_HEADERS,
            "parameters": {
                "RequestId": request_id_parameter(),
                "IdempotencyKey": idempotency_key_parameter(),
            },
        },
    }


def _types_of(operations: Iterable[Operation]) -> Iterable[Any]:
    for operation in operations:
        yield from (t for t in (operation.body, operation.query, operation.response) if t)


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _operation_object(
    route: ApiRoute, operation: Operation, schema_of: dict[Any, Any], components: dict[str, Any]
) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag.name],
    }
    if operation.description:
        described["description"] = operation.description
    described["parameters"] = [
        *_path_parameters(route),
        *(_query_parameters(operation.query, schema_of, components) if operation.query else ()),
        {"$ref": "#/components/parameters/RequestId"},
        *([{"$ref": "#/components/parameters/IdempotencyKey"}] if operation.idempotent else []),
    ]
    if operation.body is not None:
        described["requestBody"] = {
            "required": operation.body_required,
            "content": {JSON: {"schema": schema_of[operation.body]}},
        }
    described["responses"] = {
        str(operation.status): _success_response(operation, schema_of),
        **_error_responses(route.path, operation),
    }
    if not _needs_credential(route.path):
        described["security"] = []
    return described


def _needs_credential(path: str) -> bool:
    return path.startswith("/api/")  # as service.auth.middleware.AuthMiddleware decides


def _path_parameters(route: ApiRoute) -> list[dict[str, Any]]:
    parameters = []
    for name in _PATH_PARAMETER.findall(route.path):
        parameter = route.parameters[name]  # ApiRoute checked that each one is described
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": parameter.description,
                "schema": parameter.schema,
            }
        )
    return parameters


def _query_parameters(
    query: Any, schema_of: dict[Any, Any], components: dict[str, Any]
) -> list[dict[str, Any]]:
    """One parameter per field of the query struct, with the field's schema."""
    struct_schema = components[schema_of[query]["$ref"].rsplit("/", 1)[-1]]
    required = set(struct_schema.get("required", ()))
    parameters = []
    for name, schema in struct_schema["properties"].items():
        schema = _without_null(schema)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in schema:
            parameter["description"] = schema.pop("description")
        parameter["schema"] = schema
        parameters.append(parameter)
    return parameters


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query value is never JSON null: `X | None = None` means "may be absent"."""
    schema = dict(schema)
    branches = schema.get("anyOf")
    if branches is not None:
        others = [branch for branch in branches if branch != {"type": "null"}]
        if len(others) == 1:
            del schema["anyOf"]
            schema = {**others[0], **schema}
        else:
            schema["anyOf"] = others
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    return schema


def _header_refs(names: Iterable[str]) -> dict[str, Any]:
    refs = {}
    for name in ("X-Request-ID", *names):
        if name not in RESPONSE_HEADERS:
            raise ValueError(f"describe response header {name!r} in RESPONSE_HEADERS")
        refs[name] = {"$ref": HEADER_REF.format(name=name)}
    return refs


def _success_response(operation: Operation, schema_of: dict[Any, Any]) -> dict[str, Any]:
    replayed = ("Idempotent-Replayed",) if operation.idempotent else ()
    response: dict[str, Any] = {
        "description": HTTPStatus(operation.status).phrase,
        "headers": _header_refs((*operation.headers, *replayed)),
    }
    if operation.response is not None:
        response["content"] = {operation.media_type: {"schema": schema_of[operation.response]}}
    return response


def _errors_of(path: str, operation: Operation) -> list[tuple[int, str]]:
    """(status, error_code) of every error the operation can answer."""
    errors: list[type[ApiError]] = []
    if _needs_credential(path):
        errors += [AuthRequired, AuthInvalid, AuthExpired]
    if "{user_id}" in path:
        errors += [Forbidden, RateLimited]
    if operation.body is not None:
        errors += [InvalidJson, ValidationFailed, PayloadTooLarge, UnsupportedMediaType]
    if operation.query is not None:
        errors.append(ValidationFailed)
    errors += operation.errors
    return _unique([*((error.status, error.error_code) for error in errors), *_ALWAYS])


def _error_responses(path: str, operation: Operation) -> dict[str, Any]:
    codes_by_status: dict[int, list[str]] = {}
    for status, code in _errors_of(path, operation):
        codes_by_status.setdefault(status, []).append(code)
    return {
        str(status): _error_response(status, codes)
        for status, codes in sorted(codes_by_status.items())
    }


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    headers = []
    if "AUTH_REQUIRED" in codes:
        headers.append("WWW-Authenticate")
    if {"DATABASE_UNAVAILABLE", "IDEMPOTENCY_KEY_IN_USE", "RATE_LIMITED"} & set(codes):
        headers.append("Retry-After")
    if "RATE_LIMITED" in codes:
        headers += RATE_LIMIT_HEADERS
    examples = {
        code: {"value": {"error_code": code, **ERROR_EXAMPLES.get(code, {"detail": code})}}
        for code in codes
    }
    return {
        "description": f"{HTTPStatus(status).phrase}: {', '.join(codes)}",
        "headers": _header_refs(headers),
        "content": {
            JSON: {"schema": {"$ref": SCHEMA_REF.format(name="ErrorBody")}, "examples": examples}
        },
    }


def _version() -> str:
    try:
        return importlib.metadata.version("todo-chat-api")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"
