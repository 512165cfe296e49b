"""The MCP routes: `/mcp` itself and its protected-resource metadata (RFC 9728)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from service.http.context import app_context
from service.http.contract import Contract
from service.http.responses import json_response
from service.http.routing import ApiRoute, Operation, Tag
from service.mcp.endpoint import METADATA_PATH, McpEndpoint, base_url

TAG = Tag("mcp", "The task tools over the Model Context Protocol at /mcp (SPEC 9).")


class ProtectedResource(Contract):
    """RFC 9728 protected-resource metadata: what /mcp is and who issues its tokens."""

    resource: str
    authorization_servers: list[str]
    bearer_methods_supported: list[str]
    resource_name: str


async def protected_resource(request: Request) -> Response:
    """Where an MCP client learns how to get a credential for /mcp."""
    settings = app_context(request).settings
    base = base_url(settings, request.scope)
    servers = [settings.better_auth_origin] if settings.better_auth_origin else []
    return json_response(
        ProtectedResource(
            resource=f"{base}/mcp",
            authorization_servers=servers,
            bearer_methods_supported=["header"],
            resource_name="Todo Chat API",
        )
    )


def routes(endpoint: McpEndpoint) -> list[BaseRoute]:
    """`/mcp` (a protocol of its own, described in docs/mcp.md rather than in the
    OpenAPI document) and the two metadata paths clients try."""
    metadata = [
        ApiRoute(
            path,
            Operation(
                method="GET",
                handler=protected_resource,
                operation_id=operation_id,
                summary="OAuth protected-resource metadata of /mcp (RFC 9728)",
                tag=TAG,
                response=ProtectedResource,
            ),
        )
        for path, operation_id in (
            (METADATA_PATH, "protectedResource"),
            (f"{METADATA_PATH}/mcp", "protectedResourceMcp"),
        )
    ]
    return [
        Route("/mcp", endpoint, methods=["GET", "POST", "DELETE"], include_in_schema=False),
        *metadata,
    ]
