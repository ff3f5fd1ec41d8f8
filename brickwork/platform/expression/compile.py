"""The SQL back end: a condition over a whole table (view filters, row scopes, reports), or
a formula's value for each row (lists, reports)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.sql.elements import ColumnElement

from brickwork.platform.expression.check import check
from brickwork.platform.expression.infer import type_of
from brickwork.platform.expression.lists import AGGREGATES, is_list
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.operand import Operand, Sql, as_condition, wire
from brickwork.platform.expression.registry import FUNCTIONS, call
from brickwork.platform.expression.sqllists import aggregate
from brickwork.platform.expression.sqlvalues import Formula, Native
from brickwork.platform.expression.values import VARS, Context, FieldInfo, var_value


def to_sql(node: Node, columns: Mapping[str, ColumnElement], fields: Mapping[str, FieldInfo],
           ctx: Context) -> ColumnElement:
    """A two-valued boolean SQL expression for ``.where()``; ``columns`` maps field id →
    column. Values are bound parameters, never SQL text."""
    check(node, fields, expect="boolean")
    return as_condition(_compile(node, columns, fields, ctx))


def to_sql_value(node: Node, columns: Mapping[str, ColumnElement], fields: Mapping[str, FieldInfo],
                 ctx: Context) -> ColumnElement:
    """The formula's value for each row, to select; ``sqlvalues.read_value(raw, type)`` turns
    what the database returns into what ``evaluate`` returns."""
    type_ = check(node, fields)
    if type_ == "choices":
        raise ValueError("a multiple choice value cannot be selected as a formula")
    return wire(_compile(node, columns, fields, ctx))


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
    if node.name in AGGREGATES and isinstance(node.args[0], Ref) and is_list(type_of(node.args[0], fields)):
        if node.args[0].field not in columns:
            raise ValueError(f"no rows given for field {node.args[0].field!r}")
        return aggregate(node, columns[node.args[0].field], fields[node.args[0].field], ctx)
    function = FUNCTIONS[node.name]
    args = [_compile(arg, columns, fields, ctx) for arg in node.args]
    types = [arg.type for arg in args]
    result = function.result(node.args, types)
    if all(arg.known for arg in args):
        # Known before the query (TODAY(), DATEADD(TODAY(), -7, "day"), $me = 3): computed by
        # the Python implementation and bound, so both back ends agree by construction.
        return Operand(result, value=call(function, [arg.value for arg in args], types, result, ctx))
    if isinstance(function.sql, Sql):
        return function.sql.build(function.name, args, result, ctx)
    op = function.sql(args, ctx)
    if not op.known and any(isinstance(arg.sql, Formula) for arg in args):
        # A condition over a formula's value: SQLite runs it inside the formula (sqlvalues.Native).
        native = Native(function.name, op.sql, [wire(arg) for arg in args], types, result, ctx.zone.key)
        return Operand(op.type, sql=native, scale=op.scale, condition=op.condition, computed=op.computed)
    return op
