"""The canonical AST of formula text. Text cannot say of what type a ``BLANK()`` is, whether
``"won"`` is an option id or text, or whether ``7`` is a user id; the argument's position
says (``{Stage} = "won"``, ``IF(c, {Amount}, BLANK())``). ``canonical`` gives such literals
the type their position expects, and turns ``DATE(2024, 7, 1)`` into a date literal, so
that printing and parsing again gives the same AST (printer.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from brickwork.platform.expression.lists import path_type
from brickwork.platform.expression.nodes import Fn, Lit, Node, Ref, Var
from brickwork.platform.expression.registry import FUNCTIONS
from brickwork.platform.expression.signature import TypeProblem
from brickwork.platform.expression.values import VARS, FieldInfo


def canonical(node: Node, fields: Mapping[str, FieldInfo], expect: str | None = None) -> Node:
    """``expect``: the type the whole formula should have (the formula field's type)."""
    if not isinstance(node, Fn):
        return _typed(_natural(node), expect) if _open(node) else node
    function = FUNCTIONS[node.name]
    results = function.results(len(node.args)) if function.results and expect else []
    args = [_typed(_natural(arg), expect if i in results else None) if _open(arg)
            else canonical(arg, fields, expect if i in results else None) for i, arg in enumerate(node.args)]
    if function.expects is not None:
        types = [None if _flexible(arg) else type_of(arg, fields) for arg in args]
        for i, arg in enumerate(args):
            if i in results:
                continue  # the type the formula expects there decided it (DATEADD(BLANK(), …) as a date and time)
            wanted = function.expects(i, types) if _flexible(arg) else None
            if wanted is not None:
                args[i] = _typed(arg, wanted) if _open(arg) else canonical(arg, fields, wanted)
    args = tuple(args)
    if node.name == "DATE":
        folded = _date_literal(args)
        if folded is not None:
            return folded
    return Fn(node.name, args)


def type_of(node: Node, fields: Mapping[str, FieldInfo]) -> str | None:
    """The node's type, or None if it has none yet (a problem check() reports)."""
    if isinstance(node, Lit):
        return node.type
    if isinstance(node, Ref):
        return path_type(node, fields)
    if isinstance(node, Var):
        return VARS[node.name]
    types = [type_of(arg, fields) for arg in node.args]
    if None in types:
        return None
    try:
        return FUNCTIONS[node.name].result(node.args, types)
    except TypeProblem:
        return None


def _open(node: Node) -> bool:
    """A literal whose type its position may decide."""
    if not isinstance(node, Lit) or node.type == "boolean":
        return False
    if node.value is None or node.type in ("text", "choice", "user", "department"):
        return True
    return node.type == "number" and node.value == node.value.to_integral_value()


def _flexible(node: Node) -> bool:
    """An open literal, or a choice (IF, SWITCH…) among open literals only: its position
    decides its type."""
    if _open(node):
        return True
    if not isinstance(node, Fn):
        return False
    function = FUNCTIONS[node.name]
    return function.results is not None and all(_flexible(node.args[i]) for i in function.results(len(node.args)))


def _natural(lit: Lit) -> Lit:
    """The type the literal's text has without a position: "won" is text, 7 a number."""
    if lit.value is None:
        return Lit(None, "text")
    if lit.type == "choice":
        return Lit(lit.value, "text")
    if lit.type in ("user", "department"):
        return Lit(Decimal(lit.value), "number")
    return lit


def _typed(lit: Lit, wanted: str | None) -> Lit:
    if wanted is None or wanted == lit.type:
        return lit
    if lit.value is None:
        return lit if wanted == "boolean" else Lit(None, wanted)
    if lit.type == "text" and wanted == "choice":
        return Lit(lit.value, "choice")
    if lit.type == "number" and wanted in ("user", "department", "record"):
        return Lit(int(lit.value), wanted)
    return lit


def _date_literal(args: Sequence[Node]) -> Lit | None:
    parts = [arg.value for arg in args if isinstance(arg, Lit) and arg.type == "number" and arg.value is not None]
    if len(parts) != 3 or any(p != p.to_integral_value() or p < 1 for p in parts):
        return None
    try:
        return Lit(date(*(int(p) for p in parts)), "date")
    except (ValueError, OverflowError):
        return None


