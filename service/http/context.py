"""What handlers share: built once per app, reached through the request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from service.db.queries import Queries
from service.metrics import Metrics
from service.settings import Settings


@dataclass(kw_only=True)
class AppContext:
    """Settings, SQL, metrics and the pool (set by the lifespan once it is open)."""

    settings: Settings
    queries: Queries
    pool: Any = None
    metrics: Metrics = field(default_factory=Metrics)


def app_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def user_id_of(request: Request) -> str:
    """The authenticated user id the auth middleware put in the scope."""
    user_id: str = request.scope["user_id"]
    return user_id
