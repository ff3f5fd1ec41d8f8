"""The SQL back end: a condition over a whole table (view filters, row scopes, reports)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.sql.elements import ColumnElement

from brickwork.platform.expression.check import check
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.registry import FUNCTIONS
from brickwork.platform.expression.sqlfuncs import Operand, as_condition
from brickwork.platform.expression.values import VARS, Context, FieldInfo, var_value


def to_sql(node: Node, columns: Mapping[str, ColumnElement], fields: Mapping[str, FieldInfo],
           ctx: Context) -> ColumnElement:
    """A two-valued boolean SQL expression for ``.where()``; ``columns`` maps field id →
    column. Values are bound parameters, never SQL text."""
    check(node, fields, expect="boolean")
    return as_condition(_compile(node, columns, fields, ctx))


def _compile(node: Node, columns: Mapping[str, ColumnElement], fields: Mapping[str, FieldInfo],
             ctx: Context) -> Operand:
    if isinstance(node, Lit):
        return Operand(node.type, value=node.value)
    if isinstance(node, Var):
        return Operand(VARS[node.name], value=var_value(node.name, ctx))
    if isinstance(node, Ref):
        if node.field not in columns:
            raise ValueError(f"no column given for field {node.field!r}")
        info = fields[node.field]
        return Operand(info.type, sql=columns[node.field], scale=info.scale)
    assert isinstance(node, Fn)
    function = FUNCTIONS[node.name]
    args = [_compile(arg, columns, fields, ctx) for arg in node.args]
    types = [arg.type for arg in args]
    if all(arg.known for arg in args):
        # Known before the query (TODAY(), DATEADD(TODAY(), -7, "day"), $me = 3): computed by
        # the Python implementation and bound, so SQL never does date arithmetic and both
        # back ends agree by construction.
        value = function.python([arg.value for arg in args], types, ctx)
        return Operand(function.result(node.args, types), value=value)
    return function.sql(args, ctx)
