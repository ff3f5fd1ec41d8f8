"""Compiled arguments of the SQL back end, and the SQL implementation every function of
the formula library shares: a PostgreSQL template (``Formula``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, String, false, literal, true
from sqlalchemy.sql.elements import ColumnElement

from brickwork.platform.expression.sqlvalues import Formula, bound, scaled
from brickwork.platform.expression.values import Context

SQL_TYPES = {"text": String, "choice": String, "date": Date, "datetime": DateTime,
             "boolean": Boolean, "user": BigInteger, "department": BigInteger,
             "record": BigInteger}


@dataclass(frozen=True)
class Operand:
    """A compiled argument: SQL over the record's columns, or a value known before the query."""

    type: str
    sql: ColumnElement | None = None  # None: the value is known (computed in Python)
    value: Any = None
    scale: int = 0  # number columns: the SQL holds value * 10**scale, as the columns do
    condition: bool = False  # sql is already a two-valued condition, not a raw column
    computed: bool = False  # sql is a formula's value (sqlvalues), not a stored column

    @property
    def known(self) -> bool:
        return self.sql is None


def condition(sql: ColumnElement) -> Operand:
    return Operand("boolean", sql=sql, condition=True)


def as_condition(op: Operand) -> ColumnElement:
    if op.known:
        return true() if op.value is True else false()
    if op.condition:
        return op.sql
    return op.sql.is_(true())  # a checkbox column; IS TRUE stays two-valued


def bind(type_: str, value: Any) -> ColumnElement:
    if type_ == "datetime":
        value = value.astimezone(UTC).replace(tzinfo=None)  # stored naive, in UTC
    return literal(value, SQL_TYPES[type_]())


def wire(op: Operand) -> ColumnElement:
    """The operand as a value other SQL functions take (sqlvalues: numbers as numbers, not
    as the column's integers)."""
    if op.known:
        return bound(op.type, op.value)
    if op.type == "boolean":
        return as_condition(op)
    if op.type == "number" and not op.computed:
        return scaled(op.sql, op.scale)
    return op.sql


# A PostgreSQL template with {0}, {1}… for the arguments and {z} for the time zone, or a
# function of the operands giving one (for literal units and patterns).
Template = str | Callable[[list[Operand]], str]


@dataclass(frozen=True)
class Sql:
    """The SQL implementation of a formula function (see sqlvalues.Formula)."""

    pg: Template

    def build(self, name: str, args: list[Operand], result: str, ctx: Context) -> Operand:
        template = self.pg if isinstance(self.pg, str) else self.pg(args)
        if result == "number":
            # The one rounding rule of numeric.num: 10 places, 10^18 and beyond is BLANK.
            # OFFSET 0 keeps the planner from pulling the sub-select up and copying the value
            # into each of its two uses: nested formulas would grow as 2^depth (a backend's
            # memory gone at 60 levels).
            template = ("(SELECT CASE WHEN abs(n.v) < 1e18 THEN n.v END FROM (SELECT round(%s, 10) AS v OFFSET 0) AS n)"
                        % template)
        elif result == "boolean":
            template = "coalesce(%s, false)" % template
        sql = Formula(name, template, [wire(arg) for arg in args], [arg.type for arg in args], result,
                      ctx.zone.key)
        return Operand(result, sql=sql, computed=True, condition=result == "boolean")
