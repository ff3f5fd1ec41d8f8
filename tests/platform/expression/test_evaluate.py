from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from brickwork.platform.expression import Context, evaluate, parse
from tests.platform.expression.helpers import FIELDS, fn, lit, ref, utc, var

SHANGHAI = ZoneInfo("Asia/Shanghai")
CTX = Context(now=utc(2024, 7, 1, 17, 30), zone=SHANGHAI, me=7, my_department=None)


def run(data, record=None, ctx=CTX):
    return evaluate(parse(data), record or {}, FIELDS, ctx)


def day(text: str):
    return lit(text, "date")


def test_x12_today_is_the_app_local_date():
    """17:30 UTC on 1 July is already 2 July in Shanghai."""
    assert run(fn("TODAY")) == date(2024, 7, 2)
    assert run(var("$today")) == date(2024, 7, 2)
    assert run(fn("TODAY"), ctx=Context(now=CTX.now, zone=ZoneInfo("UTC"))) == date(2024, 7, 1)
    assert run(fn("NOW")) == utc(2024, 7, 1, 17, 30)


def test_me_and_my_department():
    assert run(var("$me")) == 7
    assert run(fn("=", ref("owner"), var("$me")), {"owner": 7}) is True
    assert run(fn("=", ref("owner"), var("$me")), {"owner": 8}) is False
    assert run(var("$my_department")) is None


@pytest.mark.parametrize(("start", "n", "unit", "expected"), [
    ("2024-01-31", "1", "month", date(2024, 2, 29)),  # X7: clamp to month end (SQLite says 03-02)
    ("2024-02-29", "12", "month", date(2025, 2, 28)),  # X7
    ("2024-02-29", "1", "year", date(2025, 2, 28)),
    ("2024-03-31", "-1", "month", date(2024, 2, 29)),
    ("2024-12-31", "2", "month", date(2025, 2, 28)),
    ("2024-07-01", "-7", "day", date(2024, 6, 24)),
    ("2024-07-01", "2", "week", date(2024, 7, 15)),
])
def test_dateadd(start, n, unit, expected):
    assert run(fn("DATEADD", day(start), lit(n, "number"), lit(unit, "text"))) == expected


def test_dateadd_on_a_datetime_keeps_the_local_wall_clock_time():
    # 31 Jan 02:00 Shanghai + 1 month = 29 Feb 02:00 Shanghai.
    start = lit("2024-01-31T02:00:00+08:00", "datetime")
    assert run(fn("DATEADD", start, lit("1", "number"), lit("month", "text"))) == utc(2024, 2, 28, 18, 0)
    # Across the New York DST change 9:00 stays 9:00 (14:00 UTC before, 13:00 UTC after).
    new_york = Context(now=CTX.now, zone=ZoneInfo("America/New_York"))
    start = lit("2024-03-09T14:00:00Z", "datetime")
    assert run(fn("DATEADD", start, lit("1", "number"), lit("day", "text")), ctx=new_york) == utc(2024, 3, 10, 13, 0)


def test_dateadd_beyond_the_calendar_is_blank():
    assert run(fn("DATEADD", fn("TODAY"), lit("100000", "number"), lit("year", "text"))) is None
    assert run(fn("ISBLANK", fn("DATEADD", fn("TODAY"), lit("100000", "number"), lit("year", "text")))) is True


@pytest.mark.parametrize(("start", "unit", "expected"), [
    ("2024-12-31", "week", date(2024, 12, 30)),  # ISO weeks start on Monday
    ("2024-07-01", "week", date(2024, 7, 1)),  # a Monday
    ("2024-07-07", "week", date(2024, 7, 1)),  # a Sunday
    ("2024-08-15", "month", date(2024, 8, 1)),
    ("2024-08-15", "quarter", date(2024, 7, 1)),
    ("2024-12-31", "quarter", date(2024, 10, 1)),
    ("2024-08-15", "year", date(2024, 1, 1)),
])
def test_startof(start, unit, expected):
    assert run(fn("STARTOF", day(start), lit(unit, "text"))) == expected


def test_startof_a_datetime_is_local_midnight():
    # NOW() is 2 July 01:30 in Shanghai: the month began 1 July 00:00 Shanghai = 30 June 16:00 UTC.
    assert run(fn("STARTOF", fn("NOW"), lit("month", "text"))) == utc(2024, 6, 30, 16, 0)


def test_x9_blank_comparisons():
    assert run(fn(">", ref("amount"), lit("100", "number"))) is False
    assert run(fn("<", ref("amount"), lit("100", "number"))) is False
    assert run(fn("<>", ref("stage"), lit("won", "choice"))) is True
    assert run(fn("=", ref("stage"), lit(None, "choice"))) is True
    assert run(fn("NOT", fn("<", ref("amount"), lit("100", "number")))) is True


def test_conditions_are_true_or_false_never_none():
    assert run(ref("done")) is False  # an unset checkbox is unchecked
    assert run(fn("AND", ref("done"))) is False
    assert run(fn("IN", ref("stage"), lit("a", "choice"))) is False


def test_zero_and_false_are_not_blank():
    assert run(fn("ISBLANK", ref("qty")), {"qty": Decimal(0)}) is False
    assert run(fn("ISBLANK", ref("done")), {"done": False}) is False
    assert run(fn("ISBLANK", ref("name")), {"name": ""}) is True  # "" is BLANK
    assert run(fn("ISBLANK", ref("tags")), {"tags": []}) is True


def test_numbers_compare_as_decimals():
    assert run(fn("=", ref("amount"), lit("19.9", "number")), {"amount": Decimal("19.90")}) is True
    assert run(fn(">", ref("amount"), lit("19.905", "number")), {"amount": Decimal("19.91")}) is True


def test_contains_is_case_insensitive_beyond_ascii_and_takes_the_needle_literally():
    record = {"name": "Äöß 客户 100%"}
    assert run(fn("CONTAINS", ref("name"), lit("äÖ", "text")), record) is True
    assert run(fn("CONTAINS", ref("name"), lit("0%", "text")), record) is True
    assert run(fn("CONTAINS", ref("name"), lit("1_0", "text")), record) is False
    assert run(fn("STARTSWITH", ref("name"), lit("ÄÖSS", "text")), record) is False  # ß is not "ss"
    assert run(fn("STARTSWITH", ref("name"), lit("äöß", "text")), record) is True


def test_has():
    assert run(fn("HAS", ref("tags"), lit("vip", "choice")), {"tags": ["new", "vip"]}) is True
    assert run(fn("HAS", ref("tags"), lit("vip", "choice")), {"tags": None}) is False


def test_a_date_meets_a_datetime_at_local_midnight():
    # 2 July 00:00 in Shanghai is 1 July 16:00 UTC.
    assert run(fn("=", ref("at"), fn("TODAY")), {"at": utc(2024, 7, 1, 16, 0)}) is True
    assert run(fn("<", ref("at"), fn("TODAY")), {"at": utc(2024, 7, 1, 15, 59)}) is True
