"""The SQL loader: named, hand-written queries from `sql/*.sql`.

Each query is a block headed by a name, a result kind and its parameters:

    -- name: get_task :one
    -- params: user_id, task_id
    SELECT ... WHERE user_id = $1 AND id = $2;

Parameters use PostgreSQL's native `$n` placeholders (so the text is exactly
what the server prepares) and are declared by name, in `$n` order, so callers
pass them by keyword. Every file is parsed once at start; a duplicate name, an
unknown kind or a `$n` that does not match the declared names fails loudly then,
not at the first request that happens to use the query.

Kinds: `:one` (a row or None), `:many` (a list of rows), `:scalar` (the first
column of the first row), `:exec` (the status string, e.g. "DELETE 1").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"

Kind = Literal["one", "many", "scalar", "exec"]
KINDS: tuple[Kind, ...] = ("one", "many", "scalar", "exec")

_HEADER = re.compile(r"^--\s*name:\s*(?P<name>\w+)\s*:(?P<kind>\w+)\s*$")
# A line that means to be a header, so a typo in one fails instead of silently
# gluing the next query onto the previous one.
_NAME_LINE = re.compile(r"^--\s*name:")
_PARAMS = re.compile(r"^--\s*params:\s*(?P<params>.*)$")
# A placeholder outside string literals; the SQL files keep `$n` out of literals.
_PLACEHOLDER = re.compile(r"\$(\d+)")
# A name the deployment chooses (a table of another product), filled in by
# `Queries.bind` with a quoted identifier: `{{session_table}}`.
_IDENTIFIER_SLOT = re.compile(r"\{\{(\w+)\}\}")


class QueryFileError(ValueError):
    """A `.sql` file does not follow the block format."""


@dataclass(frozen=True, slots=True)
class Query:
    """One named statement, callable with its parameters by keyword."""

    name: str
    kind: Kind
    params: tuple[str, ...]
    sql: str
    source: str

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        """Positional arguments in `$n` order; unknown or missing names are bugs."""
        if values.keys() != set(self.params):
            missing = sorted(set(self.params) - values.keys())
            unknown = sorted(values.keys() - set(self.params))
            raise TypeError(f"{self.name}: missing {missing}, unknown {unknown}")
        return [values[name] for name in self.params]

    async def __call__(self, conn: Any, /, **values: Any) -> Any:
        """Run the query on an asyncpg connection (or pool)."""
        args = self.arguments(values)
        if self.kind == "one":
            return await conn.fetchrow(self.sql, *args)
        if self.kind == "many":
            return await conn.fetch(self.sql, *args)
        if self.kind == "scalar":
            return await conn.fetchval(self.sql, *args)
        return await conn.execute(self.sql, *args)


class Queries:
    """All named queries; `queries.get_task(conn, user_id=..., task_id=...)`."""

    def __init__(self, queries: dict[str, Query]) -> None:
        self._queries = queries

    def __getattr__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in {SQL_DIR}") from None

    def __getitem__(self, name: str) -> Query:
        return self._queries[name]

    def variant(self, name: str, key: str, fill: Callable[[str], str]) -> Query:
        """Query `name` as a template made concrete by `fill`, kept as `name__key`.

        For statements whose shape (an ORDER BY, a partial-index predicate)
        must differ per case so each gets its own plan; made on first use.
        """
        full_name = f"{name}__{key}"
        found = self._queries.get(full_name)
        if found is None:
            template = self._queries[name]
            found = Query(
                full_name, template.kind, template.params, fill(template.sql), template.source
            )
            self._queries[full_name] = found
        return found

    def bind(self, identifiers: dict[str, str]) -> Queries:
        """The queries with every `{{name}}` slot filled by `identifiers[name]`,
        double-quoted. The names must be plain (letters, digits, _), which the
        settings guarantee; a slot left without a name is an error."""
        for value in identifiers.values():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", value):
                raise QueryFileError(f"not a plain identifier: {value!r}")

        def fill(query: Query) -> Query:
            def quoted(slot: re.Match[str]) -> str:
                if slot[1] not in identifiers:
                    raise QueryFileError(f"{query.source}: no value for {{{{{slot[1]}}}}}")
                return f'"{identifiers[slot[1]]}"'

            sql = _IDENTIFIER_SLOT.sub(quoted, query.sql)
            return Query(query.name, query.kind, query.params, sql, query.source)

        return Queries({name: fill(query) for name, query in self._queries.items()})

    def __iter__(self) -> Any:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)


def load_queries(directory: Path = SQL_DIR) -> Queries:
    """Parse every `*.sql` file of `directory`; raise on any malformed block."""
    queries: dict[str, Query] = {}
    for path in sorted(directory.glob("*.sql")):
        for query in parse_file(path.read_text(encoding="utf-8"), source=path.name):
            if query.name in queries:
                raise QueryFileError(
                    f"query {query.name!r} is defined in both "
                    f"{queries[query.name].source} and {query.source}"
                )
            queries[query.name] = query
    return Queries(queries)


def parse_file(text: str, *, source: str) -> list[Query]:
    """Split one file into its named blocks and check each."""
    blocks: list[tuple[str, str, int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line.strip())
        if header:
            blocks.append((header["name"], header["kind"], number, []))
        elif _NAME_LINE.match(line.strip()):
            raise QueryFileError(
                f"{source}:{number}: malformed header {line.strip()!r}; "
                "expected '-- name: <name> :<kind>'"
            )
        elif blocks:
            blocks[-1][3].append(line)
        elif line.strip() and not line.strip().startswith("--"):
            raise QueryFileError(f"{source}:{number}: SQL before the first '-- name:' header")
    return [_build(name, kind, lines, f"{source}:{line}") for name, kind, line, lines in blocks]


def _build(name: str, kind: Any, lines: list[str], source: str) -> Query:
    if kind not in KINDS:
        raise QueryFileError(f"{source}: {name} has kind :{kind}; expected one of {KINDS}")
    params: tuple[str, ...] = ()
    body: list[str] = []
    for line in lines:
        declared = _PARAMS.match(line.strip())
        if declared and not body:
            params = tuple(p.strip() for p in declared["params"].split(",") if p.strip())
        elif line.strip().startswith("--") and not body:
            continue  # a comment explaining the query
        else:
            body.append(line)
    sql = "\n".join(body).strip().rstrip(";").strip()
    if not sql:
        raise QueryFileError(f"{source}: {name} has no SQL")
    if len(set(params)) != len(params):
        raise QueryFileError(f"{source}: {name} declares a parameter twice: {params}")
    used = {int(n) for n in _PLACEHOLDER.findall(sql)}
    expected = set(range(1, len(params) + 1))
    if used != expected:
        raise QueryFileError(
            f"{source}: {name} declares {len(params)} parameter(s) {params} "
            f"but its SQL uses {sorted(f'${n}' for n in used) or 'none'}"
        )
    return Query(name=name, kind=kind, params=params, sql=sql, source=source)
