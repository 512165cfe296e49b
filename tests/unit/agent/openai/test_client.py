"""The chat-completions client against a fake provider over real HTTP.

Backoff sleeps go through an injected recorder, so retries cost no waiting and
the tests check the delays asked for, never how long anything took.
"""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import msgspec
import pytest

from service.agent.base import AgentError
from service.agent.openai.client import RETRY_AFTER_CAP_SECONDS, ChatClient
from service.agent.openai.schema import tool_definitions
from tests.support.fake_llm import FakeLLM, Step, failure, raw, slow, text, tool_calls
from tests.support.server import free_port

API_KEY = "sk-test-secret-key-0123456789"
MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


def client_for(llm: FakeLLM, sleep: RecordingSleep, **overrides: Any) -> ChatClient:
    options: dict[str, Any] = {
        "base_url": llm.base_url,
        "model": "fake-model",
        "api_key": API_KEY,
        "timeout_seconds": 5.0,
        "max_retries": 2,
        "sleep": sleep,
    }
    options.update(overrides)
    return ChatClient(**options)


async def complete(client: ChatClient) -> Any:
    async with client.session() as http:
        return await client.complete(http, MESSAGES, tool_definitions())


async def test_posts_model_messages_tools_and_bearer_key(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    llm.script(text("Hello!"))

    turn = await complete(client_for(llm, sleep))

    assert turn.content == "Hello!"
    assert turn.tool_calls == []
    [request] = llm.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.json["model"] == "fake-model"
    assert request.json["messages"] == MESSAGES
    assert request.json["tools"] == tool_definitions()
    assert "tool_choice" not in request.json  # "auto" is the default


async def test_base_url_with_trailing_slash_works(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(text("ok"))
    await complete(client_for(llm, sleep, base_url=llm.base_url + "/"))
    assert llm.received[0].path == "/v1/chat/completions"


async def test_no_authorization_header_without_a_key(llm: FakeLLM, sleep: RecordingSleep) -> None:
    # A local Ollama needs no key; sending "Bearer None" would be wrong.
    llm.script(text("ok"))
    await complete(client_for(llm, sleep, api_key=None))
    assert "authorization" not in llm.received[0].headers


async def test_tool_calls_come_back_with_their_raw_arguments(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    llm.script(tool_calls(("add_task", {"title": "Buy milk"}), ("list_tasks", "{not json")))

    turn = await complete(client_for(llm, sleep))

    assert [(call.name, call.arguments) for call in turn.tool_calls] == [
        ("add_task", '{"title":"Buy milk"}'),
        ("list_tasks", "{not json"),
    ]
    assert all(call.id.startswith("call_fake_") for call in turn.tool_calls)


async def test_arguments_sent_as_an_object_and_missing_ids_are_accepted(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    # Some local servers send the arguments object itself and no call id.
    body = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"function": {"name": "delete_task", "arguments": {"task_id": 3}}}
                    ],
                }
            }
        ]
    }
    llm.script(raw(msgspec.json.encode(body)))

    turn = await complete(client_for(llm, sleep))

    [call] = turn.tool_calls
    assert (call.id, call.name, call.arguments) == ("", "delete_task", '{"task_id":3}')


async def test_server_errors_are_retried_with_growing_jittered_backoff(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    llm.script(failure(500), failure(502), failure(503), text("finally"))

    client = client_for(llm, sleep, max_retries=3, backoff_base_seconds=1.0)
    turn = await complete(client)

    assert turn.content == "finally"
    assert len(llm.received) == 4
    first, second, third = sleep.delays
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0
    assert 2.0 <= third <= 4.0


async def test_backoff_never_exceeds_its_cap(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(failure(500), failure(500), failure(500), text("ok"))
    client = client_for(
        llm, sleep, max_retries=3, backoff_base_seconds=10.0, backoff_cap_seconds=3.0
    )
    await complete(client)
    assert all(1.5 <= delay <= 3.0 for delay in sleep.delays)


async def test_server_errors_beyond_the_retries_are_ai_unavailable(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    llm.script(failure(500), failure(500), failure(500))

    with pytest.raises(AgentError) as caught:
        await complete(client_for(llm, sleep, max_retries=2))

    assert caught.value.error_code == "AI_UNAVAILABLE"
    assert len(llm.received) == 3
    assert len(sleep.delays) == 2
    llm.assert_script_used()


async def test_no_retries_when_max_retries_is_zero(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(failure(503))
    with pytest.raises(AgentError):
        await complete(client_for(llm, sleep, max_retries=0))
    assert len(llm.received) == 1
    assert sleep.delays == []


async def test_429_waits_as_long_as_retry_after_says(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(failure(429, headers={"Retry-After": "3"}), text("ok"))

    turn = await complete(client_for(llm, sleep))

    assert turn.content == "ok"
    assert sleep.delays == [3.0]


async def test_429_retry_after_as_an_http_date(llm: FakeLLM, sleep: RecordingSleep) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    llm.script(failure(429, headers={"Retry-After": when}), text("ok"))

    await complete(client_for(llm, sleep))

    [delay] = sleep.delays
    assert 0 < delay <= 5


async def test_429_retry_after_is_capped(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(failure(429, headers={"Retry-After": "3600"}), text("ok"))
    await complete(client_for(llm, sleep))
    assert sleep.delays == [RETRY_AFTER_CAP_SECONDS]


async def test_429_without_retry_after_backs_off(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(failure(429), failure(429), failure(429))

    with pytest.raises(AgentError) as caught:
        await complete(client_for(llm, sleep, backoff_base_seconds=0.01))

    assert caught.value.error_code == "AI_UNAVAILABLE"
    assert len(sleep.delays) == 2


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_other_client_errors_are_not_retried(
    llm: FakeLLM, sleep: RecordingSleep, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    llm.script(failure(status, message="model 'nope' does not exist"))

    with pytest.raises(AgentError) as caught, caplog.at_level(logging.ERROR):
        await complete(client_for(llm, sleep))

    assert caught.value.error_code == "AI_UNAVAILABLE"
    assert len(llm.received) == 1
    assert sleep.delays == []
    assert f"refused the request ({status}, type=fake_error, code={status})" in caplog.text
    assert "does not exist" not in caplog.text  # the body's text may quote the user


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_key_is_logged_clearly_without_the_key(
    llm: FakeLLM, sleep: RecordingSleep, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    # OpenAI quotes (part of) the key in its 401 message; none of it is logged.
    llm.script(failure(status, message=f"Incorrect API key provided: {API_KEY}."))

    with pytest.raises(AgentError) as caught, caplog.at_level(logging.DEBUG):
        await complete(client_for(llm, sleep))

    assert caught.value.error_code == "AI_UNAVAILABLE"
    assert API_KEY not in str(caught.value)
    assert len(llm.received) == 1
    assert f"the AI provider rejected the API key ({status})" in caplog.text
    assert API_KEY not in caplog.text
    assert "sk-" not in caplog.text


async def test_a_refusal_logs_status_type_and_code_never_the_body_text(
    llm: FakeLLM, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture
) -> None:
    quoted = "my bank PIN is 4921, remind me to change it"
    llm.script(failure(400, message=f"bad request from {API_KEY}: {quoted!r}"))
    with pytest.raises(AgentError), caplog.at_level(logging.DEBUG):
        await complete(client_for(llm, sleep))
    assert "(400, type=fake_error, code=400)" in caplog.text
    assert API_KEY not in caplog.text
    assert "4921" not in caplog.text
    assert "bad request" not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        b"<html>my PIN is 4921</html>",
        b'{"error": "my PIN is 4921"}',
        b'{"error": {"type": "my PIN is 4921", "code": ["4921"]}}',
    ],
)
async def test_an_error_body_of_another_shape_logs_no_text(
    llm: FakeLLM, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    llm.script(Step(status=422, raw_body=body))
    with pytest.raises(AgentError), caplog.at_level(logging.DEBUG):
        await complete(client_for(llm, sleep))
    assert "(422, no error" in caplog.text
    assert "4921" not in caplog.text


async def test_repr_does_not_show_the_key(llm: FakeLLM, sleep: RecordingSleep) -> None:
    assert API_KEY not in repr(client_for(llm, sleep))


async def test_a_slow_answer_times_out_and_is_retried(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(slow(text("too late"), 5), text("in time"))

    turn = await complete(client_for(llm, sleep, timeout_seconds=0.3))

    assert turn.content == "in time"
    assert len(llm.received) == 2
    assert len(sleep.delays) == 1


async def test_timeouts_beyond_the_retries_are_ai_timeout(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    llm.script(slow(text("late"), 5), slow(text("late"), 5))

    with pytest.raises(AgentError) as caught:
        await complete(client_for(llm, sleep, timeout_seconds=0.3, max_retries=1))

    assert caught.value.error_code == "AI_TIMEOUT"
    assert len(llm.received) == 2


async def test_last_failure_decides_the_error_code(llm: FakeLLM, sleep: RecordingSleep) -> None:
    llm.script(slow(text("late"), 5), failure(500))

    with pytest.raises(AgentError) as caught:
        await complete(client_for(llm, sleep, timeout_seconds=0.3, max_retries=1))

    assert caught.value.error_code == "AI_UNAVAILABLE"


async def test_unreachable_provider_is_ai_unavailable(sleep: RecordingSleep) -> None:
    client = ChatClient(
        base_url=f"http://127.0.0.1:{free_port()}/v1",
        model="m",
        max_retries=2,
        timeout_seconds=2.0,
        sleep=sleep,
    )

    with pytest.raises(AgentError) as caught:
        await complete(client)

    assert caught.value.error_code == "AI_UNAVAILABLE"
    assert len(sleep.delays) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b"[]",
        b'{"choices": []}',
        b'{"choices": [{"message": "hi"}]}',
        b'{"error": {"message": "upstream overloaded", "code": 502}}',
    ],
)
async def test_an_unusable_200_is_retried_then_ai_unavailable(
    llm: FakeLLM, sleep: RecordingSleep, body: bytes
) -> None:
    llm.script(raw(body), raw(body))

    with pytest.raises(AgentError) as caught:
        await complete(client_for(llm, sleep, max_retries=1))

    assert caught.value.error_code == "AI_UNAVAILABLE"
    assert len(llm.received) == 2


async def test_an_unusable_200_then_a_good_one_succeeds(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    llm.script(raw(b"not json"), text("ok"))
    assert (await complete(client_for(llm, sleep))).content == "ok"


async def test_content_parts_are_joined_into_text(llm: FakeLLM, sleep: RecordingSleep) -> None:
    body = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Hello "},
                        {"type": "text", "text": "you"},
                    ],
                }
            }
        ]
    }
    llm.script(raw(msgspec.json.encode(body)))
    assert (await complete(client_for(llm, sleep))).content == "Hello you"


async def test_a_shared_http_client_is_used_and_left_open(
    llm: FakeLLM, sleep: RecordingSleep
) -> None:
    import httpx

    llm.script(text("one"), text("two"))
    async with httpx.AsyncClient() as shared:
        client = client_for(llm, sleep, http_client=shared)
        assert (await complete(client)).content == "one"
        assert not shared.is_closed
        assert (await complete(client)).content == "two"
    assert llm.received[1].headers["authorization"] == f"Bearer {API_KEY}"
