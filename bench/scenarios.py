"""The measured endpoints: each a list of concrete requests, replayed in a loop.

Requests are built up front (paths, tokens, bodies) so the load generator does
no work per request beyond sending bytes. Consecutive requests go to different
users, the way a real population of clients spreads over the data.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from bench.seed import Dataset
from service.auth.hs256 import mint_token
from service.auth.sessions import sign_session_token

REQUESTS_PER_SCENARIO = 2000
CHAT_PHRASES = ("add {thing} {n}", "show my pending tasks", "mark task {task_id} as done")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str
    body: bytes | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    route: str
    expected_status: int
    requests: list[Request]
    needs: str = "tasks"  # the API the scenario exercises; chat ones wait for chat


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def build(dataset: Dataset, secret: str, *, rng_seed: int = 11) -> list[Scenario]:
    """Every scenario, in the order they run (reads before the writes that grow data)."""
    rng = random.Random(rng_seed)
    tokens = {user: mint_token(secret, user, ttl_seconds=24 * 3600) for user in dataset.users}
    bad_tokens = {
        user: mint_token("a-different-secret-" + secret, user) for user in dataset.users[:50]
    }
    users = [rng.choice(dataset.users) for _ in range(REQUESTS_PER_SCENARIO)]
    talkers = list(dataset.conversation_ids)

    def task_request(method: str, suffix: str = "") -> list[Request]:
        requests = []
        for user in users:
            task_id = rng.choice(dataset.task_ids[user])
            requests.append(Request(method, f"/api/{user}/tasks/{task_id}{suffix}", tokens[user]))
        return requests

    def chat_request(n: int, *, fresh: bool = False) -> Request:
        user = talkers[n % len(talkers)]
        phrase = CHAT_PHRASES[n % len(CHAT_PHRASES)].format(
            thing=rng.choice(("buy bread", "call the bank", "water plants")),
            n=n,
            task_id=rng.choice(dataset.task_ids[user]),
        )
        body: dict[str, object] = {"message": phrase}
        if not fresh:  # the seeded conversation, whose history grows with every turn
            body["conversation_id"] = dataset.conversation_ids[user]
        return Request("POST", f"/api/{user}/chat", tokens[user], _json(body))

    create_body = {"title": "Bench task", "priority": "low", "tags": ["work"]}
    return [
        Scenario(
            "list tasks",
            "GET /api/{user_id}/tasks",
            200,
            [Request("GET", f"/api/{user}/tasks", tokens[user]) for user in users],
        ),
        Scenario(
            "list pending",
            "GET /api/{user_id}/tasks?status=pending",
            200,
            [Request("GET", f"/api/{u}/tasks?status=pending", tokens[u]) for u in users],
        ),
        Scenario(
            "list by due date",
            "GET /api/{user_id}/tasks?sort=due_at",
            200,
            [Request("GET", f"/api/{u}/tasks?sort=due_at", tokens[u]) for u in users],
        ),
        *scale_scenarios(dataset, secret, rng),
        Scenario("get task", "GET /api/{user_id}/tasks/{id}", 200, task_request("GET")),
        Scenario(
            "get task (session)",
            "GET /api/{user_id}/tasks/{id} (Better Auth session token)",
            200,
            [
                Request(
                    "GET",
                    f"/api/{user}/tasks/{rng.choice(dataset.task_ids[user])}",
                    sign_session_token(dataset.session_tokens[user], secret),
                )
                for user in users
            ],
        ),
        Scenario(
            "create task",
            "POST /api/{user_id}/tasks",
            201,
            [Request("POST", f"/api/{u}/tasks", tokens[u], _json(create_body)) for u in users],
        ),
        Scenario(
            "toggle complete",
            "PATCH /api/{user_id}/tasks/{id}/complete",
            200,
            task_request("PATCH", "/complete"),
        ),
        Scenario(
            "list messages",
            "GET /api/{user_id}/conversations/{id}/messages",
            200,
            [
                Request("GET", f"/api/{u}/conversations/{c}/messages", tokens[u])
                for u, c in dataset.conversation_ids.items()
            ],
            needs="chat",
        ),
        Scenario(
            "chat (builtin agent)",
            "POST /api/{user_id}/chat",
            200,
            [chat_request(n) for n in range(REQUESTS_PER_SCENARIO)],
            needs="chat",
        ),
        Scenario(
            "chat (new conversation)",
            "POST /api/{user_id}/chat (no history)",
            200,
            [chat_request(n, fresh=True) for n in range(REQUESTS_PER_SCENARIO)],
            needs="chat",
        ),
        Scenario(
            "bad token",
            "GET /api/{user_id}/tasks (401)",
            401,
            [Request("GET", f"/api/{u}/tasks", t) for u, t in bad_tokens.items()],
        ),
    ]


def scale_scenarios(dataset: Dataset, secret: str, rng: random.Random) -> list[Scenario]:
    """The lists of users with a long history (SCALE=1), to set beside the 50-task ones."""
    if not dataset.big_users:
        return []
    tokens = {user: mint_token(secret, user, ttl_seconds=24 * 3600) for user in dataset.big_users}
    users = [rng.choice(dataset.big_users) for _ in range(REQUESTS_PER_SCENARIO)]
    return [
        Scenario(
            f"{name} (10k)",
            f"GET /api/{{user_id}}/tasks{query} (10,000 tasks)",
            200,
            [Request("GET", f"/api/{u}/tasks{query}", tokens[u]) for u in users],
        )
        for name, query in (
            ("list tasks", ""),
            ("list pending", "?status=pending"),
            ("list by due date", "?sort=due_at"),
        )
    ]


FLOOR_SCENARIOS = ("list tasks", "get task", "list tasks (10k)")
