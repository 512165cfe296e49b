"""Date and time phrases of the built-in agent, against a fixed today."""

from __future__ import annotations

import datetime as dt

import pytest

from service.agent.builtin.dates import (
    add_months,
    describe_due,
    find_due,
    match_time,
    next_weekday,
)
from service.agent.builtin.words import tokenize

WEDNESDAY = dt.date(2026, 11, 25)


def due_of(phrase: str, today: dt.date = WEDNESDAY) -> dt.datetime | None:
    return find_due(tokenize(phrase), today)[0]


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("today", at(2026, 11, 25)),
        ("tonight", at(2026, 11, 25, 20)),
        ("tomorrow", at(2026, 11, 26)),
        ("the day after tomorrow", at(2026, 11, 27)),
        ("friday", at(2026, 11, 27)),
        ("on Friday", at(2026, 11, 27)),
        ("by fri", at(2026, 11, 27)),
        ("next monday", at(2026, 11, 30)),
        ("this coming sunday", at(2026, 11, 29)),
        ("next week", at(2026, 11, 30)),
        ("next month", at(2026, 12, 1)),
        ("this weekend", at(2026, 11, 28)),
        ("in 3 days", at(2026, 11, 28)),
        ("in three days", at(2026, 11, 28)),
        ("in a week", at(2026, 12, 2)),
        ("in 2 weeks", at(2026, 12, 9)),
        ("in a couple of days", at(2026, 11, 27)),
        ("in a month", at(2026, 12, 25)),
        ("2026-12-01", at(2026, 12, 1)),
        ("dec 1", at(2026, 12, 1)),
        ("December 1st", at(2026, 12, 1)),
        ("1 december", at(2026, 12, 1)),
        ("the 1st of december", at(2026, 12, 1)),
        ("the 30th", at(2026, 11, 30)),
        ("dec 1 2027", at(2027, 12, 1)),
        ("tomorrow at 5pm", at(2026, 11, 26, 17)),
        ("tomorrow at 5 pm", at(2026, 11, 26, 17)),
        ("friday at 17:30", at(2026, 11, 27, 17, 30)),
        ("at 9:15am on monday", at(2026, 11, 30, 9, 15)),
        ("tomorrow morning", at(2026, 11, 26, 9)),
        ("friday evening", at(2026, 11, 27, 18)),
        ("at noon", at(2026, 11, 25, 12)),
        ("at 12am tomorrow", at(2026, 11, 26, 0)),
    ],
)
def test_date_phrase_resolves_against_today(phrase: str, expected: dt.datetime) -> None:
    assert due_of(phrase) == expected


def test_a_date_without_a_time_is_due_at_nine_utc() -> None:
    due = due_of("tomorrow")
    assert due is not None
    assert (due.time(), due.utcoffset()) == (dt.time(9, 0), dt.timedelta(0))


def test_a_time_alone_is_today_at_that_time() -> None:
    assert due_of("at 5pm") == at(2026, 11, 25, 17)


def test_a_weekday_named_on_that_same_weekday_is_a_week_away() -> None:
    assert due_of("wednesday") == at(2026, 12, 2)
    assert due_of("next wednesday") == at(2026, 12, 2)


@pytest.mark.parametrize("weekday", range(7))
def test_next_weekday_is_strictly_after_today_and_within_a_week(weekday: int) -> None:
    found = next_weekday(WEDNESDAY, weekday)
    assert found.weekday() == weekday
    assert 1 <= (found - WEDNESDAY).days <= 7


def test_this_weekend_said_on_a_sunday_is_today() -> None:
    assert due_of("this weekend", dt.date(2026, 11, 29)) == at(2026, 11, 29)


def test_a_month_and_day_already_past_this_year_is_next_year() -> None:
    assert due_of("nov 1") == at(2027, 11, 1)


def test_in_a_month_is_clamped_to_the_end_of_a_shorter_month() -> None:
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)


def test_an_impossible_date_is_not_a_date() -> None:
    assert due_of("feb 30") is None


@pytest.mark.parametrize("phrase", ["at 5", "buy 5 apples", "buy sun cream", "may I", "at 25:00"])
def test_words_that_only_look_like_dates_or_times_are_left_alone(phrase: str) -> None:
    assert find_due(tokenize(phrase), WEDNESDAY) == (None, tokenize(phrase))


def test_the_date_phrase_and_its_preposition_are_cut_from_the_words() -> None:
    assert find_due(tokenize("pay rent due on friday please"), WEDNESDAY) == (
        at(2026, 11, 27),
        ["pay", "rent", "please"],
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["5pm"], (dt.time(17, 0), 1)),
        (["at", "12pm"], (dt.time(12, 0), 2)),
        (["at", "7", "am"], (dt.time(7, 0), 3)),
        (["17:05"], (dt.time(17, 5), 1)),
        (["13pm"], None),
        (["7"], None),
    ],
)
def test_times_need_am_pm_a_colon_or_noon(
    words: list[str], expected: tuple[dt.time, int] | None
) -> None:
    assert match_time(words) == expected


def test_due_dates_are_described_briefly_with_time_and_year_only_when_needed() -> None:
    assert describe_due(at(2026, 11, 27), WEDNESDAY) == "Fri 27 Nov"
    assert describe_due(at(2026, 11, 27, 17, 30), WEDNESDAY) == "Fri 27 Nov at 17:30"
    assert describe_due(at(2027, 1, 4), WEDNESDAY) == "Mon 4 Jan 2027"
