"""The Python back end: one record at a time (visibility, validation, flow branches)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickwork.platform.expression.check import check
from brickwork.platform.expression.lists import path_type
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.registry import FUNCTIONS, call
from brickwork.platform.expression.values import ROWS, VARS, Context, FieldInfo, normalise, var_value


def evaluate(node: Node, record: Mapping[str, Any], fields: Mapping[str, FieldInfo], ctx: Context) -> Any:
    """The value of the expression for one record (field id → value; a missing field is
    BLANK). A condition returns True or False, never None."""
    check(node, fields)
    return _eval(node, record, fields, ctx)[0]


def _eval(node: Node, record: Mapping[str, Any], fields: Mapping[str, FieldInfo], ctx: Context) -> tuple[Any, str]:
    if isinstance(node, Lit):
        return node.value, node.type
    if isinstance(node, Ref):
        if node.path or fields[node.field].type == ROWS:
            return _list(node, record, fields)
        type_ = fields[node.field].type
        return normalise(record.get(node.field), type_), type_
    if isinstance(node, Var):
        return var_value(node.name, ctx), VARS[node.name]
    assert isinstance(node, Fn)
    function = FUNCTIONS[node.name]
    pairs = [_eval(arg, record, fields, ctx) for arg in node.args]
    values, types = [v for v, _t in pairs], [t for _v, t in pairs]
    result = function.result(node.args, types)
    return call(function, values, types, result, ctx), result


def _list(node: Ref, record: Mapping[str, Any], fields: Mapping[str, FieldInfo]) -> tuple[list, str]:
    """A sub-form's or relation's value is its rows, each a dict of child field id → value."""
    rows = list(record.get(node.field) or [])
    if not node.path:
        return rows, ROWS
    child = node.path[0]
    type_ = fields[node.field].children[child].type
    return [normalise(row.get(child), type_) for row in rows], path_type(node, fields)
