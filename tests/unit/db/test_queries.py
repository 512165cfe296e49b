"""The SQL loader: the block format, and every way a file can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.db.queries import SQL_DIR, Query, QueryFileError, load_queries, parse_file

TWO_BLOCKS = """\
-- Tasks, as a file comment before the first block.

-- name: get_thing :one
-- params: user_id, thing_id
-- Explains the query; not part of the SQL.
SELECT id, title
FROM things
WHERE user_id = $1 AND id = $2;

-- name: count_things :scalar
-- params: user_id
SELECT count(*) FROM things WHERE user_id = $1;
"""


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def one(text: str) -> Query:
    (query,) = parse_file(text, source="test.sql")
    return query


def test_parses_each_named_block_with_its_kind_params_and_sql() -> None:
    get_thing, count_things = parse_file(TWO_BLOCKS, source="things.sql")
    assert get_thing.name == "get_thing"
    assert get_thing.kind == "one"
    assert get_thing.params == ("user_id", "thing_id")
    assert get_thing.sql == "SELECT id, title\nFROM things\nWHERE user_id = $1 AND id = $2"
    assert get_thing.source == "things.sql:3"
    assert count_things.name == "count_things"
    assert count_things.kind == "scalar"
    assert count_things.params == ("user_id",)
    assert count_things.sql == "SELECT count(*) FROM things WHERE user_id = $1"


@pytest.mark.parametrize("kind", ["one", "many", "scalar", "exec"])
def test_accepts_every_kind(kind: str) -> None:
    assert one(f"-- name: q :{kind}\nSELECT 1").kind == kind


def test_a_block_without_params_takes_no_arguments() -> None:
    query = one("-- name: ping :scalar\nSELECT 1")
    assert query.params == ()
    assert query.arguments({}) == []


def test_placeholders_above_nine_are_read_whole() -> None:
    params = [f"p{i}" for i in range(1, 12)]
    sql = "SELECT " + ", ".join(f"${i}" for i in range(1, 12))
    query = one(f"-- name: wide :one\n-- params: {', '.join(params)}\n{sql}")
    assert query.params == tuple(params)


def test_arguments_are_passed_by_name_in_placeholder_order() -> None:
    query = one("-- name: q :one\n-- params: user_id, task_id\nSELECT $2::int, $1::text")
    assert query.arguments({"task_id": 7, "user_id": "u"}) == ["u", 7]


def test_a_missing_keyword_at_call_time_is_a_type_error() -> None:
    query = one("-- name: q :one\n-- params: user_id, task_id\nSELECT $1::text, $2::int")
    with pytest.raises(TypeError, match=r"q: missing \['task_id'\], unknown \[\]"):
        query.arguments({"user_id": "u"})


def test_an_extra_keyword_at_call_time_is_a_type_error() -> None:
    query = one("-- name: q :one\n-- params: user_id\nSELECT $1::text")
    with pytest.raises(TypeError, match=r"missing \[\], unknown \['task_id'\]"):
        query.arguments({"user_id": "u", "task_id": 7})


async def test_calling_with_wrong_keywords_fails_before_touching_the_connection() -> None:
    query = one("-- name: q :one\n-- params: user_id\nSELECT $1::text")
    with pytest.raises(TypeError):
        await query(None, userid="u")  # None would fail differently if it were used


def test_an_unknown_kind_fails_naming_the_query() -> None:
    with pytest.raises(QueryFileError, match=r"test.sql:1: q has kind :first"):
        one("-- name: q :first\nSELECT 1")


def test_more_params_declared_than_placeholders_used_fails() -> None:
    with pytest.raises(QueryFileError, match=r"declares 2 parameter\(s\).*uses \['\$1'\]"):
        one("-- name: q :one\n-- params: a, b\nSELECT $1::int")


def test_a_placeholder_without_a_declared_param_fails() -> None:
    with pytest.raises(QueryFileError, match=r"declares 1 parameter\(s\).*uses \['\$1', '\$2'\]"):
        one("-- name: q :one\n-- params: a\nSELECT $1::int, $2::int")


def test_placeholders_but_no_params_line_fails() -> None:
    with pytest.raises(QueryFileError, match="declares 0 parameter"):
        one("-- name: q :one\nSELECT $1::int")


def test_a_gap_in_the_placeholders_fails() -> None:
    with pytest.raises(QueryFileError, match="declares 2 parameter"):
        one("-- name: q :one\n-- params: a, b\nSELECT $1::int, $3::int")


def test_a_param_declared_twice_fails() -> None:
    with pytest.raises(QueryFileError, match="declares a parameter twice"):
        one("-- name: q :one\n-- params: a, a\nSELECT $1::int, $2::int")


def test_a_block_without_sql_fails() -> None:
    with pytest.raises(QueryFileError, match="q has no SQL"):
        parse_file("-- name: q :one\n-- params: a\n-- just a comment\n", source="test.sql")


def test_sql_before_the_first_header_fails_with_its_line() -> None:
    with pytest.raises(QueryFileError, match=r"test.sql:2: SQL before the first"):
        parse_file("-- comment\nSELECT 1;\n-- name: q :one\nSELECT 2", source="test.sql")


@pytest.mark.parametrize(
    "header",
    ["-- name: q", "-- name: q one", "-- name: :one", "-- name: q :one extra"],
)
def test_a_malformed_name_header_fails_instead_of_joining_the_previous_block(
    header: str,
) -> None:
    text = f"-- name: first :one\nSELECT 1;\n\n{header}\nSELECT 2;\n"
    with pytest.raises(QueryFileError, match=r"test.sql:4: malformed header"):
        parse_file(text, source="test.sql")


def test_a_duplicate_name_across_files_fails_naming_both(tmp_path: Path) -> None:
    write(tmp_path, "a.sql", "-- name: shared :one\nSELECT 1")
    write(tmp_path, "b.sql", "-- name: other :one\nSELECT 2\n\n-- name: shared :many\nSELECT 3")
    with pytest.raises(QueryFileError, match=r"'shared' is defined in both a.sql:1 and b.sql:4"):
        load_queries(tmp_path)


def test_a_duplicate_name_within_one_file_fails(tmp_path: Path) -> None:
    write(tmp_path, "a.sql", "-- name: q :one\nSELECT 1\n-- name: q :one\nSELECT 2")
    with pytest.raises(QueryFileError, match="'q' is defined in both"):
        load_queries(tmp_path)


def test_loads_every_sql_file_of_a_directory_by_name(tmp_path: Path) -> None:
    write(tmp_path, "a.sql", TWO_BLOCKS)
    write(tmp_path, "b.sql", "-- name: ping :exec\nSELECT 1")
    write(tmp_path, "notes.txt", "-- name: ignored :one\nSELECT 1")
    queries = load_queries(tmp_path)
    assert len(queries) == 3
    assert {query.name for query in queries} == {"get_thing", "count_things", "ping"}
    assert queries.get_thing is queries["get_thing"]
    assert queries.ping.kind == "exec"
    with pytest.raises(AttributeError, match="no query named 'ignored'"):
        _ = queries.ignored


def test_the_real_sql_directory_loads() -> None:
    queries = load_queries()
    names = {query.name for query in queries}
    assert {
        "list_tasks",
        "get_task",
        "create_task",
        "update_task",
        "set_task_completed",
        "delete_task",
    } <= names
    headers = sum(
        line.startswith("-- name:")
        for path in SQL_DIR.glob("*.sql")
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    assert len(queries) == headers
