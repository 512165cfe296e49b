"""The built-in agent's parser alone: microseconds per message, this tree against another.

    python -m bench.parser                # this tree
    python -m bench.parser --against REV  # REV's parser too, in turns, same messages

Each side runs in a process of its own with that revision's `service` first
on PYTHONPATH (exported with `git archive`, as `bench.ab` does), parsing the
same messages: everyday requests of every intent, several wordings each.
Reported: the median over rounds of the mean time per message.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.ab import export
from bench.server import REPO

MESSAGES = (
    "add buy milk", "add a task to call mom tomorrow", "remind me to pay rent on friday",
    "create task report with high priority", "I need to renew my passport",
    "add call the plumber tomorrow at 5pm #home", "show my tasks", "what's pending?",
    "list completed tasks", "show high priority tasks", "tasks tagged work",
    "what do I have to do today?", "what's overdue?", "mark task 3 as done", "complete buy milk",
    "I finished calling mom", "reopen task 3", "delete task 2", "remove the dentist task",
    "rename task 1 to buy oat milk", "change the description of task 4 to bring forms",
    "set task 2 priority to high", "move task 2 to next monday", "mark it done",
    "delete that one", "complete 3 and 4", "the second one", "hi", "thanks!", "what can you do?",
    "please could you add water the plants on 12/15", "ok so delete task 7",
    "compelte water the garden", "clear completed", "undo",
)  # fmt: skip

TIMER = """
import datetime as dt, json, sys, time
from service.agent.builtin.parse import parse_message
messages, rounds, repeat = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
today = dt.date(2026, 11, 25)
for message in messages:  # warm caches and imports
    parse_message(message, today)
results = []
for _ in range(rounds):
    started = time.perf_counter()
    for _ in range(repeat):
        for message in messages:
            parse_message(message, today)
    results.append((time.perf_counter() - started) / (repeat * len(messages)) * 1e6)
print(json.dumps(results))
"""


def measure(tree: Path, rounds: int, repeat: int) -> list[float]:
    """Microseconds per message, one figure per round, with `tree`'s parser."""
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{REPO}"}
    output = subprocess.run(
        [sys.executable, "-c", TIMER, json.dumps(MESSAGES), str(rounds), str(repeat)],
        env=env, cwd=tree, capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    figures: list[float] = json.loads(output)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parser", description=__doc__)
    parser.add_argument("--against", help="another revision to time side by side")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-parser-") as workdir:
        trees = {"this tree": export("WORKTREE", Path(workdir) / "worktree")}
        if args.against:
            trees[args.against] = export(args.against, Path(workdir) / "against")
        rounds: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.rounds):  # in turns, so drift hits both alike
            for name, tree in trees.items():
                rounds[name] += measure(tree, 1, args.repeat)
    print(f"{len(MESSAGES)} messages, median of {args.rounds} rounds of {args.repeat} passes")
    for name, figures in rounds.items():
        print(f"  {name:>12}: {statistics.median(figures):7.1f} us/message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
