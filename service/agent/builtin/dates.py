"""Date and time phrases, resolved against the `today` the agent is given.

Every function here is a pure function of its arguments (no clock is read), so a
phrase always means the same date for the same `today`. Decisions:

* All times are UTC. A date without a time is due at 09:00 ("tomorrow" ->
  tomorrow 09:00); "tonight" is 20:00 today; "morning", "afternoon", "evening" and
  "night" after a date are 09:00, 15:00, 18:00 and 20:00.
* A weekday ("friday", "on fri", "this friday", "next friday") is the first such
  day strictly after today: said on a Friday, "friday" is a week away, because
  someone meaning today says "today". "next" does not skip a further week.
* "next week" is next Monday; "this weekend" is the coming Saturday (today when
  today is already Saturday or Sunday); "in N days/weeks/months" counts from today.
* A month and day without a year ("dec 1", "1st of december") is the next such
  date on or after today.
* Times need "am"/"pm", a colon or "noon": "at 5pm", "5:30 pm", "17:30". A bare
  "at 5" is left in the text, as it may mean 05:00 or 17:00.
* Three-letter weekdays ("fri") count only after "on", "by", "this", "next"...,
  so "buy sun cream" keeps its sun.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from service.agent.builtin.words import Words, key

UTC = dt.UTC
DEFAULT_TIME = dt.time(9, 0)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_WEEKDAYS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3}
_SHORT_WEEKDAYS |= {"fri": 4, "sat": 5, "sun": 6}
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNTS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3}
_PARTS_OF_DAY = {"morning": 9, "afternoon": 15, "evening": 18, "night": 20, "tonight": 20}
_PREPOSITIONS = ("on", "by", "due", "for", "before", "until", "till", "to", "at")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = tuple(calendar.month_abbr)

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.?(?:(\d{4}))?")
_DAY_OF_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_ORDINAL_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)")
_YEAR = re.compile(r"20\d\d")
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm)?")


class Match(NamedTuple):
    """A phrase found at the start of some words: its meaning and its length."""

    day: dt.date
    time: dt.time | None
    length: int


class DateOutOfRange(ValueError):
    """A date phrase ("in 99999999 weeks") naming a day outside years 1..9999."""


def next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The first day strictly after `today` falling on `weekday` (Monday = 0)."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the end of a shorter month."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00:00 UTC of `day`."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 UTC of `day`: within the day whether a bound is inclusive or not."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=UTC)


def end_of_week(today: dt.date) -> dt.date:
    """The Sunday ending the week of `today`."""
    return today + dt.timedelta(days=6 - today.weekday())


def match_date(words: Sequence[str], today: dt.date, *, short_names: bool = False) -> Match | None:
    """A date phrase at the start of `words`; `short_names` allows "fri" and such."""
    k = [key(word) for word in words[:6]] + [""] * 6
    weekdays = {name: number for number, name in enumerate(_WEEKDAYS)}
    if short_names or k[0] in ("this", "next", "coming"):
        weekdays |= _SHORT_WEEKDAYS
    if k[0] == "today":
        return Match(today, None, 1)
    if k[0] == "tonight":
        return Match(today, dt.time(20, 0), 1)
    if k[0] in ("tomorrow", "tmrw", "tmr", "tomorow"):
        return Match(today + dt.timedelta(days=1), None, 1)
    if k[:4] == ["the", "day", "after", "tomorrow"]:
        return Match(today + dt.timedelta(days=2), None, 4)
    if k[:3] == ["day", "after", "tomorrow"]:
        return Match(today + dt.timedelta(days=2), None, 3)
    if k[0] in weekdays:
        return Match(next_weekday(today, weekdays[k[0]]), None, 1)
    if k[0] in ("this", "next", "coming") and k[1] in weekdays:
        return Match(next_weekday(today, weekdays[k[1]]), None, 2)
    if k[:3] == ["this", "coming", k[2]] and k[2] in weekdays:
        return Match(next_weekday(today, weekdays[k[2]]), None, 3)
    if k[:2] == ["next", "week"]:
        return Match(next_weekday(today, 0), None, 2)
    if k[:2] == ["next", "month"]:
        return Match(add_months(today.replace(day=1), 1), None, 2)
    if k[0] in ("this", "the") and k[1] == "weekend":
        saturday = today if today.weekday() >= 5 else next_weekday(today, 5)
        return Match(saturday, None, 2)
    if k[0] == "in":
        return _match_in_some_time(k, today)
    if iso := _ISO_DATE.fullmatch(k[0]):
        day = _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
        return Match(day, None, 1) if day else None
    if numeric := _numeric_date(k[0], today, dotted=short_names):
        return Match(numeric, None, 1)
    return _match_month_and_day(k, today)


def _numeric_date(word: str, today: dt.date, *, dotted: bool) -> dt.date | None:
    """ "12/15", "12/15/2026", "15/12" (no 15th month: day first), "15.12." and
    "15.12.2026" (day first, as where dots are written; after "on", "by", ...).
    Without a year: the next such day on or after today."""
    if slashed := _SLASHED_DATE.fullmatch(word):
        first, second, year = int(slashed[1]), int(slashed[2]), slashed[3]
        month, day = (second, first) if first > 12 else (first, second)
    elif (dotted or (word.count(".") == 2)) and (dots := _DOTTED_DATE.fullmatch(word)):
        day, month, year = int(dots[1]), int(dots[2]), dots[3]
    else:
        return None
    if year:
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        return _safe_date(full_year, month, day)
    return _next_date(month, day, today)


def _match_in_some_time(k: Sequence[str], today: dt.date) -> Match | None:
    """Spans like "in 3 days", "in a week", "in a couple of weeks", "in two months"."""
    position = 2 if k[1] in ("a", "an") and k[2] in ("couple", "few") else 1
    count_word = k[position]
    position += 2 if k[position + 1] == "of" else 1
    unit, length = k[position], position + 1
    try:
        count = int(count_word) if count_word.isdigit() else _COUNTS.get(count_word)
        if count is None:
            return None
        if unit in ("day", "days"):
            return Match(today + dt.timedelta(days=count), None, length)
        if unit in ("week", "weeks"):
            return Match(today + dt.timedelta(weeks=count), None, length)
        if unit in ("month", "months"):
            return Match(add_months(today, count), None, length)
    except (OverflowError, ValueError):
        raise DateOutOfRange(count_word) from None
    return None


def _match_month_and_day(k: Sequence[str], today: dt.date) -> Match | None:
    """Dates like "dec 1", "december 1st 2026", "1 dec", "the 1st of december", "the 5th"."""
    skip = 1 if k[0] == "the" else 0
    first, second, third = k[skip], k[skip + 1], k[skip + 2]
    if first in _MONTHS and (day := _DAY_OF_MONTH.fullmatch(second)):
        month, day_number, length = _MONTHS[first], int(day[1]), skip + 2
    elif (day := _DAY_OF_MONTH.fullmatch(first)) and second in _MONTHS:
        month, day_number, length = _MONTHS[second], int(day[1]), skip + 2
    elif (day := _DAY_OF_MONTH.fullmatch(first)) and second == "of" and third in _MONTHS:
        month, day_number, length = _MONTHS[third], int(day[1]), skip + 3
    elif skip and (day := _ORDINAL_DAY.fullmatch(first)):
        return _next_day_of_month(int(day[1]), today)
    else:
        return None
    if _YEAR.fullmatch(k[length]):
        found = _safe_date(int(k[length]), month, day_number)
        return Match(found, None, length + 1) if found else None
    found = _next_date(month, day_number, today)
    return Match(found, None, length) if found else None


def _next_date(month: int, day: int, today: dt.date) -> dt.date | None:
    """The next `month`/`day` on or after today (this year's, else next year's)."""
    found = _safe_date(today.year, month, day)
    if found and found < today:
        found = _safe_date(today.year + 1, month, day)
    return found


def _next_day_of_month(day_number: int, today: dt.date) -> Match | None:
    """Day-only dates like "the 5th": the next 5th on or after today, in a long enough month."""
    for months_ahead in range(13):
        month_start = add_months(today.replace(day=1), months_ahead)
        found = _safe_date(month_start.year, month_start.month, day_number)
        if found and found >= today:
            return Match(found, None, 2)
    return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def match_time(words: Sequence[str]) -> tuple[dt.time, int] | None:
    """A time at the start of `words`: "at 5pm", "5 pm", "at 17:30", "noon"."""
    k = [key(word) for word in words[:4]] + ["", "", ""]
    skipped = 1 if k[0] in ("at", "by", "around") else 0
    first, second = k[skipped], k[skipped + 1]
    if first in ("noon", "midday"):
        return dt.time(12, 0), skipped + 1
    if k[:2] == ["in", "the"] and k[2] in _PARTS_OF_DAY:
        return dt.time(_PARTS_OF_DAY[k[2]], 0), 3
    clock = _CLOCK.fullmatch(first)
    if not clock:
        return None
    length = skipped + 1
    meridiem = clock[3]
    if not meridiem and second in ("am", "pm"):
        meridiem, length = second, length + 1
    if not meridiem and not clock[2]:
        return None
    hour, minute = int(clock[1]), int(clock[2] or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute), length


def _match_part_of_day(words: Sequence[str]) -> tuple[dt.time, int] | None:
    word = key(words[0]) if words else ""
    return (dt.time(_PARTS_OF_DAY[word], 0), 1) if word in _PARTS_OF_DAY else None


def find_due(words: Sequence[str], today: dt.date) -> tuple[dt.datetime | None, Words]:
    """The first date and/or time in `words`, and the words without that phrase.

    A preposition just before the phrase ("on friday", "due by dec 1") goes with
    it. A time alone ("at 5pm") is today at that time.
    """
    for start in range(len(words)):
        after_prepositions = start
        while after_prepositions - start < 2 and key(words[after_prepositions]) in _PREPOSITIONS:
            after_prepositions += 1
            if after_prepositions == len(words):
                break
        rest = words[after_prepositions:]
        preceded = after_prepositions > start
        if date := match_date(rest, today, short_names=preceded):
            day, time, end = date.day, date.time, date.length
            if time is None and (found := match_time(rest[end:]) or _match_part_of_day(rest[end:])):
                time, end = found[0], end + found[1]
        elif clock := match_time(rest):
            time, end = clock
            later = rest[end:]
            if key(later[0] if later else "") in ("on", "by"):
                later, end = later[1:], end + 1
            date = match_date(later, today, short_names=True)
            day, end = (date.day, end + date.length) if date else (today, end)
        else:
            continue
        due = dt.datetime.combine(day, time or DEFAULT_TIME, tzinfo=UTC)
        return due, [*words[:start], *rest[end:]]
    return None, list(words)


def describe_day(day: dt.date, today: dt.date) -> str:
    """A day as "Fri 27 Nov", with the year when it is not this year's."""
    text = f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month]}"
    return text if day.year == today.year else f"{text} {day.year}"


def describe_due(due_at: dt.datetime, today: dt.date) -> str:
    """A due date for a reply: "Fri 27 Nov", plus " at 17:30" unless it is 09:00.

    Told in the zone `due_at` carries: the user's, for what they just said.
    """
    text = describe_day(due_at.date(), today)
    return text if due_at.time() == DEFAULT_TIME else f"{text} at {due_at:%H:%M}"
