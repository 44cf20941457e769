"""Cohort store and queries through DuckDB, embedded (in memory, or one DuckDB file under the data dir).

Two ways to ask: SQL (for analysts who know it), or a small filter language for everyone else:

    subtype = 'TNBC' and age >= 50 and 'brain' in sites
    not (urgency = 'routine') or error is not null
    urgency in ('emergency', 'urgent') and 'spinal_cord_compression' in red_flags

The filter is parsed by a real (tiny) grammar, checked against the table's own columns, and
compiled to SQL whose values are all bound parameters: user text never becomes SQL text. After
loading, the connection is closed to the file system (``enable_external_access = false``, locked),
so ``--sql`` can read the cohort and nothing else on the machine.

Grammar::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := column op literal | literal op column
                | literal ["not"] "in" column            -- membership in a list column
                | column ["not"] "in" "(" literal ("," literal)* ")"
                | column "is" ["not"] "null"
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := number | 'text' | "text" | true | false
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mbcnav.analytics.datasets import CSV_TYPES
from mbcnav.errors import MbcnavError


class CohortError(MbcnavError):
    """A cohort file, table or query cannot be used (missing file, unknown column, bad SQL)."""


class FilterError(CohortError):
    """The filter text does not follow the filter language; the message names the token."""


#: CSV columns are typed as `analytics --file` types them (numbers, else text: no BOOLEAN, so yes/no
#: stays yes/no), so one file gives the same values, filters and Cox terms in every command
_CSV_READER = f"read_csv_auto(?, auto_type_candidates = {CSV_TYPES})"
READERS = {
    ".csv": _CSV_READER,
    ".tsv": _CSV_READER,
    ".parquet": "read_parquet(?)",
    ".pq": "read_parquet(?)",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def default_db_path() -> Path:
    """The embedded cohort database: ``$MBCNAV_DATA_DIR/cohorts.duckdb`` (default ./.mbcnav-data)."""
    return Path(os.environ.get("MBCNAV_DATA_DIR", ".mbcnav-data")).resolve() / "cohorts.duckdb"


# ------------------------------------------------------------------------------------ tokenizer


@dataclass(frozen=True)
class Token:
    kind: str  # ident, keyword, op, number, string, lparen, rparen, comma, end
    text: str
    pos: int
    value: Any = None


_KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
  | (?P<op><=|>=|==|!=|<>|=|<|>)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise FilterError(f"unexpected character {text[pos]!r} at position {pos + 1} in the filter")
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "number":
            tokens.append(Token("number", raw, pos, float(raw) if any(c in raw for c in ".eE") else int(raw)))
        elif kind == "string":
            quote = raw[0]
            tokens.append(Token("string", raw, pos, raw[1:-1].replace(quote * 2, quote)))
        elif kind == "word":
            lower = raw.lower()
            if lower in _KEYWORDS:
                tokens.append(Token("keyword", lower, pos))
            else:
                tokens.append(Token("ident", raw, pos))
        elif kind != "ws":
            tokens.append(Token(kind, raw, pos))
        pos = match.end()
    tokens.append(Token("end", "end of filter", len(text)))
    return tokens


# --------------------------------------------------------------------------------------- parser

_OPS = {"=": "=", "==": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Compiled:
    """SQL boolean expression with ``?`` placeholders, and the values to bind to them."""

    sql: str
    params: tuple[Any, ...]


class _Parser:
    def __init__(self, text: str, columns: dict[str, str]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        # column names match case-insensitively, as in SQL; the table's own spelling is kept
        self.columns = {name.lower(): (name, dtype) for name, dtype in columns.items()}

    # token helpers
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def at(self, kind: str, text: str | None = None, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str | None, what: str) -> Token:
        if not self.at(kind, text):
            self.fail(f"expected {what}")
        return self.take()

    def fail(self, message: str, token: Token | None = None) -> None:
        token = token or self.peek()
        where = "at the end" if token.kind == "end" else f"at {token.text!r} (position {token.pos + 1})"
        raise FilterError(f"{message} {where} in the filter")

    # grammar
    def parse(self) -> Compiled:
        if self.at("end"):
            raise FilterError("the filter is empty")
        if self.at("keyword", "true") and self.at("end", None, 1):
            return Compiled("TRUE", ())  # every row
        sql, params = self.expr()
        if not self.at("end"):
            self.fail("expected 'and', 'or' or the end of the filter")
        return Compiled(sql, tuple(params))

    def expr(self) -> tuple[str, list[Any]]:
        sql, params = self.and_expr()
        while self.at("keyword", "or"):
            self.take()
            right, more = self.and_expr()
            sql, params = f"({sql} OR {right})", params + more
        return sql, params

    def and_expr(self) -> tuple[str, list[Any]]:
        sql, params = self.not_expr()
        while self.at("keyword", "and"):
            self.take()
            right, more = self.not_expr()
            sql, params = f"({sql} AND {right})", params + more
        return sql, params

    def not_expr(self) -> tuple[str, list[Any]]:
        if self.at("keyword", "not"):
            self.take()
            sql, params = self.not_expr()
            return f"(NOT {sql})", params
        if self.at("lparen"):
            self.take()
            sql, params = self.expr()
            self.expect("rparen", None, "')'")
            return sql, params
        return self.comparison()

    def literal(self) -> Any:
        token = self.peek()
        if token.kind in {"number", "string"}:
            self.take()
            return token.value
        if token.kind == "keyword" and token.text in {"true", "false"}:
            self.take()
            return token.text == "true"
        if token.kind == "ident":
            self.fail(f"expected a value; text values need quotes, like '{token.text}'")
        self.fail("expected a value (a number, 'text', true or false)")
        return None  # unreachable

    def column(self) -> tuple[str, str]:
        token = self.peek()
        if token.kind != "ident":
            self.fail("expected a column name")
        found = self.columns.get(token.text.lower())
        if found is None:
            known = ", ".join(name for name, _ in self.columns.values())
            raise FilterError(f"unknown column '{token.text}' in the filter; the table has: {known}")
        self.take()
        name, dtype = found
        return '"' + name.replace('"', '""') + '"', dtype

    def comparison(self) -> tuple[str, list[Any]]:
        if self.at("ident"):
            column, dtype = self.column()
            if self.at("keyword", "is"):
                self.take()
                negate = self.at("keyword", "not")
                if negate:
                    self.take()
                self.expect("keyword", "null", "'null'")
                return f"({column} IS {'NOT ' if negate else ''}NULL)", []
            negate = self.at("keyword", "not") and self.at("keyword", "in", 1)
            if negate:
                self.take()
            if self.at("keyword", "in"):
                self.take()
                self.expect("lparen", None, "'(' to start a list of values")
                values = [self.literal()]
                while self.at("comma"):
                    self.take()
                    values.append(self.literal())
                self.expect("rparen", None, "')' to end the list of values")
                for value in values:
                    _check_type(column, dtype, value)
                marks = ", ".join("?" for _ in values)
                return f"({column} {'NOT ' if negate else ''}IN ({marks}))", values
            if not self.at("op"):
                self.fail("expected a comparison (=, !=, <, <=, >, >=, in, is null)")
            op = _OPS[self.take().text]
            value = self.literal()
            _check_type(column, dtype, value)
            return f"({column} {op} ?)", [value]
        # a literal first: "'brain' in sites" or "50 <= age"
        start = self.peek()
        if start.kind in {"end", "rparen", "op", "comma"} or start.text in {"and", "or", "in", "is"}:
            self.fail("expected a condition (column, comparison, value)")
        value = self.literal()
        negate = self.at("keyword", "not") and self.at("keyword", "in", 1)
        if negate:
            self.take()
        if self.at("keyword", "in"):
            self.take()
            column, dtype = self.column()
            return _membership(column, dtype, value, negate), [value]
        if self.at("op"):
            op = _FLIP[_OPS[self.take().text]]
            column, dtype = self.column()
            _check_type(column, dtype, value)
            return f"({column} {op} ?)", [value]
        self.fail(f"expected 'in' or a comparison after the value {start.text}")
        return "", []  # unreachable


_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|REAL|DECIMAL)", re.I)


def _check_type(column: str, dtype: str, value: Any) -> None:
    """Compare like with like, so a typo shows as an error rather than as zero rows."""
    numeric = bool(_NUMERIC.match(dtype))
    if numeric and isinstance(value, str):
        raise FilterError(f"column {column} holds numbers ({dtype}); '{value}' is text")
    if (dtype.upper().startswith("VARCHAR") and not dtype.endswith("[]")) and not isinstance(value, str):
        raise FilterError(f"column {column} holds text; put the value in quotes: '{value}'")
    if dtype.endswith("[]"):
        raise FilterError(
            f"column {column} holds lists; test membership with: 'value' in {column.strip(chr(34))}"
        )


def _membership(column: str, dtype: str, value: Any, negate: bool) -> str:
    if dtype.endswith("[]"):
        test = f"list_contains({column}, ?)"
    elif dtype.upper().startswith("VARCHAR"):
        # a list written in one text cell ("bone;liver", "bone, liver" or "bone|liver")
        test = f"list_contains(regexp_split_to_array({column}, '\\s*[;,|]\\s*'), ?)"
    else:
        raise FilterError(f"'in' needs a list or text column; column {column} is {dtype}")
    return f"(NOT coalesce({test}, false))" if negate else f"coalesce({test}, false)"


def compile_filter(text: str, columns: dict[str, str]) -> Compiled:
    """Parse a filter against the table's columns (name -> DuckDB type) into parameterised SQL."""
    return _Parser(text, columns).parse()


# ---------------------------------------------------------------------------------------- store


class CohortStore:
    """An embedded DuckDB holding cohort tables. ``path=None`` keeps everything in memory."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path) if self.path else ":memory:", read_only=read_only)
        except duckdb.Error as exc:
            raise CohortError(f"cannot open the cohort database {self.path}: {_short(exc)}") from None
        self._sealed = False

    def __enter__(self) -> CohortStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def load(self, source: Path | str, table: str = "cohort") -> int:
        """Create (or replace) ``table`` from a CSV/TSV/Parquet file; returns the row count."""
        if self._sealed:
            raise CohortError("this store is sealed for queries; open a new one to load files")
        source = Path(source)
        if not source.exists():
            raise CohortError(f"file not found: {source}", field="file")
        reader = READERS.get(source.suffix.lower())
        if reader is None:
            raise CohortError(f"{source.name}: use a .csv, .tsv or .parquet file", field="file")
        name = _table_name(table)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {reader}", [str(source)])
        except duckdb.Error as exc:
            raise CohortError(f"{source.name}: cannot be read: {_short(exc)}", field="file") from None
        return self.count(table)

    def load_frame(self, frame: pd.DataFrame, table: str = "cohort") -> int:
        name = _table_name(table)
        self.con.register("_incoming", frame)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")
        finally:
            self.con.unregister("_incoming")
        return self.count(table)

    def seal(self) -> None:
        """Close the connection to the file system, so SQL can read only what was loaded."""
        if not self._sealed:
            self.con.execute("SET enable_external_access = false")
            self.con.execute("SET lock_configuration = true")
            self._sealed = True

    def tables(self) -> list[str]:
        return [row[0] for row in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]

    def columns(self, table: str = "cohort") -> dict[str, str]:
        self._require(table)
        rows = self.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        return {name: dtype for name, dtype in rows}

    def count(self, table: str = "cohort") -> int:
        self._require(table)
        return int(self.con.execute(f"SELECT count(*) FROM {_table_name(table)}").fetchone()[0])  # type: ignore[index]

    def where(
        self,
        filter_text: str,
        table: str = "cohort",
        *,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Rows matching a filter-language expression."""
        if limit is not None and limit < 1:
            raise CohortError(f"--limit must be 1 or more, got {limit}", field="limit")
        known = self.columns(table)
        compiled = compile_filter(filter_text, known)
        select = "*"
        if columns:
            lower = {c.lower(): c for c in known}
            missing = [c for c in columns if c.lower() not in lower]
            if missing:
                raise CohortError(
                    f"unknown column(s) {', '.join(missing)}; the table has: {', '.join(known)}"
                )
            select = ", ".join('"' + lower[c.lower()].replace('"', '""') + '"' for c in columns)
        sql = f"SELECT {select} FROM {_table_name(table)} WHERE {compiled.sql}"
        params = list(compiled.params)
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return self._run(sql, params)

    def sql(self, query: str) -> pd.DataFrame:
        """One SQL statement over the loaded tables (the store is sealed first: no file access)."""
        self.seal()
        try:
            statements = list(duckdb.extract_statements(query)) if query.strip() else []
        except duckdb.Error as exc:
            raise CohortError(f"--sql cannot be parsed: {_short(exc)}", field="sql") from None
        if len(statements) != 1:
            raise CohortError(f"--sql takes exactly one SQL statement, got {len(statements)}", field="sql")
        if statements[0].type != duckdb.StatementType.SELECT:
            raise CohortError("--sql takes a SELECT query (the cohort is read-only here)", field="sql")
        return self._run(query, [])

    def summary(self, table: str = "cohort", top: int = 8) -> dict[str, Any]:
        """Per column: type, missing count, and either numeric range/mean or the most common values."""
        name = _table_name(table)
        total = self.count(table)
        out: dict[str, Any] = {"table": table, "rows": total, "columns": []}
        for column, dtype in self.columns(table).items():
            quoted = '"' + column.replace('"', '""') + '"'
            missing = self.con.execute(f"SELECT count(*) - count({quoted}) FROM {name}").fetchone()[0]  # type: ignore[index]
            entry: dict[str, Any] = {"column": column, "type": dtype, "missing": int(missing)}
            if _NUMERIC.match(dtype):
                lo, hi, mean, median = self.con.execute(
                    f"SELECT min({quoted}), max({quoted}), avg({quoted}), median({quoted}) FROM {name}"
                ).fetchone()  # type: ignore[misc]
                entry.update(min=_num(lo), max=_num(hi), mean=_num(mean), median=_num(median))
            else:
                source = f"unnest({quoted})" if dtype.endswith("[]") else quoted
                rows = self.con.execute(
                    f"SELECT v, count(*) AS n FROM (SELECT CAST({source} AS VARCHAR) AS v FROM {name}) "
                    "WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
                    [top],
                ).fetchall()
                distinct = self.con.execute(
                    f"SELECT count(DISTINCT v) FROM (SELECT CAST({source} AS VARCHAR) AS v FROM {name})"
                ).fetchone()[0]  # type: ignore[index]
                entry.update(distinct=int(distinct), top={str(v): int(n) for v, n in rows})
            out["columns"].append(entry)
        return out

    def _require(self, table: str) -> None:
        if table not in self.tables():
            have = ", ".join(self.tables()) or "none"
            raise CohortError(f"no table '{table}' in the cohort store (tables: {have})", field="table")

    def _run(self, sql: str, params: list[Any]) -> pd.DataFrame:
        try:
            return self.con.execute(sql, params).df()
        except duckdb.Error as exc:
            raise CohortError(f"query failed: {_short(exc)}", field="sql") from None


def _table_name(table: str) -> str:
    if not _IDENT.match(table):
        raise CohortError(f"table name '{table}' must be letters, digits and _ (starting with a letter)")
    return f'"{table}"'


def _num(value: Any) -> float | int | None:
    if value is None:
        return None
    return int(value) if isinstance(value, int) else float(value)


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def open_cohort(file: Path | str, table: str = "cohort") -> CohortStore:
    """A store for one file: a CSV/Parquet loaded into memory, or an existing .duckdb file."""
    path = Path(file)
    if path.suffix.lower() in {".duckdb", ".db"}:
        if not path.exists():
            raise CohortError(f"file not found: {path}", field="file")
        store = CohortStore(path, read_only=True)
        try:
            store._require(table)
        except CohortError:
            store.close()
            raise
        return store
    store = CohortStore(None)
    try:
        store.load(path, table)
    except CohortError:
        store.close()
        raise
    return store


def iter_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Rows as JSON-ready dicts (lists and numpy scalars made plain)."""
    import orjson

    yield from orjson.loads(frame.to_json(orient="records", date_format="iso"))
