"""Word-level helpers shared by the parser: tokenising, comparing and trimming.

A message is handled as a list of words in the user's own casing, so a title can
be cut out of it unchanged; words are compared through `key`, which lowercases
them and drops the punctuation stuck to their edges ("Friday?" -> "friday").
A quoted span ('buy milk' or "buy milk") stays one word, so nothing inside it is
mistaken for a date, a priority or a tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

Words = list[str]

# A quote opens after a space (or at the start) and closes before a space or a
# punctuation mark, so the apostrophes of "what's" or "mom's" are not quotes.
_QUOTED_SPAN = re.compile(r"""(?<!\S)(['"])(.+?)\1(?=[\s.,!?;:]|$)""")
_EDGE_PUNCTUATION = ".,!?;:()[]\"'"
_CURLY_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    """Straighten quotes, collapse whitespace and drop trailing `.`, `!` and `?`."""
    text = " ".join(text.translate(_CURLY_QUOTES).split())
    return text.rstrip(".!? ")


def tokenize(text: str) -> Words:
    """Split on whitespace, keeping each quoted span (quotes included) as one word."""
    words: Words = []
    position = 0
    for quoted in _QUOTED_SPAN.finditer(text):
        words.extend(text[position : quoted.start()].split())
        words.append(quoted.group(0))
        position = quoted.end()
    words.extend(text[position:].split())
    return words


def key(word: str) -> str:
    """The comparable form of a word: lowercase, edge punctuation removed."""
    return word.strip(_EDGE_PUNCTUATION).lower()


def keys(words: Sequence[str]) -> list[str]:
    """`key` of every word."""
    return [key(word) for word in words]


def is_quoted(word: str) -> bool:
    """Whether `word` is a whole quoted span produced by `tokenize`."""
    return len(word) >= 2 and word[0] in "'\"" and word[-1] == word[0]


def unquote(word: str) -> str:
    """The text inside a quoted span, trimmed."""
    return word[1:-1].strip()


# No phrase the parser looks for is longer than this many words.
_LONGEST_PHRASE = 12


def phrase_at(words: Sequence[str], index: int, phrase: str) -> bool:
    """Whether the words from `index` on start with `phrase` (compared by key)."""
    wanted = phrase.split()
    return keys(words[index : index + len(wanted)]) == wanted


def longest_phrase_at(words: Sequence[str], index: int, phrases: Iterable[str]) -> str | None:
    """The longest of `phrases` found at `index`, if any.

    The hottest function of the parser: each run of words is keyed and joined
    once, then compared with every phrase of that many words.
    """
    keyed = keys(words[index : index + _LONGEST_PHRASE])
    joined: dict[int, str] = {}
    best, best_length = None, 0
    for phrase in phrases:
        length = phrase.count(" ") + 1
        if length <= best_length or length > len(keyed):
            continue
        run = joined.get(length)
        if run is None:
            run = joined[length] = " ".join(keyed[:length])
        if run == phrase:
            best, best_length = phrase, length
    return best


def strip_leading(words: Sequence[str], phrases: Iterable[str]) -> Words:
    """Drop any of `phrases` from the start, repeatedly ("please just add ...")."""
    phrases = tuple(phrases)
    rest = list(words)
    while rest and (found := longest_phrase_at(rest, 0, phrases)):
        rest = rest[len(found.split()) :]
    return rest


def strip_trailing(words: Sequence[str], phrases: Iterable[str]) -> Words:
    """Drop any of `phrases` from the end, repeatedly."""
    phrases = tuple(phrases)
    rest = list(words)
    while rest:
        found = [p for p in phrases if len(p.split()) <= len(rest) and _ends_with(rest, p)]
        if not found:
            break
        rest = rest[: -max(len(phrase.split()) for phrase in found)]
    return rest


def _ends_with(words: Sequence[str], phrase: str) -> bool:
    return phrase_at(words, len(words) - len(phrase.split()), phrase)


def find_phrase(words: Sequence[str], phrases: Iterable[str], start: int = 0) -> int | None:
    """Index of the first word where one of `phrases` begins, from `start` on."""
    phrases = tuple(phrases)
    for index in range(start, len(words)):
        if longest_phrase_at(words, index, phrases):
            return index
    return None


def split_at_phrase(
    words: Sequence[str], phrases: Iterable[str]
) -> tuple[Words, str, Words] | None:
    """(words before, phrase, words after) around the first of `phrases`, longest there."""
    phrases = tuple(phrases)
    for index in range(len(words)):
        if phrase := longest_phrase_at(words, index, phrases):
            return list(words[:index]), phrase, list(words[index + len(phrase.split()) :])
    return None


def join(words: Sequence[str]) -> str:
    """Words back to text, without punctuation left dangling at either end."""
    return " ".join(words).strip(" ,;:-–").rstrip(".!?").strip()


def last_index(words: Sequence[str], wanted: Iterable[str]) -> int | None:
    """Index of the last word whose key is one of `wanted`."""
    wanted = tuple(wanted)
    found = [index for index, word in enumerate(words) if key(word) in wanted]
    return found[-1] if found else None


def without_possessive(words: Sequence[str]) -> Words:
    """Drop a possessive from the last word: "task 4's" -> "task 4"."""
    if words and key(words[-1]).endswith("'s"):
        return [*words[:-1], words[-1][: words[-1].lower().rindex("'s")]]
    return list(words)


# Past tenses not made by adding "-ed", for "I paid the rent" -> "pay the rent".
IRREGULAR_PAST = {
    "paid": "pay", "bought": "buy", "went": "go", "did": "do", "wrote": "write", "took": "take",
    "sent": "send", "made": "make", "got": "get", "rang": "ring", "met": "meet", "fed": "feed",
    "gave": "give", "brought": "bring", "sold": "sell", "told": "tell", "found": "find",
    "built": "build", "drove": "drive", "swept": "sweep", "threw": "throw", "hung": "hang",
}  # fmt: skip
# "-ed" verbs that do not report a chore as done ("I started the report").
_NOT_DONE_VERBS = {
    "started", "wanted", "needed", "tried", "failed", "forgot", "missed", "skipped",
    "postponed", "delayed", "planned", "hoped", "decided", "added", "created", "moved",
    "renamed", "deleted", "removed", "changed", "updated", "scheduled", "rescheduled",
    "wondered", "used", "liked", "loved", "hated", "noticed",
}  # fmt: skip


def is_past_tense(word: str) -> bool:
    """Whether `word` (a key) is a past tense reporting something done: "called", "paid"."""
    if word in IRREGULAR_PAST:
        return True
    return word.endswith("ed") and len(word) >= 5 and word.isalpha() and word not in _NOT_DONE_VERBS
