"""The one registry of functions. Every entry has the same shape: name, arity, result type
rule, Python implementation, SQL implementation (as Baserow's formula function_defs do).
Adding a function (the formula issue: arithmetic, text, more dates) is adding an entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from brickwork.platform.expression import pyfuncs as py
from brickwork.platform.expression import sqlfuncs as sql
from brickwork.platform.expression.nodes import Lit, Node
from brickwork.platform.expression.values import DATE_UNITS, START_UNITS, Context
from brickwork.platform.i18n import _

SqlImpl = Callable[[list[sql.Operand], Context], sql.Operand]
ResultRule = Callable[[Sequence[Node], Sequence[str]], str]


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
    python: py.Impl
    # None: the function only runs on values known before the query (TODAY(), DATEADD of a
    # constant date). The SQL back end computes it in Python and binds the result, and
    # check() refuses a field in its arguments.
    sql: SqlImpl | None


def type_name(type_: str) -> str:
    return {"text": _("text"), "number": _("number"), "boolean": _("true/false"),
            "date": _("date"), "datetime": _("date and time"), "choice": _("choice"),
            "choices": _("multiple choice"), "user": _("user"),
            "department": _("department")}.get(type_, type_)


def _expected(arg: int, expected: str, found: str) -> TypeProblem:
    return TypeProblem(arg, "type_mismatch", _("Expected a %(expected)s value, got a %(found)s value.",
                                               expected=type_name(expected), found=type_name(found)))


# --- result rules ------------------------------------------------------------------------

EQUATABLE = ("text", "number", "boolean", "date", "datetime", "choice", "user", "department")
ORDERED = ("text", "number", "date", "datetime")


def comparable(a: str, b: str) -> bool:
    return a == b or {a, b} == {"date", "datetime"}  # a date is 00:00 app time of that day


def _comparison(kinds: tuple[str, ...]) -> ResultRule:
    def result(nodes, types) -> str:
        if types[0] == "choices":
            raise TypeProblem(0, "type_mismatch", _("Multiple choice values cannot be compared; use HAS or ISBLANK."))
        if types[0] not in kinds:
            raise TypeProblem(0, "type_mismatch", _("A %(type)s value cannot be compared this way.",
                                                    type=type_name(types[0])))
        if not comparable(types[0], types[1]):
            raise _expected(1, types[0], types[1])
        return "boolean"
    return result


def _conditions(nodes, types) -> str:
    for i, found in enumerate(types):
        if found != "boolean":
            raise _expected(i, "boolean", found)
    return "boolean"


def _in(nodes, types) -> str:
    _comparison(EQUATABLE)(nodes, types[:2])
    for i, found in enumerate(types[2:], start=2):
        if not comparable(types[0], found):
            raise _expected(i, types[0], found)
    return "boolean"


def _boolean(nodes, types) -> str:
    return "boolean"


def _texts(nodes, types) -> str:
    for i, found in enumerate(types):
        if found != "text":
            raise _expected(i, "text", found)
    return "boolean"


def _has(nodes, types) -> str:
    if types[0] != "choices":
        raise _expected(0, "choices", types[0])
    if types[1] != "choice":
        raise _expected(1, "choice", types[1])
    return "boolean"


def _fixed(type_: str) -> ResultRule:
    return lambda nodes, types: type_


def _a_date(types) -> str:
    if types[0] not in ("date", "datetime"):
        raise _expected(0, "date", types[0])
    return types[0]


def _unit(nodes, i: int, units: tuple[str, ...]) -> None:
    node = nodes[i]
    if not (isinstance(node, Lit) and node.type == "text" and node.value in units):
        raise TypeProblem(i, "bad_unit", _("The unit must be one of: %(units)s.", units=", ".join(units)))


def _dateadd(nodes, types) -> str:
    if types[1] != "number":
        raise _expected(1, "number", types[1])
    n = nodes[1]
    if isinstance(n, Lit) and isinstance(n.value, Decimal) and n.value != n.value.to_integral_value():
        raise TypeProblem(1, "not_whole", _("Give a whole number."))
    _unit(nodes, 2, DATE_UNITS)
    return _a_date(types)


def _startof(nodes, types) -> str:
    _unit(nodes, 1, START_UNITS)
    return _a_date(types)


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("=", (2, 2), _comparison(EQUATABLE), py.eq, sql.comparison("=")),
    Function("<>", (2, 2), _comparison(EQUATABLE), py.ne, sql.comparison("<>")),
    Function("<", (2, 2), _comparison(ORDERED), py.lt, sql.comparison("<")),
    Function("<=", (2, 2), _comparison(ORDERED), py.le, sql.comparison("<=")),
    Function(">", (2, 2), _comparison(ORDERED), py.gt, sql.comparison(">")),
    Function(">=", (2, 2), _comparison(ORDERED), py.ge, sql.comparison(">=")),
    Function("AND", (1, None), _conditions, py.and_, sql.and_impl),
    Function("OR", (1, None), _conditions, py.or_, sql.or_impl),
    Function("NOT", (1, 1), _conditions, py.not_, sql.not_impl),
    Function("IN", (2, None), _in, py.in_, sql.in_impl),
    Function("ISBLANK", (1, 1), _boolean, py.isblank, sql.isblank_impl),
    Function("CONTAINS", (2, 2), _texts, py.contains, sql.contains_impl),
    Function("STARTSWITH", (2, 2), _texts, py.startswith, sql.startswith_impl),
    Function("HAS", (2, 2), _has, py.has, sql.has_impl),
    Function("TODAY", (0, 0), _fixed("date"), py.today, None),
    Function("NOW", (0, 0), _fixed("datetime"), py.now, None),
    Function("DATEADD", (3, 3), _dateadd, py.dateadd, None),
    Function("STARTOF", (2, 2), _startof, py.startof, None),
)}
