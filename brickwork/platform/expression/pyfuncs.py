"""The Python implementation of each function: ``impl(args, types, ctx)`` on evaluated
arguments (BLANK is None) and their types. The SQL back end folds constant sub-trees with
these same functions, so both back ends agree on them by construction."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from brickwork.platform.expression.values import Context, lower, midnight

Impl = Callable[[list[Any], list[str], Context], Any]


def promote(a: Any, type_a: str, b: Any, type_b: str, ctx: Context) -> tuple[Any, Any]:
    """A date meets a datetime at 00:00 of that date in the app time zone."""
    if type_a == "date" and type_b == "datetime" and a is not None:
        a = midnight(a, ctx.zone)
    if type_b == "date" and type_a == "datetime" and b is not None:
        b = midnight(b, ctx.zone)
    return a, b


def equal(a: Any, type_a: str, b: Any, type_b: str, ctx: Context) -> bool:
    """Null-safe: BLANK = BLANK, and BLANK differs from every value."""
    a, b = promote(a, type_a, b, type_b, ctx)
    if a is None or b is None:
        return a is None and b is None
    return a == b


def eq(args, types, ctx) -> bool:
    return equal(args[0], types[0], args[1], types[1], ctx)


def ne(args, types, ctx) -> bool:
    return not equal(args[0], types[0], args[1], types[1], ctx)


def ordering(op: Callable[[Any, Any], bool]) -> Impl:
    def impl(args, types, ctx) -> bool:
        # Any BLANK → false: "amount < 100" does not match records without an amount.
        a, b = promote(args[0], types[0], args[1], types[1], ctx)
        return a is not None and b is not None and op(a, b)
    return impl


lt, le, gt, ge = (ordering(op) for op in (operator.lt, operator.le, operator.gt, operator.ge))


def and_(args, types, ctx) -> bool:
    return all(a is True for a in args)


def or_(args, types, ctx) -> bool:
    return any(a is True for a in args)


def not_(args, types, ctx) -> bool:
    return args[0] is not True


def in_(args, types, ctx) -> bool:
    x = args[0]
    return x is not None and any(
        equal(x, types[0], v, t, ctx) for v, t in zip(args[1:], types[1:], strict=True))


def isblank(args, types, ctx) -> bool:
    return args[0] is None  # 0, FALSE and "0" are values, not BLANK


def contains(args, types, ctx) -> bool:
    # In text functions BLANK counts as "": everything contains "", BLANK contains only "".
    return lower(args[1] or "") in lower(args[0] or "")


def startswith(args, types, ctx) -> bool:
    return lower(args[0] or "").startswith(lower(args[1] or ""))


def endswith(args, types, ctx) -> bool:
    return lower(args[0] or "").endswith(lower(args[1] or ""))


def has(args, types, ctx) -> bool:
    options, option = args
    return options is not None and option is not None and option in options


def today(args, types, ctx):
    return ctx.today()


def now(args, types, ctx):
    return ctx.now
