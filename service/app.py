"""The application factory: routes, middleware, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from service.agent.base import Agent
from service.agent.factory import running_agent
from service.auth import tables
from service.auth.hs256 import Hs256Verifier
from service.auth.jwks import JwksVerifier, KeyStore
from service.auth.middleware import Authenticator, AuthMiddleware
from service.auth.sessions import SessionVerifier
from service.chat import conversations
from service.chat import turn as chat
from service.db import pool as db
from service.db.queries import load_queries
from service.http import docs, health
from service.http import metrics as served_metrics
from service.http.context import AppContext
from service.http.cors import CredentialedCORSMiddleware
from service.http.errors import DATABASE_DOWN_ERRORS, EXCEPTION_HANDLERS
from service.http.idempotency import IdempotencyMiddleware
from service.http.middleware import BodyLimitMiddleware, RequestContextMiddleware
from service.http.ratelimit import RATE_LIMIT_HEADERS, RateLimiter, RateLimitMiddleware
from service.http.routing import ApiRoute
from service.memory import returning_freed_memory
from service.metrics import Metrics, PrometheusMetrics
from service.settings import Settings
from service.tasks import routes as tasks

logger = logging.getLogger("service")

IDEMPOTENCY_LOCK_MARGIN_SECONDS = 30.0


def create_app(settings: Settings, *, agent: Agent | None = None) -> Starlette:
    """Build the ASGI app for `settings`; the pool opens when the app starts.

    `agent` replaces the one AI_PROVIDER selects (tests use their own).
    """
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url (see service.db.devdb)")
    metrics = PrometheusMetrics() if settings.metrics_enabled else Metrics()
    context = AppContext(
        settings=settings,
        queries=load_queries().bind(tables.identifiers(settings)),
        metrics=metrics,
    )
    if settings.better_auth_origin is None:
        logger.warning(
            "BETTER_AUTH_URL is not set: JWTs of Better Auth's jwt() plugin are refused "
            "(set BETTER_AUTH_URL to the Better Auth base URL to accept them)"
        )
    key_store = KeyStore(context, jwks_url=settings.jwks_url)
    authenticator = Authenticator(
        hs256=Hs256Verifier(
            settings.jwt_secrets,
            issuer=settings.auth_jwt_issuer,
            audience=settings.auth_jwt_audience,
        ),
        asymmetric=JwksVerifier(key_store, origin=settings.better_auth_origin),
        session=SessionVerifier(context, secret=settings.session_secret),
    )
    limiter = RateLimiter(
        context,
        per_minute={
            "api": settings.api_rate_limit_per_minute,
            "chat": settings.chat_rate_limit_per_minute,
        },
    )
    routes: list[BaseRoute] = [
        *health.routes,
        *tasks.routes,
        *chat.routes_for(settings),
        *conversations.routes,
        *docs.routes,
    ]
    if settings.metrics_enabled:
        routes += served_metrics.routes
    running: list[Callable[[], contextlib.AbstractAsyncContextManager[None]]] = []
    if settings.mcp_enabled:
        # The SDK itself (and pydantic) loads on the first request to /mcp.
        from service.mcp import routes as mcp_routes
        from service.mcp.endpoint import McpEndpoint

        mcp = McpEndpoint(
            authenticator=authenticator, settings=settings, limiter=limiter, metrics=metrics
        )
        routes += mcp_routes.routes(mcp)
        running.append(mcp.running)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        context.pool = await db.create_pool(
            settings,
            settings.database_url or "",
            on_wait=lambda seconds, timed_out: metrics.pool_waited(seconds, timed_out=timed_out),
        )
        try:
            with contextlib.suppress(*DATABASE_DOWN_ERRORS):
                await tables.check_tables(context.queries, context.pool, settings)
            # What calls out (the JWKS key store, a provider's agent) keeps its
            # HTTP client as long as the app, reusing connections and TLS sessions.
            async with key_store, contextlib.AsyncExitStack() as stack:
                app.state.agent = (
                    agent
                    if agent is not None
                    else await stack.enter_async_context(running_agent(settings, metrics))
                )
                if metrics.enabled:
                    await stack.enter_async_context(_sampling_pool(context))
                await stack.enter_async_context(limiter.running())
                await stack.enter_async_context(returning_freed_memory())
                for run in running:
                    await stack.enter_async_context(run())
                # What start-up built (modules, the SDK's models, tables) lives as
                # long as the process: keep it out of every later collection.
                gc.freeze()
                yield
        finally:
            await context.pool.close()
            metrics.process_exiting()

    middleware = [
        Middleware(
            RequestContextMiddleware,
            route_templates={
                route.endpoint: route.path for route in routes if isinstance(route, Route)
            },
            metrics=metrics,
        ),
        Middleware(
            CredentialedCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Idempotency-Key"],
            expose_headers=[
                "Location",
                "X-Total-Count",
                "X-Request-ID",
                "Retry-After",
                "Idempotent-Replayed",
                *RATE_LIMIT_HEADERS,
            ],
        ),
        Middleware(
            AuthMiddleware,
            authenticator=authenticator,
            cookie_prefix=settings.better_auth_cookie_prefix,
            metrics=metrics,
        ),
        Middleware(
            RateLimitMiddleware,
            limiter=limiter,
            chat_paths=[
                route.path_regex
                for route in routes
                if isinstance(route, ApiRoute)
                and any(op.rate_limit == "chat" for op in route.operations)
            ],
        ),
        Middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes),
        Middleware(
            IdempotencyMiddleware,
            paths=[
                route.path_regex
                for route in routes
                if isinstance(route, ApiRoute) and any(op.idempotent for op in route.operations)
            ],
            # A claim outlives the longest turn, so only a dead process's expires.
            lock_seconds=settings.chat_turn_timeout_seconds + IDEMPOTENCY_LOCK_MARGIN_SECONDS,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.context = context
    return app


# Often enough for a scrape every 15 s to see a busy pool, rarely enough to cost nothing.
POOL_SAMPLE_SECONDS = 1.0


@contextlib.asynccontextmanager
async def _sampling_pool(context: AppContext) -> AsyncIterator[None]:
    """Report the pool's size and use every second while the app runs.

    A sampler rather than a count on every acquire: it costs requests nothing,
    and each worker reports its own pool (summed across workers by the scrape).
    """

    async def sample() -> None:
        while True:
            context.metrics.pool_sampled(*context.pool.usage())
            await asyncio.sleep(POOL_SAMPLE_SECONDS)

    sampler = asyncio.create_task(sample())
    try:
        yield
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
