"""Typo tolerance: a command word or a task title off by one or two letters.

Distances are optimal string alignment (rapidfuzz's OSA): a swapped pair of
neighbouring letters ("compelte") counts as one typo, like a missing, extra or
wrong letter. Decisions:

- A command word is corrected only when the message means nothing as typed,
  the word has at least 5 letters (1 typo allowed; 2 from 8 letters), and one
  command word is strictly closest. Shorter words are left alone: "done" is
  one letter from "gone" and "none".
- A title matches with at most 1 typo per 5 letters of what was typed (at most
  2), against the whole title or the same number of its words anywhere in it.
  The closest task wins only when it is strictly closer than every other; a tie
  asks which one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

MIN_COMMAND_LETTERS = 5


def allowed_typos(text: str) -> int:
    """How many typos a word or phrase of this length may carry."""
    letters = sum(char.isalnum() for char in text)
    if letters < MIN_COMMAND_LETTERS:
        return 0
    return 1 if letters < 8 else 2


def _distance(first: str, second: str, limit: int) -> int:
    # rapidfuzz (4 MB resident) loads with the first typo, not with every process.
    from rapidfuzz.distance import OSA

    return int(OSA.distance(first, second, score_cutoff=limit))


def closest_word(word: str, vocabulary: Iterable[str]) -> str | None:
    """The one word of `vocabulary` within the allowed typos of `word`, strictly closest."""
    limit = allowed_typos(word)
    if limit == 0:
        return None
    scored = sorted(
        (distance, candidate)
        for candidate in vocabulary
        if (distance := _distance(word, candidate, limit)) <= limit
    )
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def closest_titles(text: str, tasks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks whose titles are closest to `text` within the allowed typos.

    One task: it is clearly meant. Several: a tie, ask. None: nothing is close.
    """
    limit = min(2, sum(char.isalnum() for char in text) // 5)
    if limit == 0:
        return []
    wanted = text.casefold().split()
    scored: list[tuple[int, dict[str, Any]]] = []
    for task in tasks:
        title = str(task.get("title", "")).casefold().split()
        windows = [title] + [
            title[start : start + len(wanted)] for start in range(len(title) - len(wanted) + 1)
        ]
        best = min(_distance(" ".join(wanted), " ".join(window), limit + 1) for window in windows)
        if best <= limit:
            scored.append((best, task))
    if not scored:
        return []
    nearest = min(distance for distance, _ in scored)
    return [task for distance, task in scored if distance == nearest]
