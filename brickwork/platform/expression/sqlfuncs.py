"""The SQL implementation of each function: ``impl(args, ctx) -> Operand``, on arguments
already compiled to Operands. Every condition built here is two-valued (never NULL), so
NOT and OR behave as in Python; values are always bound parameters."""

from __future__ import annotations

import operator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Numeric,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from brickwork.platform.expression import pyfuncs
from brickwork.platform.expression.dialect import (
    code_point,
    fold_case,
    json_blank,
    json_has,
    like_needle,
    local_midnight,
)
from brickwork.platform.expression.operand import Operand, Sql, as_condition, bind, condition
from brickwork.platform.expression.values import Context, lower, midnight

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
OPERATORS = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
             ">": operator.gt, ">=": operator.ge}
PYTHON = {"=": pyfuncs.eq, "<>": pyfuncs.ne, "<": pyfuncs.lt, "<=": pyfuncs.le, ">": pyfuncs.gt,
          ">=": pyfuncs.ge}
_ORDER = 'coalesce(({0}) COLLATE "C" %s ({1}) COLLATE "C", false)'
COMPUTED = {
    "=": Sql("{0} IS NOT DISTINCT FROM {1}"), "<>": Sql("{0} IS DISTINCT FROM {1}"),
    **{op: Sql(lambda args, op=op: (_ORDER if args[0].type == "text" else "coalesce({0} %s {1}, false)") % op)
       for op in ("<", "<=", ">", ">=")},
}
FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def is_blank(op: Operand) -> ColumnElement:
    if op.type == "boolean":
        return false()
    if op.type == "choices":
        return json_blank(op.sql)
    return op.sql.is_(None)


# --- comparisons -------------------------------------------------------------------------

def compare(op: str, a: Operand, b: Operand, ctx: Context) -> ColumnElement:
    if a.known and b.known:  # inside IN: x and this value are both known before the query
        known = PYTHON[op]([a.value, b.value], [a.type, b.type], ctx)
        return true() if known else false()
    a, b = _as_datetime(a, b, ctx), _as_datetime(b, a, ctx)
    if a.computed or b.computed:  # a formula's value: compare values, not stored integers
        return as_condition(COMPUTED[op].build(op, [a, b], "boolean", ctx))
    if a.known:  # keep the column on the left
        a, b, op = b, a, FLIPPED[op]
    if a.type == "boolean":
        same = _same_condition(a, b)
        return same if op == "=" else not_(same)
    if b.known:
        return _with_value(op, a, b.value)
    return _with_column(op, a, b)


def _as_datetime(op: Operand, other: Operand, ctx: Context) -> Operand:
    """A date meets a datetime at 00:00 of that date in the app time zone."""
    if op.type != "date" or other.type != "datetime":
        return op
    if op.known:
        return Operand("datetime", value=op.value and midnight(op.value, ctx.zone))
    return Operand("datetime", sql=local_midnight(op.sql, literal(ctx.zone.key, String())), computed=op.computed)


def _same_condition(a: Operand, b: Operand) -> ColumnElement:
    if b.known:
        return as_condition(a) if b.value is True else not_(as_condition(a))
    return as_condition(a).is_not_distinct_from(as_condition(b))


def _with_value(op: str, a: Operand, value: Any) -> ColumnElement:
    if value is None:
        if op in ("=", "<>"):
            return is_blank(a) if op == "=" else not_(is_blank(a))
        return false()  # any BLANK operand of < <= > >= → false
    if a.type == "number":
        return _number_with_value(op, a, value)
    return _with_bound(op, a, bind(a.type, value))


def _with_bound(op: str, a: Operand, bound: ColumnElement) -> ColumnElement:
    column = a.sql
    if op == "=":
        return and_(column.is_not(None), column == bound)
    if op == "<>":
        return or_(column.is_(None), column != bound)
    if a.type == "text":
        column = code_point(column)
    return and_(a.sql.is_not(None), OPERATORS[op](column, bound))


def _number_with_value(op: str, a: Operand, value: Decimal) -> ColumnElement:
    """The column holds integers (value * 10**scale); compare with the literal in those
    units. A literal with more decimals than the scale becomes the integer bound that gives
    the same answer: on integers, "< 1990.5" is "< 1991" and "<= 1990.5" is "<= 1990"."""
    exact = value.scaleb(a.scale)
    if op in ("=", "<>"):
        if exact != exact.to_integral_value() or not INT64_MIN <= exact <= INT64_MAX:
            return false() if op == "=" else true()  # no stored integer equals it
        return _with_bound(op, a, literal(int(exact), BigInteger()))
    bound = exact.to_integral_value(ROUND_CEILING if op in ("<", ">=") else ROUND_FLOOR)
    below = op in ("<", "<=")
    if bound > INT64_MAX:  # beyond every stored value
        return a.sql.is_not(None) if below else false()
    if bound < INT64_MIN:
        return false() if below else a.sql.is_not(None)
    return _with_bound(op, a, literal(int(bound), BigInteger()))


def _with_column(op: str, a: Operand, b: Operand) -> ColumnElement:
    left, right = a.sql, b.sql
    if a.type == "number" and a.scale != b.scale:
        # Bring both to the finer scale; NUMERIC so the multiplication cannot overflow.
        if a.scale < b.scale:
            left = cast(left, Numeric) * literal(10 ** (b.scale - a.scale), BigInteger())
        else:
            right = cast(right, Numeric) * literal(10 ** (a.scale - b.scale), BigInteger())
    if op == "=":
        return left.is_not_distinct_from(right)
    if op == "<>":
        return left.is_distinct_from(right)
    if a.type == "text":
        left, right = code_point(left), code_point(right)
    return and_(a.sql.is_not(None), b.sql.is_not(None), OPERATORS[op](left, right))


def comparison(op: str):
    def impl(args: list[Operand], ctx: Context) -> Operand:
        return condition(compare(op, args[0], args[1], ctx))
    return impl


# --- logic -------------------------------------------------------------------------------

def and_impl(args: list[Operand], ctx: Context) -> Operand:
    return condition(and_(*(as_condition(a) for a in args)))


def or_impl(args: list[Operand], ctx: Context) -> Operand:
    return condition(or_(*(as_condition(a) for a in args)))


def not_impl(args: list[Operand], ctx: Context) -> Operand:
    return condition(not_(as_condition(args[0])))


def in_impl(args: list[Operand], ctx: Context) -> Operand:
    x, *values = args
    if x.known and x.value is None:
        return condition(false())  # BLANK is in no list
    matches = or_(*(compare("=", x, v, ctx) for v in values))
    return condition(matches if x.known else and_(not_(is_blank(x)), matches))


def isblank_impl(args: list[Operand], ctx: Context) -> Operand:
    return condition(is_blank(args[0]))


# --- text --------------------------------------------------------------------------------

def escape_like(text: str) -> str:
    """The needle is data, never a pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _match(args: list[Operand], prefix: bool, suffix: bool = False) -> Operand:
    text, needle = args
    # In text functions BLANK counts as "" (see pyfuncs.contains).
    if needle.known:
        if needle.value is None:
            return condition(true())
        escaped = literal(escape_like(lower(needle.value)), String())
    else:
        escaped = like_needle(needle.sql)
    if suffix:
        pattern = literal("%", String()) + escaped
    else:
        pattern = escaped + "%" if prefix else literal("%", String()) + escaped + "%"
    if text.known:
        subject = literal(lower(text.value or ""), String())
    else:
        subject = func.coalesce(fold_case(text.sql), "", type_=String())
    return condition(subject.like(pattern, escape="\\"))


def contains_impl(args: list[Operand], ctx: Context) -> Operand:
    return _match(args, prefix=False)


def startswith_impl(args: list[Operand], ctx: Context) -> Operand:
    return _match(args, prefix=True)


def endswith_impl(args: list[Operand], ctx: Context) -> Operand:
    return _match(args, prefix=False, suffix=True)


# --- lists -------------------------------------------------------------------------------

def has_impl(args: list[Operand], ctx: Context) -> Operand:
    options, option = args
    if options.known:  # a fixed list: "is the option one of these"
        if options.value is None:
            return condition(false())
        return condition(and_(option.sql.is_not(None), option.sql.in_(options.value)))
    if option.known:
        if option.value is None:
            return condition(false())
        return condition(json_has(options.sql, bind("choice", option.value)))
    return condition(json_has(options.sql, option.sql))
