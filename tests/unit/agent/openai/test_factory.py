"""AI_PROVIDER=openai builds the OpenAI-compatible agent from the settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.agent.factory import make_agent
from service.agent.openai import OpenAIAgent, agent_from_settings
from service.settings import Settings, SettingsError


def test_make_agent_builds_the_openai_agent_from_settings(settings: Settings) -> None:
    configured = replace(
        settings,
        ai_provider="openai",
        ai_base_url="http://localhost:11434/v1/",
        ai_model="llama3.1",
        ai_api_key=None,
        ai_timeout_seconds=7.5,
        ai_max_retries=4,
    )

    agent = make_agent(configured)

    assert isinstance(agent, OpenAIAgent)
    assert agent.client.url == "http://localhost:11434/v1/chat/completions"
    assert agent.client.model == "llama3.1"
    assert agent.client.timeout_seconds == 7.5
    assert agent.client.max_retries == 4


def test_the_openai_agent_needs_a_base_url_and_a_model(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="AI_BASE_URL and AI_MODEL"):
        agent_from_settings(replace(settings, ai_provider="openai", ai_base_url="http://x/v1"))


def test_settings_from_the_environment_reach_the_agent() -> None:
    settings = Settings.from_env(
        {
            "AI_PROVIDER": "openai",
            "AI_BASE_URL": "https://generativelanguage.googleapis.com/v1beta/openai/",
            "AI_API_KEY": "key-from-env",
            "AI_MODEL": "gemini-2.5-flash",
            "AI_TIMEOUT_SECONDS": "12",
            "AI_MAX_RETRIES": "1",
        }
    )
    agent = make_agent(settings)
    assert isinstance(agent, OpenAIAgent)
    assert agent.client.url == (
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
    )
    assert "key-from-env" not in repr(agent.client)
