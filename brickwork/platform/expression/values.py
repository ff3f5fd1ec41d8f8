"""Types, values and the calendar: what both back ends share.

A value of the language is a plain Python object of the field type's class (see
``docs/expressions.md``); BLANK is ``None``, and there is exactly one BLANK per type, so
``""`` and ``[]`` are normalised to ``None`` on the way in.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

TYPES = ("text", "number", "boolean", "date", "datetime", "choice", "choices", "user", "department", "record")
# A field whose value is a list of rows: a sub-form, or a relation to many (its records).
# Only formulas see it, through an aggregate: COUNT(lines), SUM(lines.amount) (lists.py).
ROWS = "rows"

# Variables and the type of their value.
VARS = {"$me": "user", "$my_department": "department", "$today": "date", "$now": "datetime"}

DATE_UNITS = ("day", "week", "month", "quarter", "year")
TIME_UNITS = ("hour", "minute")  # DATEADD on a datetime only
START_UNITS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class FieldInfo:
    """What both back ends know of a field."""

    type: str
    scale: int = 0  # numbers: the column holds value * 10**scale
    # For formula text only: the field's key and its labels (any language), which the
    # parser resolves to the field id and the printer shows.
    key: str | None = None
    labels: tuple[str, ...] = ()
    # ROWS only: the fields of each row (child field id → FieldInfo).
    children: Mapping[str, FieldInfo] | None = field(default=None, hash=False)
    # Texts: the most characters a stored value holds, when known (limits.py bounds the
    # text an expression can build by it; unknown counts as the longest text there is).
    length: int | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES and not (self.type == ROWS and self.children is not None):
            raise ValueError(f"unknown field type {self.type!r}")
        if not 0 <= self.scale <= 18:
            raise ValueError("scale must be between 0 and 18")


@dataclass(frozen=True)
class Context:
    """The moment and the caller an expression is evaluated for. ``now`` is bound once per
    evaluation, so every TODAY()/NOW() in one query or one record sees the same instant."""

    now: datetime
    zone: ZoneInfo
    me: int | None = None
    my_department: int | None = None

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("Context.now must be time-zone aware")
        if isinstance(self.zone, str):
            object.__setattr__(self, "zone", ZoneInfo(self.zone))
        object.__setattr__(self, "now", self.now.astimezone(UTC))

    def today(self) -> date:
        """The app-local date of ``now``: 17:30 UTC on 1 July is already 2 July in Shanghai."""
        return self.now.astimezone(self.zone).date()


def var_value(name: str, ctx: Context) -> Any:
    return {"$me": ctx.me, "$my_department": ctx.my_department,
            "$today": ctx.today(), "$now": ctx.now}[name]


def normalise(value: Any, type_: str) -> Any:
    """A record's value in the one canonical form per type (lenient about what callers pass)."""
    if type_ == "boolean":
        return value is True or value == 1  # a checkbox is never BLANK: unset means unchecked
    if value is None or value == "" or value == [] or value == ():
        return None
    if type_ == "number" and not isinstance(value, Decimal):
        return Decimal(str(value))
    if type_ == "datetime":
        # Naive datetimes are UTC, as they are stored.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if type_ == "date" and isinstance(value, datetime):
        return value.date()
    if type_ == "choices":
        return [value] if isinstance(value, str) else list(value)
    return value


def lower(text: str) -> str:
    """Case folding for CONTAINS/STARTSWITH. Python's full lower-case mapping is what
    PostgreSQL's ICU ``lower()`` does too (SQLite gets this function registered)."""
    return text.lower()


# Dates and times the language computes lie within these (DATEADD beyond → BLANK), so that
# their local date and time exist in every time zone.
FIRST_INSTANT = datetime(2, 1, 1, tzinfo=UTC)
LAST_INSTANT = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """00:00 of ``day`` in the app time zone, as a UTC instant (how a date meets a datetime).
    Beyond Python's calendar (1 January of year 1 east of UTC) it is the calendar's edge,
    which orders the same against every date and time of the language."""
    try:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if day.year == 1 else datetime.max.replace(tzinfo=UTC)


def add_months(day: date, months: int) -> date:
    """Excel's EDATE: 31 January + 1 month = 29 February, never 2 March."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month0 + 1,
                       day=min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def shift_date(day: date, n: int, unit: str) -> date:
    if unit == "day":
        return day + timedelta(days=n)
    if unit == "week":
        return day + timedelta(weeks=n)
    return add_months(day, n * {"month": 1, "quarter": 3, "year": 12}[unit])


def start_date(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def shift(value: date, n: int, unit: str, zone: ZoneInfo) -> date | None:
    """DATEADD. A datetime moves on the app-local calendar, so "+1 day" keeps the wall-clock
    time across a DST change. Out of the calendar's range → BLANK."""
    try:
        if unit in TIME_UNITS:  # hours and minutes are elapsed time, not calendar time
            moved = value + timedelta(**{unit + "s": n})
        elif isinstance(value, datetime):  # before date: a datetime is a date too
            local = value.astimezone(zone)
            day = shift_date(local.date(), n, unit)
            moved = datetime.combine(day, local.time(), tzinfo=zone).astimezone(UTC)
        else:
            return shift_date(value, n, unit)
        return moved if FIRST_INSTANT <= moved <= LAST_INSTANT else None
    except (OverflowError, ValueError):
        return None


def start_of(value: date, unit: str, zone: ZoneInfo) -> date | None:
    """STARTOF. For a datetime: 00:00 app time of the first day of the period."""
    try:
        if isinstance(value, datetime):
            return midnight(start_date(value.astimezone(zone).date(), unit), zone)
        return start_date(value, unit)
    except (OverflowError, ValueError):
        return None
