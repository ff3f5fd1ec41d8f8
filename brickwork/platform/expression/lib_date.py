"""Date functions. A date and time is read on the app-local calendar (YEAR, DAY, DATEDIF of
a date and time use its app-local date); units and counts follow values.shift. Every
function takes fields, not only constants: PostgreSQL does the calendar arithmetic itself."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from brickwork.platform.expression.nodes import Lit
from brickwork.platform.expression.numeric import whole
from brickwork.platform.expression.operand import Sql
from brickwork.platform.expression.signature import Function, TypeProblem, literal_choice, signature
from brickwork.platform.expression.values import (
    DATE_UNITS,
    FIRST_INSTANT,
    LAST_INSTANT,
    START_UNITS,
    TIME_UNITS,
    add_months,
    shift,
    start_of,
)
from brickwork.platform.i18n import _

ZONE = "CAST({z} AS TEXT)"
DAYS = ("date", "datetime")
D = "date"


def _local(i: int) -> str:
    """The naive app-local time of datetime argument i."""
    return f"timezone({ZONE}, timezone('UTC', {{{i}}}))"


def _day_sql(args, i: int) -> str:
    return f"CAST({_local(i)} AS DATE)" if args[i].type == "datetime" else f"{{{i}}}"


def local_day(value: date | None, ctx) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(ctx.zone).date()
    return value


def _in_range(sql: str, type_: str) -> str:
    """Out of the calendar (values.shift: dates in years 1-9999, date and time in 2-9998) → BLANK."""
    low, top = (("0002-01-01", "9998-12-31 23:59:59.999999") if type_ == "datetime"
                else ("0001-01-01", "9999-12-31"))
    return f"(SELECT CASE WHEN r.v BETWEEN '{low}' AND '{top}' THEN r.v END FROM (SELECT {sql} AS v) AS r)"


# --- DATE(y, m, d) and the parts of a date -----------------------------------------------------

def _date(args, types, ctx):
    y, m, d = (whole(x) for x in args)
    try:
        return date(y, m, d) if None not in (y, m, d) else None
    except (ValueError, OverflowError):
        return None


DATE_SQL = ("CASE WHEN {0} = trunc({0}) AND {1} = trunc({1}) AND {2} = trunc({2}) AND {0} BETWEEN 1 AND 9999 "
            "AND {1} BETWEEN 1 AND 12 AND {2} BETWEEN 1 AND 31 THEN (CASE WHEN {2} <= extract(day from "
            "make_date(CAST({0} AS INTEGER), CAST({1} AS INTEGER), 1) + interval '1 month' - interval '1 day') "
            "THEN make_date(CAST({0} AS INTEGER), CAST({1} AS INTEGER), CAST({2} AS INTEGER)) END) END")


def _part(read, pg: str, local_time: bool = False):
    def impl(args, types, ctx):
        value = args[0]
        if value is None:
            return None
        return Decimal(read(value.astimezone(ctx.zone) if local_time else local_day(value, ctx)))

    def sql(args) -> str:
        source = _local(0) if local_time else _day_sql(args, 0)
        if not local_time:
            source = f"CAST({source} AS TIMESTAMP)"
        return f"CAST(extract({pg} from {source}) AS NUMERIC)"
    return impl, Sql(sql)


# --- DATEADD, STARTOF, EOMONTH ----------------------------------------------------------------

# Guards that keep PostgreSQL inside its calendar: the shifted value must stay in years
# 1-9999 (dates) or 2-9998 (date and time, values.shift), as in Python; checked on the
# arithmetic before the date arithmetic is done, so it never overflows.
DAY_STEPS = {"day": 1, "week": 7}
MONTH_STEPS = {"month": 1, "quarter": 3, "year": 12}
LAST_DAY = (date(9999, 12, 31) - date(1, 1, 1)).days
LAST_MONTH = 9998 * 12 + 11
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_SECOND, LAST_SECOND = (Decimal((t - EPOCH) // timedelta(microseconds=1)).scaleb(-6)
                             for t in (FIRST_INSTANT, LAST_INSTANT))


def _moved_day(day: str, unit: str) -> tuple[str, str]:
    """(guard, shifted day) for a date expression ``day`` moved by {1} units."""
    whole_n = "{1} = trunc({1})"
    if unit in DAY_STEPS:
        steps = f"{{1}} * {DAY_STEPS[unit]}"
        return (f"{whole_n} AND ({day} - DATE '0001-01-01') + {steps} BETWEEN 0 AND {LAST_DAY}",
                f"{day} + CAST({steps} AS INTEGER)")
    steps = f"{{1}} * {MONTH_STEPS[unit]}"
    index = f"(extract(year from CAST({day} AS TIMESTAMP)) * 12 + extract(month from CAST({day} AS TIMESTAMP)) - 13)"
    return (f"{whole_n} AND {index} + {steps} BETWEEN 0 AND {LAST_MONTH}",
            f"CAST({day} + make_interval(months => CAST({steps} AS INTEGER)) AS DATE)")


def _dateadd(args, types, ctx):
    value, n, unit = args[0], whole(args[1]), args[2]
    if value is None or n is None:
        return None
    return shift(value, n, unit, ctx.zone)


def _dateadd_sql(args) -> str:
    unit = args[2].value
    if unit in TIME_UNITS:
        seconds = 3600 if unit == "hour" else 60
        return (f"CASE WHEN {{1}} = trunc({{1}}) AND extract(epoch from {{0}}) + {{1}} * {seconds} "
                f"BETWEEN {FIRST_SECOND:f} AND {LAST_SECOND:f} "
                f"THEN {{0}} + make_interval(secs => CAST({{1}} * {seconds} AS DOUBLE PRECISION)) END")
    if args[0].type == "date":
        guard, moved = _moved_day("{0}", unit)
        return f"CASE WHEN {guard} THEN {moved} END"
    guard, moved = _moved_day(f"CAST({_local(0)} AS DATE)", unit)
    moved = f"timezone('UTC', timezone({ZONE}, {moved} + CAST({_local(0)} AS TIME)))"
    return _in_range(f"CASE WHEN {guard} THEN {moved} END", "datetime")


def _check_dateadd(nodes, types) -> None:
    literal_choice(2, DATE_UNITS + (TIME_UNITS if types[0] == "datetime" else ()))(nodes, types)


def _startof(args, types, ctx):
    value, unit = args
    return None if value is None else start_of(value, unit, ctx.zone)


def _startof_sql(args) -> str:
    unit = args[1].value
    if args[0].type == "datetime":
        return f"timezone('UTC', timezone({ZONE}, date_trunc('{unit}', {_local(0)})))"
    return f"CAST(date_trunc('{unit}', CAST({{0}} AS TIMESTAMP)) AS DATE)"


def _eomonth(args, types, ctx):
    day, n = local_day(args[0], ctx), whole(args[1])
    if day is None or n is None:
        return None
    try:
        first = add_months(day.replace(day=1), n)
    except (ValueError, OverflowError):
        return None
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _eomonth_sql(args) -> str:
    guard, first = _moved_day(f"CAST(date_trunc('month', CAST({_day_sql(args, 0)} AS TIMESTAMP)) AS DATE)", "month")
    return f"CASE WHEN {guard} THEN CAST({first} + interval '1 month' - interval '1 day' AS DATE) END"


# --- DAYS, DATEDIF ----------------------------------------------------------------------------

def _days(args, types, ctx):
    end, start = local_day(args[0], ctx), local_day(args[1], ctx)
    return None if end is None or start is None else Decimal((end - start).days)


def _months(start: date, end: date) -> int:
    """Complete months from start to end (end >= start): 31 Jan → 29 Feb is 0."""
    return 12 * (end.year - start.year) + end.month - start.month - (end.day < start.day)


def _datedif(args, types, ctx):
    start, end, unit = local_day(args[0], ctx), local_day(args[1], ctx), args[2]
    if start is None or end is None:
        return None
    if unit == "D":
        return Decimal((end - start).days)
    months = _months(start, end) if end >= start else -_months(end, start)
    if unit == "Y":
        months = int(months / 12)  # toward zero: signed like the months
    return Decimal(months)


def _months_sql(a: str, b: str) -> str:
    part = "extract(%s from CAST(%s AS TIMESTAMP))"
    return (f"(12 * ({part % ('year', b)} - {part % ('year', a)}) + {part % ('month', b)} - {part % ('month', a)}"
            f" - CASE WHEN {part % ('day', b)} < {part % ('day', a)} THEN 1 ELSE 0 END)")


def _datedif_sql(args) -> str:
    start, end, unit = _day_sql(args, 0), _day_sql(args, 1), args[2].value
    if unit == "D":
        return f"CAST({end} - {start} AS NUMERIC)"
    forward, backward = _months_sql(start, end), _months_sql(end, start)
    if unit == "Y":
        forward, backward = f"div({forward}, 12)", f"div({backward}, 12)"
    return f"CASE WHEN {end} >= {start} THEN {forward} ELSE -{backward} END"


def _whole_count(i: int):
    def check(nodes, types) -> None:
        node = nodes[i]
        if isinstance(node, Lit) and node.value is not None and node.value != node.value.to_integral_value():
            raise TypeProblem(i, "not_whole", _("Give a whole number."))
    return check


def _both(*checks):
    def check(nodes, types) -> None:
        for each in checks:
            each(nodes, types)
    return check


N = "number"
YEAR, MONTH, DAY = _part(lambda d: d.year, "year"), _part(lambda d: d.month, "month"), _part(lambda d: d.day, "day")
WEEKDAY = _part(lambda d: d.isoweekday(), "isodow")
WEEKNUM, ISOYEAR = _part(lambda d: d.isocalendar()[1], "week"), _part(lambda d: d.isocalendar()[0], "isoyear")
HOUR = _part(lambda t: t.hour, "hour", local_time=True)
MINUTE = _part(lambda t: t.minute, "minute", local_time=True)

DATE_FUNCTIONS = (
    Function("DATE", (3, 3), python=_date, sql=Sql(DATE_SQL), **signature(N, N, N, result="date")),
    *(Function(name, (1, 1), python=impl, sql=sql, **signature(DAYS))
      for name, (impl, sql) in (("YEAR", YEAR), ("MONTH", MONTH), ("DAY", DAY), ("WEEKDAY", WEEKDAY),
                                ("WEEKNUM", WEEKNUM), ("ISOYEAR", ISOYEAR))),
    Function("HOUR", (1, 1), python=HOUR[0], sql=HOUR[1], **signature("datetime")),
    Function("MINUTE", (1, 1), python=MINUTE[0], sql=MINUTE[1], **signature("datetime")),
    Function("DATEADD", (3, 3), python=_dateadd, sql=Sql(_dateadd_sql),
             **signature(DAYS, N, "text", result=0, check=_both(_whole_count(1), _check_dateadd))),
    Function("STARTOF", (2, 2), python=_startof, sql=Sql(_startof_sql),
             **signature(DAYS, "text", result=0, check=literal_choice(1, START_UNITS))),
    Function("EOMONTH", (2, 2), python=_eomonth, sql=Sql(_eomonth_sql),
             **signature(DAYS, N, result=D, check=_whole_count(1))),
    Function("DAYS", (2, 2), python=_days, sql=Sql(lambda a: f"CAST({_day_sql(a, 0)} - {_day_sql(a, 1)} AS NUMERIC)"),
             **signature(DAYS, DAYS)),
    Function("DATEDIF", (3, 3), python=_datedif, sql=Sql(_datedif_sql),
             **signature(DAYS, DAYS, "text", check=literal_choice(2, ("D", "M", "Y")))),
)
