"""Choosing the agent from the settings (AI_PROVIDER, SPEC 2 and 6)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request

from service.agent.base import Agent
from service.metrics import Metrics
from service.settings import Settings, SettingsError


def make_agent(
    settings: Settings, http_client: Any = None, metrics: Metrics | None = None
) -> Agent:
    """The agent AI_PROVIDER names; built once per app, shared by every request.

    Agents keep no conversation state: each reply is computed from the stored
    history it is given. `http_client` (an `httpx.AsyncClient` owned by the
    app) is for agents that call a provider over HTTP.
    """
    if settings.ai_provider == "builtin":
        from service.agent.builtin import BuiltinAgent

        return BuiltinAgent()
    if settings.ai_provider == "openai":
        from service.agent.openai import agent_from_settings

        return agent_from_settings(settings, http_client, metrics)
    raise SettingsError(f"Unknown AI_PROVIDER {settings.ai_provider!r}.")


@contextlib.asynccontextmanager
async def running_agent(settings: Settings, metrics: Metrics | None = None) -> AsyncIterator[Agent]:
    """The agent AI_PROVIDER names, with what it owns open while the app runs.

    A provider's agent gets one HTTP client for the app's life, so connections
    and TLS sessions are reused across turns. The built-in agent calls nobody:
    httpx is not even imported then (it and what it brings are megabytes of
    every worker's memory).
    """
    if settings.ai_provider != "openai":
        yield make_agent(settings, None, metrics)
        return
    import httpx

    async with httpx.AsyncClient(follow_redirects=False) as http_client:
        yield make_agent(settings, http_client, metrics)


def agent_of(request: Request) -> Agent:
    """The app's agent (set by `create_app`)."""
    agent: Agent = request.app.state.agent
    return agent
