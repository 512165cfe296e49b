"""The floor: the same SQL as list-tasks and get-task with nothing around it.

No authentication, validation, middleware or error mapping: a route, the
query (loaded through service.db.queries, on a pool made by service.db.pool, exactly as
the service makes it) and msgspec encoding. The service's throughput as a share
of this one's is what our layers cost.

Run: `python -m bench.floor_app` with DATABASE_URL, PORT and WORKERS set.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import msgspec
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.db import pool as db
from service.db.queries import load_queries
from service.settings import Settings
from service.tasks import listing

encode = msgspec.json.Encoder().encode


def create() -> Starlette:
    """The floor app, configured from the environment like the service."""
    settings = Settings.from_env()
    queries = load_queries()
    pool = None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await db.create_pool(settings, settings.database_url or "")
        try:
            yield
        finally:
            await pool.close()

    # The very statement the service runs for the default list.
    default_list = queries.variant(
        "list_tasks",
        listing.variant_key("created_at", "desc", "all", after=False),
        listing.fill("created_at", "desc", "all", False),
    )

    async def list_tasks(request: Request) -> Response:
        records = await default_list(
            pool, user_id=request.path_params["user_id"], q=None, priority=None, tag=None,
            due_before=None, due_after=None, limit=50, offset=0, after_key=None, after_id=None,
        )  # fmt: skip
        hidden = ("total", "sort_key")
        tasks = [{k: v for k, v in r.items() if k not in hidden} for r in records if r["id"]][:50]
        return Response(
            encode(tasks),
            media_type="application/json",
            headers={"X-Total-Count": str(records[0]["total"])},
        )

    async def get_task(request: Request) -> Response:
        record = await queries.get_task(
            pool,
            user_id=request.path_params["user_id"],
            task_id=int(request.path_params["task_id"]),
        )
        if record is None:
            return Response(b'{"detail":"No such task."}', 404, media_type="application/json")
        return Response(encode(dict(record)), media_type="application/json")

    return Starlette(
        routes=[
            Route("/api/{user_id}/tasks", list_tasks, methods=["GET"]),
            Route("/api/{user_id}/tasks/{task_id}", get_task, methods=["GET"]),
            Route("/healthz", lambda request: Response(b"ok"), methods=["GET"]),
        ],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    uvicorn.run(
        "bench.floor_app:create",
        factory=True,
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "8001")),
        workers=int(os.environ.get("WORKERS", "1")),
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
    )
