"""Realistic users of the Todo Chat API for locust (`make loadtest`, docs/bench.md).

Each simulated user signs in with its own HS256 token (minted with
BETTER_AUTH_SECRET, as a Better Auth frontend would), keeps a small list of
tasks and one conversation, and mixes what people do: add tasks, look at
lists with filters, tick tasks off, delete some, talk to the assistant and
read the conversation back. Every response's status and shape is checked; a
wrong one is a locust failure, and `make loadtest` fails on any failure.

Run against any server: `locust -f locustfile.py --host http://127.0.0.1:8000`
with BETTER_AUTH_SECRET set to the server's secret.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

from locust import FastHttpUser, between, task

from service.auth.hs256 import mint_token

SECRET = os.environ.get("BETTER_AUTH_SECRET", "")
TASK_KEYS = {
    "id", "user_id", "title", "description", "completed", "priority", "due_at", "tags",
    "created_at", "updated_at", "completed_at",
}  # fmt: skip
MESSAGE_KEYS = {"id", "role", "content", "tool_calls", "created_at"}
CHAT_KEYS = {"conversation_id", "response", "tool_calls", "message_id", "timestamp"}
TITLES = ("buy milk", "call mom", "pay rent", "book dentist", "renew passport", "water plants")
LIST_FILTERS: tuple[dict[str, str], ...] = (
    {},
    {"status": "pending"},
    {"status": "completed", "sort": "updated_at"},
    {"priority": "high"},
    {"tag": "work", "order": "asc"},
    {"q": "milk", "limit": "10"},
    {"sort": "due_at", "order": "asc", "limit": "20"},
)


class Problem(Exception):
    """A response of the wrong status or shape."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Problem(what)


def check_task(value: Any) -> dict[str, Any]:
    expect(isinstance(value, dict) and set(value) == TASK_KEYS, f"not a task: {value!r}")
    expect(isinstance(value["id"], int) and isinstance(value["title"], str), "task fields")
    return dict(value)


class TodoUser(FastHttpUser):
    """One person using the app: tasks and a conversation of their own."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        if not SECRET:
            raise RuntimeError("set BETTER_AUTH_SECRET to the server's secret")
        self.user_id = f"locust-{uuid.uuid4().hex[:12]}"
        token = mint_token(SECRET, self.user_id, ttl_seconds=3 * 3600)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.base = f"/api/{self.user_id}"
        self.task_ids: list[int] = []
        self.conversation_id: int | None = None
        for _ in range(3):
            self.create_task()

    def call(self, method: str, path: str, name: str, status: int, **kwargs: Any) -> Any:
        """Send a request; check its status; return its JSON (None for 204)."""
        with self.client.request(
            method, self.base + path, name=name, headers=self.headers, catch_response=True,
            **kwargs,
        ) as response:  # fmt: skip
            try:
                expect(response.status_code == status, f"status {response.status_code}")
                body = None if status == 204 else response.json()
            except (Problem, ValueError) as exc:
                response.failure(f"{exc}: {(response.text or '')[:200]}")
                return None
            response.success()
            return body

    def checked(self, method: str, path: str, name: str, status: int, check: Any, **kw: Any) -> Any:
        """`call`, then `check(body)`; a failed check is reported as a failure of `name`."""
        body = self.call(method, path, name, status, **kw)
        if body is None and status != 204:
            return None
        try:
            return check(body)
        except Problem as exc:
            self.environment.events.request.fire(
                request_type=method, name=f"{name} (shape)", response_time=0,
                response_length=0, exception=exc, context={},
            )  # fmt: skip
            return None

    @task(3)
    def create_task(self) -> None:
        body = {
            "title": f"{random.choice(TITLES)} {random.randrange(1000)}",
            "priority": random.choice(("none", "low", "medium", "high")),
            "tags": random.sample(["work", "home", "errands"], random.randrange(0, 3)),
        }
        if random.random() < 0.3:
            body["due_at"] = "2030-01-15T09:00:00Z"
        created = self.checked("POST", "/tasks", "POST /tasks", 201, check_task, json=body)
        if created:
            self.task_ids.append(created["id"])

    @task(6)
    def list_tasks(self) -> None:
        def check_list(body: Any) -> None:
            expect(isinstance(body, list), "not a list")
            for item in body:
                expect(check_task(item)["user_id"] == self.user_id, "another user's task")

        params = random.choice(LIST_FILTERS)
        self.checked("GET", "/tasks", "GET /tasks", 200, check_list, params=params)

    @task(1)
    def page_through_tasks(self) -> None:
        """Follow `Link: rel="next"` the way a frontend's infinite scroll does."""
        path: str | None = "/tasks?limit=2"
        for _ in range(3):
            if path is None:
                return
            with self.client.get(
                self.base + path, name="GET /tasks?cursor", headers=self.headers,
                catch_response=True,
            ) as response:  # fmt: skip
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
                    return
                response.success()
                link = response.headers.get("link", "")
                path = (
                    link[link.index(self.base) + len(self.base) : link.index(">")] if link else None
                )

    @task(2)
    def get_task(self) -> None:
        if self.task_ids:
            task_id = random.choice(self.task_ids)
            self.checked("GET", f"/tasks/{task_id}", "GET /tasks/{id}", 200, check_task)

    @task(3)
    def complete_task(self) -> None:
        if not self.task_ids:
            return
        task_id = random.choice(self.task_ids)

        def check_toggled(body: Any) -> None:
            task_ = check_task(body)
            expect(task_["completed"] == (task_["completed_at"] is not None), "completed_at")

        path = f"/tasks/{task_id}/complete"
        self.checked("PATCH", path, "PATCH /tasks/{id}/complete", 200, check_toggled)

    @task(1)
    def delete_task(self) -> None:
        if len(self.task_ids) > 2:
            task_id = self.task_ids.pop(random.randrange(len(self.task_ids)))
            self.call("DELETE", f"/tasks/{task_id}", "DELETE /tasks/{id}", 204)

    @task(3)
    def chat(self) -> None:
        phrases = ["show my pending tasks", f"add {random.choice(TITLES)}", "what's pending?"]
        if self.task_ids:
            phrases.append(f"mark task {random.choice(self.task_ids)} as done")
        body: dict[str, Any] = {"message": random.choice(phrases)}
        if self.conversation_id is not None:
            body["conversation_id"] = self.conversation_id

        def check_reply(reply: Any) -> dict[str, Any]:
            expect(isinstance(reply, dict) and set(reply) == CHAT_KEYS, f"chat reply {reply!r}")
            expect(isinstance(reply["response"], str) and reply["response"] != "", "response")
            expect(isinstance(reply["tool_calls"], list), "tool_calls")
            return dict(reply)

        reply = self.checked("POST", "/chat", "POST /chat", 200, check_reply, json=body)
        if reply:
            self.conversation_id = reply["conversation_id"]
            for call in reply["tool_calls"]:
                if call["name"] == "add_task" and "task_id" in call["result"]:
                    self.task_ids.append(call["result"]["task_id"])

    @task(2)
    def read_conversation(self) -> None:
        if self.conversation_id is None:
            return

        def check_messages(body: Any) -> None:
            expect(isinstance(body, list) and len(body) >= 2, "messages")
            for message in body:
                expect(isinstance(message, dict) and set(message) == MESSAGE_KEYS, "message")
            ids = [message["id"] for message in body]
            expect(ids == sorted(ids), "not in chronological order")
            expect(body[-1]["role"] == "assistant", "the last message is not the reply")

        path = f"/conversations/{self.conversation_id}/messages"
        name = "GET /conversations/{id}/messages"
        self.checked("GET", path, name, 200, check_messages)
