"""Arithmetic and number functions. BLANK counts as 0 in + - * and SUM; x / 0 and x / BLANK
are BLANK; the other functions give BLANK for a BLANK argument. Results follow numeric.num
(10 places, half away from zero; 10^18 and beyond → BLANK) in both back ends."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from brickwork.platform.expression.lists import over_lists, over_lists_python
from brickwork.platform.expression.nodes import Lit
from brickwork.platform.expression.numeric import EXACT
from brickwork.platform.expression.operand import Sql
from brickwork.platform.expression.signature import Function, TypeProblem, signature
from brickwork.platform.i18n import _

ZERO = Decimal(0)
NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
SPACES = " \t\r\n"
PG_SPACES = "' ' || chr(9) || chr(10) || chr(13)"


def _z(x):
    return ZERO if x is None else x


def _add(args, types, ctx):
    return EXACT.add(_z(args[0]), _z(args[1]))


def _sub(args, types, ctx):
    if len(args) == 1:
        return EXACT.minus(_z(args[0]))
    return EXACT.subtract(_z(args[0]), _z(args[1]))


def _mul(args, types, ctx):
    return EXACT.multiply(_z(args[0]), _z(args[1]))


def _div(args, types, ctx):
    a, b = args
    return None if not b else EXACT.divide(_z(a), b)


def _sum(args, types, ctx):
    return sum((x for x in args if x is not None), ZERO)


def _average(args, types, ctx):
    present = [x for x in args if x is not None]
    return EXACT.divide(sum(present, ZERO), len(present)) if present else None


def _min(args, types, ctx):
    present = [x for x in args if x is not None]
    return min(present) if present else None


def _max(args, types, ctx):
    present = [x for x in args if x is not None]
    return max(present) if present else None


def _sum_sql(args) -> str:
    return " + ".join(f"coalesce({{{i}}}, 0)" for i in range(len(args)))


def _average_sql(args) -> str:
    count = " + ".join(f"(CASE WHEN {{{i}}} IS NULL THEN 0 ELSE 1 END)" for i in range(len(args)))
    return f"round({_sum_sql(args)}, 20) / NULLIF({count}, 0)"


def _each(name: str):
    return lambda args: "%s(%s)" % (name, ", ".join(f"{{{i}}}" for i in range(len(args))))


# --- rounding ---------------------------------------------------------------------------------

def _digits(nodes) -> int:
    return int(nodes[1].value) if len(nodes) > 1 else 0


def _check_digits(nodes, types) -> None:
    if len(nodes) > 1:
        n = nodes[1]
        if not (isinstance(n, Lit) and n.value is not None and n.value == n.value.to_integral_value()
                and -18 <= n.value <= 10):
            raise TypeProblem(1, "bad_digits", _("Give the number of decimals as a whole number from -18 to 10."))


def _rounding(mode: str):
    def impl(args, types, ctx):
        x = args[0]
        digits = int(args[1]) if len(args) > 1 else 0
        return None if x is None else x.quantize(Decimal(1).scaleb(-digits), rounding=mode, context=EXACT)
    return impl


def _round_sql(args) -> str:
    return "round({0}, %d)" % _digits_of(args)


def _digits_of(args) -> int:
    return int(args[1].value) if len(args) > 1 else 0


def _roundup_sql(args) -> str:
    n = _digits_of(args)
    return (f"CASE WHEN {{0}} >= 0 THEN ceil({{0}} * 1e{n}) ELSE floor({{0}} * 1e{n}) END * 1e{-n}")


def _rounddown_sql(args) -> str:
    return "trunc({0}, %d)" % _digits_of(args)


def _unary(fn):
    return lambda args, types, ctx: None if args[0] is None else fn(args[0])


# --- MOD, POWER, SQRT, VALUE ------------------------------------------------------------------

def _mod(args, types, ctx):
    a, b = _z(args[0]), args[1]
    if not b:
        return None  # MOD(_, 0) and MOD(_, BLANK) → BLANK, as x / 0
    return EXACT.remainder(EXACT.add(EXACT.remainder(a, b), b), b)  # sign of the divisor (Excel)


def _power(args, types, ctx):
    a, b = args
    if a is None or b is None:
        return None
    if a == 0:
        return None if b < 0 else Decimal(1 if b == 0 else 0)
    if a < 0 and b != b.to_integral_value():
        return None
    size = EXACT.multiply(b, abs(a).log10(EXACT))  # the result has about this many digits
    if size > 19:
        return None
    if size < -30:
        return ZERO
    try:
        return EXACT.power(a, b)
    except InvalidOperation:
        return None


POWER_SQL = ("CASE WHEN {0} = 0 THEN (CASE WHEN {1} < 0 THEN NULL WHEN {1} = 0 THEN 1 ELSE 0 END) "
             "WHEN {0} < 0 AND {1} <> trunc({1}) THEN NULL "
             "WHEN {1} * log(abs({0})) > 19 THEN NULL WHEN {1} * log(abs({0})) < -30 THEN 0 "
             "ELSE power(round({0}, 20), {1}) END")


def _sqrt(args, types, ctx):
    x = args[0]
    return None if x is None or x < 0 else x.sqrt(EXACT)


def _value(args, types, ctx):
    text = (args[0] or "").strip(SPACES)
    return Decimal(text) if NUMBER_TEXT.fullmatch(text) else None


VALUE_SQL = (f"CASE WHEN btrim({{0}}, {PG_SPACES}) ~ '^[+-]?[0-9]+([.][0-9]+)?$' "
             f"THEN CAST(btrim({{0}}, {PG_SPACES}) AS NUMERIC) END")

N = "number"
BINARY = signature(N, N)
UNARY = signature(N)
ROUNDING = signature(N, N, check=_check_digits)
MANY = signature(rest=N)

MATH_FUNCTIONS = (
    Function("+", (2, 2), python=_add, sql=Sql("coalesce({0}, 0) + coalesce({1}, 0)"), **BINARY),
    Function("-", (1, 2), python=_sub,
             sql=Sql(lambda a: "-coalesce({0}, 0)" if len(a) == 1 else "coalesce({0}, 0) - coalesce({1}, 0)"),
             **BINARY),
    Function("*", (2, 2), python=_mul, sql=Sql("coalesce({0}, 0) * coalesce({1}, 0)"), **BINARY),
    Function("/", (2, 2), python=_div, sql=Sql("round(coalesce({0}, 0), 20) / NULLIF({1}, 0)"), **BINARY),
    *(Function(name, (1, None), python=over_lists_python(impl), sql=Sql(template),
               **{**MANY, "result": over_lists(name, MANY["result"])})
      for name, impl, template in (("SUM", _sum, _sum_sql), ("AVERAGE", _average, _average_sql),
                                   ("MIN", _min, _each("LEAST")), ("MAX", _max, _each("GREATEST")))),
    Function("ROUND", (1, 2), python=_rounding(ROUND_HALF_UP), sql=Sql(_round_sql), **ROUNDING),
    Function("ROUNDUP", (1, 2), python=_rounding(ROUND_UP), sql=Sql(_roundup_sql), **ROUNDING),
    Function("ROUNDDOWN", (1, 2), python=_rounding(ROUND_DOWN), sql=Sql(_rounddown_sql), **ROUNDING),
    Function("INT", (1, 1), python=_unary(lambda x: x.to_integral_value("ROUND_FLOOR")), sql=Sql("floor({0})"),
             **UNARY),
    Function("FLOOR", (1, 1), python=_unary(lambda x: x.to_integral_value("ROUND_FLOOR")),
             sql=Sql("floor({0})"), **UNARY),
    Function("CEILING", (1, 1), python=_unary(lambda x: x.to_integral_value("ROUND_CEILING")),
             sql=Sql("ceil({0})"), **UNARY),
    Function("ABS", (1, 1), python=_unary(abs), sql=Sql("abs({0})"), **UNARY),
    Function("MOD", (2, 2), python=_mod,
             sql=Sql("mod(mod(coalesce({0}, 0), NULLIF({1}, 0)) + NULLIF({1}, 0), NULLIF({1}, 0))"), **BINARY),
    Function("POWER", (2, 2), python=_power, sql=Sql(POWER_SQL), **BINARY),
    Function("SQRT", (1, 1), python=_sqrt, sql=Sql("CASE WHEN {0} >= 0 THEN sqrt(round({0}, 20)) END"), **UNARY),
    Function("VALUE", (1, 1), python=_value, sql=Sql(VALUE_SQL), **signature("text")),
)
