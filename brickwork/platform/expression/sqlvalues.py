"""Values in SQL (formulas, not only conditions): how each type travels between SQL
functions, and ``Formula``, the one element every computed function compiles to.

- PostgreSQL: the function's own SQL, written per function (``lib_*.py``) on NUMERIC,
  TEXT, DATE, TIMESTAMP (naive UTC) and BOOLEAN. An argument used more than once is
  bound once in a sub-select, so nested formulas do not grow exponentially.
- SQLite has no decimal type, no time zones and ASCII-only case mapping, so each function
  runs as the registered ``bw_fn`` (sqlite.py), which calls the very Python implementation
  the evaluator uses. Values cross as text: numbers as decimal strings, dates ISO, date and
  time as SQLAlchemy stores them.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Numeric, String, false, literal, null, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from brickwork.platform.expression.numeric import tidy

PG_TYPES = {"number": "NUMERIC", "text": "TEXT", "choice": "TEXT", "date": "DATE", "datetime": "TIMESTAMP",
            "boolean": "BOOLEAN", "user": "BIGINT", "department": "BIGINT", "record": "BIGINT"}
SA_TYPES = {"number": Numeric, "text": String, "choice": String, "date": Date, "datetime": DateTime,
            "boolean": Boolean, "user": BigInteger, "department": BigInteger, "record": BigInteger}


class typed(FunctionElement):  # noqa: N801 - reads like the SQL it stands for
    """A bound value with its SQL type (PostgreSQL cannot guess the type of a parameter
    inside a sub-select); SQLite takes the value as it is."""

    inherit_cache = False

    def __init__(self, value: ColumnElement, kind: str) -> None:
        self.kind = kind
        super().__init__(value)


@compiles(typed)
def _typed_sqlite(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(typed, "postgresql")
def _typed_pg(element, compiler, **kw):
    return "CAST(%s AS %s)" % (compiler.process(element.clauses.clauses[0], **kw), PG_TYPES[element.kind])


class scaled(FunctionElement):  # noqa: N801
    """A number column (integers, value * 10**scale) as a number value."""

    inherit_cache = False

    def __init__(self, column: ColumnElement, scale: int) -> None:
        self.scale = scale
        super().__init__(column)


@compiles(scaled)
def _scaled_sqlite(element, compiler, **kw):
    return "bw_num(%s, %d)" % (compiler.process(element.clauses.clauses[0], **kw), element.scale)


@compiles(scaled, "postgresql")
def _scaled_pg(element, compiler, **kw):
    column = "CAST(%s AS NUMERIC)" % compiler.process(element.clauses.clauses[0], **kw)
    return f"({column} * 1e-{element.scale})" if element.scale else column


class Formula(FunctionElement):
    """A function of the language over SQL values. ``pg`` is the PostgreSQL text with
    ``{0}``, ``{1}``… for the arguments and ``{z}`` for the app time zone."""

    inherit_cache = False

    def __init__(self, name: str, pg: str, args: Sequence[ColumnElement], types: Sequence[str],
                 result: str, zone: str) -> None:
        self.name, self.pg, self.types, self.result = name, pg, list(types), result
        # Numbers come back as NUMERIC (PostgreSQL) or decimal text (SQLite): never through a float.
        self.type = String() if result == "number" else SA_TYPES.get(result, String)()
        super().__init__(*args, literal(zone, String()))


class Native(Formula):
    """A condition the language builds from SQL of its own (``=``, AND, ISBLANK, CONTAINS…)
    over a formula's value. PostgreSQL and a SQLite condition at the top run ``native``; inside
    a formula, SQLite runs the function's Python, like the rest of the formula (below)."""

    inherit_cache = False

    def __init__(self, name: str, native: ColumnElement, args: Sequence[ColumnElement], types: Sequence[str],
                 result: str, zone: str) -> None:
        self.native = native
        super().__init__(name, "", args, types, result, zone)
        self.type = native.type


@compiles(Formula)
def _formula_sqlite(element, compiler, **kw):
    # One bw_tree call for the whole formula, not one call per function nested in another:
    # SQLite's parser stack holds only about 18 nested calls (docs/expressions.md#limits).
    if isinstance(element, Native):
        return compiler.process(element.native, **kw)
    leaves: list[str] = []
    spec = _tree(element, leaves, compiler, kw)
    zone = compiler.process(element.clauses.clauses[-1], **kw)
    spec_sql = compiler.process(literal(json.dumps(spec, separators=(",", ":")), String()), **kw)
    return "bw_tree(%s)" % ", ".join([*leaves, spec_sql, zone])


# SQLite takes at most 127 arguments in one call; the checker allows 100 per function.
MAX_LEAVES = 120


def _tree(element: Formula, leaves: list[str], compiler, kw) -> dict:
    """The function tree as sqlite.bw_tree runs it; any argument that is no formula is a leaf,
    and so is a formula that would bring the call over MAX_LEAVES (then its own bw_tree)."""
    args = []
    for arg in element.clauses.clauses[:len(element.types)]:
        start = len(leaves)
        if isinstance(arg, Formula):
            spec = _tree(arg, leaves, compiler, kw)
            if len(leaves) <= MAX_LEAVES:
                args.append(spec)
                continue
            del leaves[start:]
        leaves.append(compiler.process(arg, **kw))
        args.append(start)
    return {"fn": element.name, "types": element.types, "result": element.result, "args": args}


@compiles(Formula, "postgresql")
def _formula_pg(element, compiler, **kw):
    if isinstance(element, Native):
        return compiler.process(element.native, **kw)
    *args, zone = [compiler.process(arg, **kw) for arg in element.clauses.clauses]
    pg = element.pg
    if compiler.dialect.paramstyle in ("format", "pyformat"):
        pg = pg.replace("%", "%%")  # a literal % (TEXT(x, "0%")) next to %(name)s parameters
    used = [int(field) for _text, field, _spec, _conv in string.Formatter().parse(pg) if field and field.isdigit()]
    if len(used) == len(set(used)):
        # Each argument in parentheses: `a IS true` inside `{0} IS NOT DISTINCT FROM {1}`.
        return "(%s)" % pg.format(*("(%s)" % arg for arg in args), z=zone)
    # An argument used twice: evaluate each argument once, in a sub-select.
    names = [f"bw.a{i}" for i in range(len(args))]
    columns = ", ".join(f"{arg} AS a{i}" for i, arg in enumerate(args)) or "1 AS a"
    # OFFSET 0: not pulled up by the planner, so each argument really is computed once.
    return "(SELECT %s FROM (SELECT %s OFFSET 0) AS bw)" % (pg.format(*names, z=zone), columns)


def bound(type_: str, value: Any) -> ColumnElement:
    """A value known before the query, as a typed SQL value."""
    if type_ == "boolean":
        return true() if value is True else false()
    if value is None:
        return typed(null(), type_)
    if type_ == "number":
        return typed(literal(format(value, "f"), String()), type_)  # never through a binary float
    if type_ == "datetime":
        value = value.astimezone(UTC).replace(tzinfo=None)
    return typed(literal(value, SA_TYPES[type_]()), type_)


def read_value(raw: Any, type_: str) -> Any:
    """A value selected from SQL as the Python evaluator returns it."""
    if type_ == "boolean":
        return bool(raw)
    if raw is None or raw == "":
        return None
    if type_ == "number":
        return tidy(Decimal(str(raw)))
    if type_ == "date":
        return raw if isinstance(raw, date) else date.fromisoformat(raw)
    if type_ == "datetime":
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(raw)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if type_ in ("user", "department", "record"):
        return int(raw)
    return raw
