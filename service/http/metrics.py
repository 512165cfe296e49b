"""GET /metrics: the Prometheus text of every worker (SPEC 7)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from service.http.context import app_context
from service.http.docs import OPERATIONS_TAG
from service.http.routing import ApiRoute, Operation
from service.metrics.instruments import CONTENT_TYPE


async def metrics(request: Request) -> Response:
    """Counters, gauges and histograms in the Prometheus text format."""
    exposition = app_context(request).metrics.exposition()
    return Response(exposition, media_type=CONTENT_TYPE)


routes = [
    ApiRoute(
        "/metrics",
        Operation(
            method="GET",
            handler=metrics,
            operation_id="metrics",
            summary="Prometheus metrics",
            description=(
                "Requests and latency by route template and status, requests in flight, "
                "database pool use and waits, chat turns by agent and outcome, LLM calls, "
                "latency and tokens, JWKS refreshes, authentication failures and rate-limit "
                "refusals. Labels never hold user ids, task ids or raw paths. Absent (404) "
                "when METRICS_ENABLED=false."
            ),
            tag=OPERATIONS_TAG,
            response=str,
            media_type="text/plain",
        ),
    ),
]
