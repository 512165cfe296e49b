"""One chat-completions call over httpx, with timeouts and retries.

`ChatClient.complete` POSTs `{base_url}/chat/completions` and returns the
assistant's turn. Timeouts, connection failures, 429 and 5xx are retried with
exponential backoff and jitter (429's Retry-After is honoured, up to a cap);
other 4xx are not, since asking again cannot help. When the attempts are used
up the caller gets `AgentError("AI_TIMEOUT" | "AI_UNAVAILABLE")`, which the
chat endpoint answers with a 503. Logs carry status codes and attempt numbers,
never the API key or message text.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import msgspec

from service.agent.base import AgentError, TurnBudget
from service.agent.openai.answers import AssistantTurn, error_kind, parse_turn
from service.metrics import Metrics

logger = logging.getLogger("service.agent.openai")

DEFAULT_BACKOFF_BASE_SECONDS = 0.5
DEFAULT_BACKOFF_CAP_SECONDS = 8.0
# A provider asking for a longer pause than this is better answered with a 503
# the client can retry than with a request hanging on for minutes.
RETRY_AFTER_CAP_SECONDS = 10.0
Sleep = Callable[[float], Awaitable[None]]


class _Retryable(Exception):
    """An attempt failed in a way another attempt may not."""

    def __init__(self, error_code: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.error_code = error_code
        self.reason = reason
        self.retry_after = retry_after


class ChatClient:
    """An OpenAI-compatible chat-completions endpoint, as one async method."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_seconds: float = 30.0,
        max_retries: int = 2,
        backoff_base_seconds: float = DEFAULT_BACKOFF_BASE_SECONDS,
        backoff_cap_seconds: float = DEFAULT_BACKOFF_CAP_SECONDS,
        retry_after_cap_seconds: float = RETRY_AFTER_CAP_SECONDS,
        sleep: Sleep = asyncio.sleep,
        http_client: httpx.AsyncClient | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.retry_after_cap_seconds = retry_after_cap_seconds
        self._sleep = sleep
        self._http = http_client
        self._metrics = metrics or Metrics()
        self._ssl_context: ssl.SSLContext | None = None
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def __repr__(self) -> str:  # never show the key, e.g. in a traceback's locals
        return f"ChatClient(url={self.url!r}, model={self.model!r})"

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[httpx.AsyncClient]:
        """The HTTP client for the calls of one reply (they share its connections).

        The app's shared client when one was given, else a fresh one closed
        at the end of the reply.
        """
        if self._http is not None:
            yield self._http
            return
        if self._ssl_context is None:
            # Loading the CA bundle takes tens of milliseconds of CPU; once is enough.
            self._ssl_context = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=self._ssl_context, follow_redirects=False) as http:
            yield http

    async def complete(
        self,
        http: httpx.AsyncClient,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        *,
        budget: TurnBudget | None = None,
    ) -> AssistantTurn:
        """Ask the model for its next turn; raises AgentError when it cannot answer.

        With a `budget`, every attempt and backoff also ends when the turn's
        deadline passes or the client leaves (TurnStopped): nothing more is
        sent to the provider after that.
        """
        # No tool_choice: "auto" is the protocol's default when tools are given,
        # and some servers (vLLM without its auto-tool-choice flag) refuse it spelled out.
        body = msgspec.json.encode({"model": self.model, "messages": messages, "tools": tools})
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(http, body, budget)
            except _Retryable as failure:
                if attempt == attempts:
                    logger.warning(
                        "AI provider call failed after %d attempt(s): %s", attempt, failure.reason
                    )
                    raise _final_error(failure) from None
                delay = self._delay(attempt, failure.retry_after)
                logger.info(
                    "AI provider call failed (%s), attempt %d of %d; retrying in %.2fs",
                    failure.reason,
                    attempt,
                    attempts,
                    delay,
                )
                if budget is None:
                    await self._sleep(delay)
                else:
                    await budget.race(self._sleep(delay))
        raise AssertionError("unreachable: the loop returns or raises")

    async def _attempt(
        self, http: httpx.AsyncClient, body: bytes, budget: TurnBudget | None
    ) -> AssistantTurn:
        started = time.monotonic()

        async def post() -> httpx.Response:
            # httpx's timeout is per phase (a slow trickle of bytes resets it);
            # the outer one bounds the whole call.
            async with asyncio.timeout(self.timeout_seconds):
                return await http.post(
                    self.url,
                    content=body,
                    headers=self._headers,
                    timeout=httpx.Timeout(self.timeout_seconds),
                    follow_redirects=False,
                )

        try:
            response = await (post() if budget is None else budget.race(post()))
        except (TimeoutError, httpx.TimeoutException):
            self._metrics.llm_call("timeout", time.monotonic() - started)
            raise _Retryable("AI_TIMEOUT", f"no answer within {self.timeout_seconds:g}s") from None
        except httpx.TransportError as exc:
            self._metrics.llm_call("error", time.monotonic() - started)
            raise _Retryable(
                "AI_UNAVAILABLE", f"connection failed ({type(exc).__name__})"
            ) from None
        elapsed = time.monotonic() - started
        logger.debug("AI provider answered %d in %.2fs", response.status_code, elapsed)
        status = response.status_code
        if 200 <= status < 300:
            try:
                turn = self._parse(response)
            except _Retryable:
                self._metrics.llm_call("invalid_answer", elapsed)
                raise
            self._metrics.llm_call("ok", elapsed)
            self._metrics.llm_tokens(self.model, turn.prompt_tokens, turn.completion_tokens)
            return turn
        self._metrics.llm_call(f"http_{status}", elapsed)
        if status == 429:
            raise _Retryable(
                "AI_UNAVAILABLE",
                "rate limited (429)",
                retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise _Retryable("AI_UNAVAILABLE", f"provider error ({status})")
        if status in (401, 403):
            # The provider's body may quote part of the key; it is not logged.
            logger.error(
                "the AI provider rejected the API key (%d); check AI_API_KEY for %s",
                status,
                self.url,
            )
            raise AgentError("AI_UNAVAILABLE", "The AI provider is unavailable right now.")
        # Only the status and the error's type and code: the body's message may
        # quote the user's own words (or worse), which never reach the logs.
        logger.error(
            "the AI provider refused the request (%d, %s) for model %r",
            status,
            error_kind(response),
            self.model,
        )
        raise AgentError("AI_UNAVAILABLE", "The AI provider is unavailable right now.")

    def _parse(self, response: httpx.Response) -> AssistantTurn:
        try:
            payload = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            raise _Retryable("AI_UNAVAILABLE", "answer was not JSON") from None
        if not isinstance(payload, dict):
            raise _Retryable("AI_UNAVAILABLE", "answer was not a JSON object")
        if "error" in payload and not payload.get("choices"):
            # OpenRouter reports some upstream failures inside a 200.
            raise _Retryable("AI_UNAVAILABLE", "provider reported an error in a 200 answer")
        try:
            return parse_turn(payload)
        except (KeyError, IndexError, TypeError, ValueError):
            raise _Retryable("AI_UNAVAILABLE", "answer had no usable choice") from None

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap_seconds)
        ceiling = min(self.backoff_cap_seconds, self.backoff_base_seconds * 2.0 ** (attempt - 1))
        # "Equal jitter": at least half the exponential step, so replicas that
        # failed together do not retry together.
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


def _final_error(failure: _Retryable) -> AgentError:
    if failure.error_code == "AI_TIMEOUT":
        return AgentError("AI_TIMEOUT", "The AI provider did not answer in time.")
    return AgentError("AI_UNAVAILABLE", "The AI provider is unavailable right now.")
