"""Choosing the agent from the settings (AI_PROVIDER, SPEC 2 and 6)."""

from __future__ import annotations

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


def agent_of(request: Request) -> Agent:
    """The app's agent (set by `create_app`)."""
    agent: Agent = request.app.state.agent
    return agent
