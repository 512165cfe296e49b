"""GET /metrics (SPEC 7): what a Prometheus scrape sees after real traffic.

Each test runs its own app, so its counters start at zero.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from service.settings import Settings
from tests.support.chat import MODEL, openai_settings, post_chat
from tests.support.fake_llm import FakeLLM, failure, text, tool_calls
from tests.support.server import client_for, live_server

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> tuple[str, Samples]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_template_and_status_never_by_id(
    db_settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    async with live_server(db_settings) as url, client_for(url, make_token(user_id)) as client:
        created = (await client.post(f"/api/{user_id}/tasks", json={"title": "a"})).json()
        for _ in range(3):
            assert (await client.get(f"/api/{user_id}/tasks/{created['id']}")).status_code == 200
        assert (await client.get(f"/api/{user_id}/tasks/987654321")).status_code == 404
        assert (await client.get(f"/nowhere/{user_id}")).status_code == 404
        async with client_for(url, "bad.token.here") as stranger:
            assert (await stranger.get(f"/api/{user_id}/tasks")).status_code == 401
        async with client_for(url, make_token("someone-else")) as other:
            assert (await other.get(f"/api/{user_id}/tasks")).status_code == 403
        async with client_for(url) as anonymous:
            assert (await anonymous.get(f"/api/{user_id}/tasks")).status_code == 401

        text_body, samples = await scrape(client)

    task_route = "/api/{user_id}/tasks/{task_id}"
    requests = "http_requests_total"
    assert value(samples, requests, method="POST", route="/api/{user_id}/tasks", status="201") == 1
    assert value(samples, requests, method="GET", route=task_route, status="200") == 3
    assert value(samples, requests, method="GET", route=task_route, status="404") == 1
    assert value(samples, requests, method="GET", route="unmatched", status="404") == 1
    latency = "http_request_duration_seconds_count"
    assert value(samples, latency, method="GET", route=task_route) == 4
    assert value(samples, "auth_failures_total", error_code="AUTH_INVALID") == 1
    assert value(samples, "auth_failures_total", error_code="AUTH_REQUIRED") == 1
    assert value(samples, "auth_failures_total", error_code="FORBIDDEN") == 1
    # The scrape itself is in flight while it is rendered.
    assert value(samples, "http_requests_in_flight") == 1
    assert value(samples, "db_pool_connections") >= 1
    # No label carries a user id, a task id or a raw path.
    label_values = {label for _, labels in samples for _, label in labels}
    assert user_id not in text_body
    assert str(created["id"]) not in label_values
    assert not [label for label in label_values if "987654321" in label or "nowhere" in label]


async def test_chat_turns_are_counted_by_agent_and_outcome(
    db_settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    async with live_server(db_settings) as url, client_for(url, make_token(user_id)) as client:
        assert (await post_chat(client, user_id, "add buy milk")).status_code == 200
        assert (await post_chat(client, user_id, "show my tasks")).status_code == 200
        _, samples = await scrape(client)
    assert value(samples, "chat_turns_total", agent="builtin", outcome="complete") == 2


async def test_llm_calls_are_counted_with_latency_and_the_tokens_the_provider_reported(
    db_settings: Settings, make_token: Callable[..., str], user_id: str, llm: FakeLLM
) -> None:
    settings = openai_settings(db_settings, llm, ai_max_retries=0)
    async with live_server(settings) as url, client_for(url, make_token(user_id)) as client:
        llm.script(tool_calls(("add_task", {"title": "Pay rent"})), text("Added."))
        assert (await post_chat(client, user_id, "add pay rent")).status_code == 200
        llm.script(failure(500))
        assert (await post_chat(client, user_id, "add more")).status_code == 503
        _, samples = await scrape(client)

    assert value(samples, "llm_requests_total", outcome="ok") == 2
    assert value(samples, "llm_requests_total", outcome="http_500") == 1
    assert value(samples, "llm_request_duration_seconds_count") == 3
    assert value(samples, "llm_tokens_total", model=MODEL, kind="prompt") == 2
    assert value(samples, "llm_tokens_total", model=MODEL, kind="completion") == 2
    assert value(samples, "chat_turns_total", agent="openai", outcome="complete") == 1
    assert value(samples, "chat_turns_total", agent="openai", outcome="AI_UNAVAILABLE") == 1


async def test_pool_waits_and_rate_limit_refusals_are_counted(
    db_settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    settings = replace(
        db_settings, database_pool_min=1, database_pool_max=1, api_rate_limit_per_minute=30
    )
    async with live_server(settings) as url, client_for(url, make_token(user_id)) as client:
        # Twenty requests at once on a pool of one: most wait for the connection.
        responses = await asyncio.gather(*(client.get(f"/api/{user_id}/tasks") for _ in range(20)))
        assert {r.status_code for r in responses} == {200}
        for _ in range(15):
            await client.get(f"/api/{user_id}/tasks")
        _, samples = await scrape(client)
    assert value(samples, "db_pool_acquire_wait_seconds_count") >= 1
    assert value(samples, "rate_limited_requests_total", scope="api") >= 5


async def test_metrics_enabled_false_removes_the_endpoint(db_settings: Settings) -> None:
    async with (
        live_server(replace(db_settings, metrics_enabled=False)) as url,
        client_for(url) as client,
    ):
        response = await client.get("/metrics")
        assert response.status_code == 404
        assert response.json()["error_code"] == "NOT_FOUND"
        assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]
