"""Numbers and their text: one definition both back ends follow.

Every number a function returns is rounded to 10 decimal places, half away from zero, and
a result of 10^18 or more (in absolute value) is BLANK. PostgreSQL computes exactly on
NUMERIC and rounds the same way; Python computes in a 100-digit decimal context, exact for
every value inside that range, so the two agree digit for digit (docs/expressions.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any
from zoneinfo import ZoneInfo

PLACES = 10
LIMIT = Decimal(10) ** 18
QUANTUM = Decimal(1).scaleb(-PLACES)
EXACT = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def num(value: Decimal | None) -> Decimal | None:
    """A function's number result: rounded to 10 places; out of range → BLANK."""
    if value is None or not value.is_finite() or abs(value) >= LIMIT:
        return None
    rounded = value.quantize(QUANTUM, context=EXACT)
    return None if abs(rounded) >= LIMIT else tidy(rounded)


def tidy(value: Decimal) -> Decimal:
    """Without trailing zeros and without an exponent: 59.7000 → 59.7, 1E+2 → 100, -0 → 0."""
    if value == 0:
        return Decimal(0)
    value = value.normalize(EXACT)
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def number_text(value: Decimal) -> str:
    """A number as CONCAT shows it: canonical decimal, "19.9", "100", "-0.5"."""
    return format(tidy(value), "f")


def text_of(value: Any, type_: str, zone: ZoneInfo) -> str | None:
    """A value inside text (``&``, CONCAT): numbers canonical, dates ISO, date and time
    app-local to the second, checkboxes TRUE/FALSE, option and user ids as they are."""
    if value is None:
        return None
    if type_ == "number":
        return number_text(value)
    if type_ == "boolean":
        return "TRUE" if value else "FALSE"
    if type_ == "datetime":
        local = value.astimezone(zone)
        return f"{local.date().isoformat()} {local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def whole(value: Decimal | None) -> int | None:
    """An integer argument (a count, a position): None unless the number is whole."""
    if value is None or value != value.to_integral_value():
        return None
    return int(value)
