"""What every function entry of the registry is made of: its arity, the rule giving its
result type, and what each argument position expects (so the formula parser can give an
untyped BLANK() or "text" literal the type its position needs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from brickwork.platform.expression.nodes import Lit, Node
from brickwork.platform.i18n import _, ngettext

ResultRule = Callable[[Sequence[Node], Sequence[str]], str]
# The type argument i should have, given the types of all arguments (None where unknown).
Expects = Callable[[int, Sequence[str | None]], str | None]


class TypeProblem(Exception):
    """Raised by a result rule; ``arg`` is the index of the argument at fault."""

    def __init__(self, arg: int, code: str, message: str) -> None:
        super().__init__(message)
        self.arg, self.code, self.message = arg, code, message


@dataclass(frozen=True)
class Function:
    name: str
    arity: tuple[int, int | None]  # least and most arguments; None = no upper limit
    result: ResultRule  # the result type from the argument types; raises TypeProblem
    python: Callable[[list[Any], list[str], Any], Any]
    # The SQL implementation: impl(args, ctx) (sqlfuncs) or an operand.Sql template. None:
    # the function only runs on values known before the query.
    sql: Any
    expects: Expects | None = None
    # The positions whose value the function returns (IF's branches): a formula's expected
    # type reaches literals there.
    results: Callable[[int], list[int]] | None = None


def type_name(type_: str) -> str:
    if type_ == "rows":
        return _("rows")
    if type_.startswith("list:"):
        return _("list of %(type)s", type=type_name(type_[len("list:"):]))
    return {"text": _("text"), "number": _("number"), "boolean": _("true/false"),
            "date": _("date"), "datetime": _("date and time"), "choice": _("choice"),
            "choices": _("multiple choice"), "user": _("user"),
            "department": _("department"), "record": _("record")}.get(type_, type_)


def expected(arg: int, expected: str, found: str) -> TypeProblem:
    return TypeProblem(arg, "type_mismatch", _("Expected a %(expected)s value, got a %(found)s value.",
                                               expected=type_name(expected), found=type_name(found)))


def arity_message(name: str, least: int, most: int | None) -> str:
    if most is None:
        return ngettext("%(fn)s needs at least %(num)s argument.", "%(fn)s needs at least %(num)s arguments.",
                        least, fn=name)
    if least == most:
        return ngettext("%(fn)s needs %(num)s argument.", "%(fn)s needs %(num)s arguments.", least, fn=name)
    if most == least + 1:
        return _("%(fn)s needs %(least)s or %(most)s arguments.", fn=name, least=least, most=most)
    return _("%(fn)s needs %(least)s to %(most)s arguments.", fn=name, least=least, most=most)


# --- signatures --------------------------------------------------------------------------

Param = str | tuple[str, ...]


def _allowed(param: Param) -> tuple[str, ...]:
    return (param,) if isinstance(param, str) else param


def signature(*params: Param, rest: Param | None = None, result: str | int = "number",
              check: Callable[[Sequence[Node], Sequence[str]], None] | None = None) -> dict:
    """``result`` and ``expects`` of a function with fixed parameter types: ``params`` one per
    position (a tuple allows several types), ``rest`` for any further ones; ``result`` a type,
    or the index of the argument whose type the result has."""
    def param(i: int) -> Param | None:
        return params[i] if i < len(params) else rest

    def rule(nodes, types) -> str:
        for i, found in enumerate(types):
            allowed = _allowed(param(i))
            if found not in allowed:
                raise expected(i, allowed[0], found)
        if check is not None:
            check(nodes, types)
        return types[result] if isinstance(result, int) else result

    def expects(i, types) -> str | None:
        found = param(i)
        return None if found is None else _allowed(found)[0]

    found = {"result": rule, "expects": expects}
    if isinstance(result, int):
        found["results"] = lambda n: [result]
    return found


def literal_choice(i: int, options: Sequence[str], code: str = "bad_unit") -> Callable:
    """Argument i must be one of a few text literals (a unit, a pattern)."""
    def check(nodes, types) -> None:
        if i >= len(nodes):
            return
        node = nodes[i]
        if not (isinstance(node, Lit) and node.type == "text" and node.value in options):
            raise TypeProblem(i, code, _("Use one of: %(options)s.", options=", ".join(options)))
    return check


def same_type(groups: Callable[[int], list[list[int]]]) -> Expects:
    """Positions that share a type (both sides of =, the branches of IF): a literal whose
    type is open takes the type of the first other member that has one."""
    def expects(i, types) -> str | None:
        for group in groups(len(types)):
            if i in group:
                return next((types[j] for j in group if j != i and j < len(types) and types[j] is not None), None)
        return None
    return expects
