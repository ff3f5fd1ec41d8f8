"""The one registry of functions. Every entry has the same shape: name, arity, result type
rule, Python implementation, SQL implementation (as Baserow's formula function_defs do).
Adding a function (the formula issue: arithmetic, text, more dates) is adding an entry."""

from __future__ import annotations

from brickwork.platform.expression import pyfuncs as py
from brickwork.platform.expression import sqlfuncs as sql
from brickwork.platform.expression.lib_date import DATE_FUNCTIONS
from brickwork.platform.expression.lib_logic import LOGIC_FUNCTIONS
from brickwork.platform.expression.lib_math import MATH_FUNCTIONS
from brickwork.platform.expression.lib_text import TEXT_FUNCTIONS
from brickwork.platform.expression.lists import LIST_FUNCTIONS
from brickwork.platform.expression.numeric import num
from brickwork.platform.expression.signature import (
    Function,
    ResultRule,
    TypeProblem,
    expected,
    same_type,
    signature,
    type_name,
)
from brickwork.platform.i18n import _

__all__ = ["EQUATABLE", "FUNCTIONS", "ORDERED", "Function", "TypeProblem", "comparable", "type_name"]

def _expected(arg: int, expected_type: str, found: str) -> TypeProblem:
    return expected(arg, expected_type, found)


# --- result rules ------------------------------------------------------------------------

EQUATABLE = ("text", "number", "boolean", "date", "datetime", "choice", "user", "department", "record")
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
            raise TypeProblem(1, "type_mismatch", _("Cannot compare %(a)s with %(b)s.",
                                                    a=type_name(types[0]), b=type_name(types[1])))
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


_PAIR = same_type(lambda n: [[0, 1]])
_ALL = same_type(lambda n: [list(range(n))])
_CONDITIONS = signature(rest="boolean", result="boolean")["expects"]
_TEXTS = signature(rest="text", result="boolean")["expects"]


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("=", (2, 2), _comparison(EQUATABLE), py.eq, sql.comparison("="), _PAIR),
    Function("<>", (2, 2), _comparison(EQUATABLE), py.ne, sql.comparison("<>"), _PAIR),
    Function("<", (2, 2), _comparison(ORDERED), py.lt, sql.comparison("<"), _PAIR),
    Function("<=", (2, 2), _comparison(ORDERED), py.le, sql.comparison("<="), _PAIR),
    Function(">", (2, 2), _comparison(ORDERED), py.gt, sql.comparison(">"), _PAIR),
    Function(">=", (2, 2), _comparison(ORDERED), py.ge, sql.comparison(">="), _PAIR),
    Function("AND", (1, None), _conditions, py.and_, sql.and_impl, _CONDITIONS),
    Function("OR", (1, None), _conditions, py.or_, sql.or_impl, _CONDITIONS),
    Function("NOT", (1, 1), _conditions, py.not_, sql.not_impl, _CONDITIONS),
    Function("IN", (2, None), _in, py.in_, sql.in_impl, _ALL),
    Function("ISBLANK", (1, 1), _boolean, py.isblank, sql.isblank_impl),
    Function("CONTAINS", (2, 2), _texts, py.contains, sql.contains_impl, _TEXTS),
    Function("STARTSWITH", (2, 2), _texts, py.startswith, sql.startswith_impl, _TEXTS),
    Function("ENDSWITH", (2, 2), _texts, py.endswith, sql.endswith_impl, _TEXTS),
    Function("HAS", (2, 2), _has, py.has, sql.has_impl, signature("choices", "choice")["expects"]),
    Function("TODAY", (0, 0), _fixed("date"), py.today, None),
    Function("NOW", (0, 0), _fixed("datetime"), py.now, None),
    *LOGIC_FUNCTIONS, *MATH_FUNCTIONS, *TEXT_FUNCTIONS, *DATE_FUNCTIONS, *LIST_FUNCTIONS,
)}


def call(function: Function, values: list, types: list[str], result: str, ctx) -> object:
    """Run the Python implementation; the result (of type ``result``) in its one canonical
    form: numbers rounded as numeric.num says, a condition True or False, "" as BLANK."""
    value = function.python(values, types, ctx)
    if result == "number":
        value = num(value)
    elif result == "boolean":
        value = value is True
    elif value == "":
        value = None
    return value
