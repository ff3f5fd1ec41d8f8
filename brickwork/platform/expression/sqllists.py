"""Aggregates in SQL: ``SUM(lines.amount)`` is a correlated scalar sub-query over the live
children, which only the caller can write (it knows the child table and how it links to
the parent). The ``columns`` given to the compiler map a list field to a ``Rows``."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

from brickwork.platform.expression.nodes import Fn, Ref
from brickwork.platform.expression.operand import Operand
from brickwork.platform.expression.registry import FUNCTIONS
from brickwork.platform.expression.values import Context, FieldInfo


class Rows(Protocol):
    """The children of one parent row (correlated to it)."""

    def aggregate(self, how: str, child: str | None) -> ColumnElement:
        """A scalar sub-query: ``how`` is "count", "sum", "min" or "max" over the child
        field ``child``'s column as stored (numbers: value × 10^scale), BLANKs skipped;
        "count" with no child counts the rows. SQL NULL when there are none (count: 0)."""
        ...


def aggregate(node: Fn, rows: Rows, info: FieldInfo, ctx: Context) -> Operand:
    ref = node.args[0]
    assert isinstance(ref, Ref)
    child_id = ref.path[0] if ref.path else None
    if node.name in ("COUNT", "COUNTALL"):
        counted = child_id if node.name == "COUNT" else None
        return Operand("number", sql=rows.aggregate("count", counted))
    child = info.children[child_id]
    if node.name == "SUM":
        return Operand("number", sql=func.coalesce(rows.aggregate("sum", child_id), 0), scale=child.scale)
    if node.name in ("MIN", "MAX"):
        return Operand(child.type, sql=rows.aggregate(node.name.lower(), child_id), scale=child.scale)
    # AVERAGE is the sum over the count, divided exactly as `/` divides (both back ends agree).
    total = Operand("number", sql=rows.aggregate("sum", child_id), scale=child.scale)
    count = Operand("number", sql=rows.aggregate("count", child_id))
    return FUNCTIONS["/"].sql.build("/", [total, count], "number", ctx)
