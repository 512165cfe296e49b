"""The app factory uvicorn calls in each worker: settings from the environment."""

from __future__ import annotations

from starlette.applications import Starlette

from service.app import create_app
from service.logs import configure_logging
from service.settings import Settings


def app() -> Starlette:
    """Build the app from the environment (`uvicorn --factory service.asgi:app`)."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
