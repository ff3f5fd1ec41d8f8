"""Numbers from SQL computations into number columns (scaled integers), per dialect.

A formula's number is NUMERIC on PostgreSQL and decimal text on SQLite (the expression
compiler's convention, expression/sqlvalues.py). Stored, it becomes value * 10**scale,
rounded half away from zero exactly as Python's Decimal ROUND_HALF_UP does; a value
beyond BIGINT is BLANK. PostgreSQL's round(numeric) rounds that way; SQLite runs the
registered ``bw_scaled`` / ``bw_ratio`` (expression/sqlite.py), Decimal inside.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

BIGINT = 2**63 - 1


class as_scaled(FunctionElement):  # noqa: N801 - reads like the SQL it stands for
    """A number value as a number column's integer at ``scale``."""

    type = BigInteger()
    inherit_cache = False

    def __init__(self, value: ColumnElement, scale: int) -> None:
        self.scale = scale
        super().__init__(value)


@compiles(as_scaled)
def _as_scaled_sqlite(element, compiler, **kw):
    return "bw_scaled(%s, %d)" % (compiler.process(element.clauses.clauses[0], **kw), element.scale)


@compiles(as_scaled, "postgresql")
def _as_scaled_pg(element, compiler, **kw):
    value = compiler.process(element.clauses.clauses[0], **kw)
    factor = "1" + "0" * element.scale
    return ("(SELECT CASE WHEN abs(bw_q.x) <= %d THEN CAST(bw_q.x AS BIGINT) END "
            "FROM (SELECT round(CAST(%s AS NUMERIC) * %s) AS x) AS bw_q)" % (BIGINT, value, factor))


class ratio_scaled(FunctionElement):  # noqa: N801
    """total / count of a number column's integers (at ``from_scale``) as an integer at
    ``to_scale``: an exact average; BLANK when nothing was counted."""

    type = BigInteger()
    inherit_cache = False

    def __init__(self, total: ColumnElement, count: ColumnElement, from_scale: int, to_scale: int) -> None:
        self.from_scale, self.to_scale = from_scale, to_scale
        super().__init__(total, count)


@compiles(ratio_scaled)
def _ratio_sqlite(element, compiler, **kw):
    total, count = (compiler.process(c, **kw) for c in element.clauses.clauses)
    return "bw_ratio(%s, %s, %d, %d)" % (total, count, element.from_scale, element.to_scale)


@compiles(ratio_scaled, "postgresql")
def _ratio_pg(element, compiler, **kw):
    total, count = (compiler.process(c, **kw) for c in element.clauses.clauses)
    shift = element.to_scale - element.from_scale
    factor = ("1" + "0" * shift) if shift >= 0 else "0." + "0" * (-shift - 1) + "1"
    return "CAST(round(CAST(%s AS NUMERIC) * %s / NULLIF(%s, 0)) AS BIGINT)" % (total, factor, count)


def rescaled(value: ColumnElement, from_scale: int, to_scale: int) -> ColumnElement:
    """A number column's integer at another scale (exact; rounded half away from zero)."""
    if from_scale == to_scale:
        return value
    if to_scale > from_scale:
        return value * literal(10 ** (to_scale - from_scale), BigInteger())
    return ratio_scaled(value, literal(1, BigInteger()), from_scale, to_scale)
