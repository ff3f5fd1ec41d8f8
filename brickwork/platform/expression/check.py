"""Type checking against the fields of a form, at save time and again before each run (a
field may have changed type since the expression was saved)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression.limits import problems
from brickwork.platform.expression.lists import AGGREGATES, is_list, outside_message, path_type
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var, has_refs
from brickwork.platform.expression.parse import parse
from brickwork.platform.expression.registry import FUNCTIONS, TypeProblem, type_name
from brickwork.platform.expression.values import VARS, FieldInfo
from brickwork.platform.i18n import _


def check(node: Node, fields: Mapping[str, FieldInfo], *, expect: str | None = None) -> str:
    """The type of the expression's value; raises Invalid naming the JSON path of each problem.
    ``expect="boolean"`` for a condition."""
    errors = problems(node, fields)  # bounded first: nothing below may run away
    if errors:
        raise Invalid(_("The expression is not valid."), errors=errors)
    found = _type_of(node, "$", fields, errors)
    if is_list(found):
        errors.append(FieldError("$", "list_outside_aggregate", outside_message()))
    elif found is not None and expect is not None and found != expect:
        message = (_("This must be a condition (true or false), not a %(found)s value.", found=type_name(found))
                   if expect == "boolean" else
                   _("Expected a %(expected)s value, got a %(found)s value.",
                     expected=type_name(expect), found=type_name(found)))
        errors.append(FieldError("$", "wrong_result", message))
    if errors:
        raise Invalid(_("The expression is not valid."), errors=errors)
    return found


def parse_condition(data: Any, fields: Mapping[str, FieldInfo]) -> Node:
    """Parse and check a stored condition (filter, row scope, visibility) in one step."""
    node = parse(data)
    check(node, fields, expect="boolean")
    return node


def _type_of(node: Node, path: str, fields: Mapping[str, FieldInfo], errors: list[FieldError]) -> str | None:
    """The node's type, or None when a problem below was already reported."""
    if isinstance(node, Lit):
        return node.type
    if isinstance(node, Var):
        return VARS[node.name]
    if isinstance(node, Ref):
        if node.field not in fields:
            errors.append(FieldError(f"{path}.ref", "unknown_field", _(
                "There is no field with id %(id)s.", id=node.field)))
            return None
        return _path_type(node, path, fields, errors) if node.path else fields[node.field].type
    assert isinstance(node, Fn)
    function = FUNCTIONS[node.name]
    types = [_type_of(arg, f"{path}.args[{i}]", fields, errors) for i, arg in enumerate(node.args)]
    if function.sql is None:
        for i, arg in enumerate(node.args):
            if has_refs(arg):
                errors.append(FieldError(f"{path}.args[{i}]", "needs_constant", _(
                    "%(fn)s cannot take a field yet. Shift the other side instead, for example "
                    "{date} >= DATEADD(TODAY(), -7, \"day\").", fn=node.name)))
                return None
    if None in types:
        return None
    if node.name not in AGGREGATES:
        for i, found in enumerate(types):
            if is_list(found):
                errors.append(FieldError(f"{path}.args[{i}]", "list_outside_aggregate", outside_message()))
                return None
    try:
        return function.result(node.args, types)
    except TypeProblem as problem:
        errors.append(FieldError(f"{path}.args[{problem.arg}]", problem.code, problem.message))
        return None


def _path_type(node: Ref, path: str, fields: Mapping[str, FieldInfo], errors: list[FieldError]) -> str | None:
    """``lines.amount``: a list of the child field's values."""
    children = fields[node.field].children
    if children is None:
        errors.append(FieldError(f"{path}.ref", "not_rows", _(
            "Only a sub-form or a relation to many has rows whose fields can be summed up.")))
        return None
    if node.path[0] not in children or children[node.path[0]].type == "rows":
        errors.append(FieldError(f"{path}.path", "unknown_field", _(
            "The rows have no field with id %(id)s.", id=node.path[0])))
        return None
    return path_type(node, fields)
