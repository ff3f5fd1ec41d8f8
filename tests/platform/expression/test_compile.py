"""Both back ends on a real table: each case is checked against the expected records
through the Python evaluator and through SQL (SQLite, or PostgreSQL when configured)."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, select

from brickwork.platform.expression import Context, parse, to_sql
from tests.platform.expression.helpers import COLUMNS, FIELDS, fn, lit, make_table, ref, utc, var

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 17:30 UTC on 1 July is 01:30 on 2 July in Shanghai: TODAY() is 2024-07-02.
CTX = Context(now=utc(2024, 7, 1, 17, 30), zone=SHANGHAI, me=7, my_department=3)

ROWS = [
    {"id": 1, "name": "Äöß客户", "code": "A%b", "amount": "19.90", "qty": "3", "done": True,
     "due": date(2024, 2, 29), "signed": date(2024, 1, 31), "at": utc(2024, 7, 1, 16, 0),
     "stage": "won", "tags": ["vip", "new"], "owner": 7, "dept": 3},
    {"id": 2, "name": "acme_co", "code": "a_b", "amount": "100.00", "qty": "0", "done": False,
     "due": date(2024, 7, 2), "signed": date(2025, 2, 28), "at": utc(2024, 7, 1, 15, 59, 59),
     "stage": "lost", "tags": ["new"], "owner": 8, "dept": None},
    {"id": 3, "done": False},  # everything else BLANK (multi-select stored as SQL NULL)
    {"id": 4, "name": "ÄÖ ltd", "code": "ö l", "amount": "19.91", "qty": "-5", "done": True,
     "due": date(2024, 7, 8), "signed": None, "at": utc(2024, 6, 30, 16, 0),
     "stage": None, "tags": None, "owner": 7, "dept": 4},  # multi-select stored as JSON null
]

NUM = lambda v: lit(v, "number")  # noqa: E731
TEXT = lambda v: lit(v, "text")  # noqa: E731
CHOICE = lambda v: lit(v, "choice")  # noqa: E731
TODAY = fn("TODAY")

CASES = [
    # X9: three-valued logic must not leak into filters.
    ("amount > 100 skips blank", fn(">", ref("amount"), NUM("100")), set()),
    ("amount < 100 skips blank", fn("<", ref("amount"), NUM("100")), {1, 4}),
    ("stage <> won includes blank", fn("<>", ref("stage"), CHOICE("won")), {2, 3, 4}),
    ("stage = BLANK", fn("=", ref("stage"), CHOICE(None)), {3, 4}),
    ("blank = blank between fields", fn("=", ref("signed"), ref("due")), {3}),
    ("blank <> value between fields", fn("<>", ref("qty"), ref("amount")), {1, 2, 4}),
    # Literals finer than the column's scale (amount has scale 2).
    ("amount > 19.905", fn(">", ref("amount"), NUM("19.905")), {2, 4}),
    ("amount >= 19.905", fn(">=", ref("amount"), NUM("19.905")), {2, 4}),
    ("amount <= 19.905", fn("<=", ref("amount"), NUM("19.905")), {1}),
    ("amount < 19.905", fn("<", ref("amount"), NUM("19.905")), {1}),
    ("amount = 19.905 never", fn("=", ref("amount"), NUM("19.905")), set()),
    ("amount <> 19.905 always", fn("<>", ref("amount"), NUM("19.905")), {1, 2, 3, 4}),
    ("amount = 19.9", fn("=", ref("amount"), NUM("19.9")), {1}),
    ("literal on the left", fn("<", NUM("20"), ref("amount")), {2}),
    ("fields of different scales", fn(">", ref("amount"), ref("qty")), {1, 2, 4}),
    ("0 is not blank", fn("ISBLANK", ref("qty")), {3}),
    ("huge literal", fn("<", ref("qty"), NUM("999999999999999999.5")), {1, 2, 4}),
    # Text: case-insensitive for non-ASCII, needles are data, code-point order.
    ("contains non-ASCII any case", fn("CONTAINS", ref("name"), TEXT("äÖ")), {1, 4}),
    ("contains CJK", fn("CONTAINS", ref("name"), TEXT("客户")), {1}),
    ("startswith non-ASCII", fn("STARTSWITH", ref("name"), TEXT("äö")), {1, 4}),
    ("% is not a wildcard", fn("CONTAINS", ref("code"), TEXT("%")), {1}),
    ("_ is not a wildcard", fn("CONTAINS", ref("code"), TEXT("a_")), {2}),
    ("prefix with %", fn("STARTSWITH", ref("code"), TEXT("A%")), {1}),
    ("contains blank matches all", fn("CONTAINS", ref("name"), TEXT(None)), {1, 2, 3, 4}),
    ("needle from a field", fn("CONTAINS", ref("name"), ref("code")), {3, 4}),
    ("code points: > Z", fn(">", ref("name"), TEXT("Z")), {1, 2, 4}),
    ("code points: < b", fn("<", ref("name"), TEXT("b")), {2}),
    ("code points between fields", fn("<", ref("code"), ref("name")), {1, 2}),
    ("quotes stay data", fn("=", ref("name"), TEXT("x' OR '1'='1")), set()),
    # Multi-select.
    ("HAS new", fn("HAS", ref("tags"), CHOICE("new")), {1, 2}),
    ("HAS vip", fn("HAS", ref("tags"), CHOICE("vip")), {1}),
    ("HAS blank option", fn("HAS", ref("tags"), CHOICE(None)), set()),
    ("ISBLANK tags: SQL NULL and JSON null", fn("ISBLANK", ref("tags")), {3, 4}),
    ("NOT ISBLANK tags", fn("NOT", fn("ISBLANK", ref("tags"))), {1, 2}),
    ("stage in a fixed list", fn("HAS", lit(["won", "lost"], "choices"), ref("stage")), {1, 2}),
    # IN.
    ("IN", fn("IN", ref("stage"), CHOICE("won"), CHOICE("lost")), {1, 2}),
    ("NOT IN includes blank", fn("NOT", fn("IN", ref("stage"), CHOICE("won"))), {2, 3, 4}),
    ("BLANK IN is false", fn("IN", ref("stage"), CHOICE(None)), set()),
    # Variables.
    ("owner = $me", fn("=", ref("owner"), var("$me")), {1, 4}),
    ("dept = $my_department", fn("=", ref("dept"), var("$my_department")), {1}),
    # Checkboxes.
    ("checkbox", ref("done"), {1, 4}),
    ("NOT checkbox", fn("NOT", ref("done")), {2, 3}),
    ("checkbox = FALSE", fn("=", ref("done"), lit(False, "boolean")), {2, 3}),
    ("AND with a constant", fn("AND", lit(True, "boolean"), ref("done")), {1, 4}),
    ("constant false", fn("OR", lit(False, "boolean")), set()),
    ("constant true", fn("=", TODAY, lit("2024-07-02", "date")), {1, 2, 3, 4}),
    ("OR", fn("OR", fn(">", ref("amount"), NUM("50")), fn("ISBLANK", ref("amount"))), {2, 3}),
    ("AND", fn("AND", ref("done"), fn("=", ref("owner"), var("$me"))), {1, 4}),
    # Dates: TODAY() is the Shanghai date, computed once and bound.
    ("due < TODAY()", fn("<", ref("due"), TODAY), {1}),
    ("due = $today", fn("=", ref("due"), var("$today")), {2}),
    ("last 7 days", fn(">=", ref("due"), fn("DATEADD", TODAY, NUM("-7"), TEXT("day"))), {2, 4}),
    ("X7 month-end clamp", fn("=", ref("due"), fn("DATEADD", lit("2024-01-31", "date"), NUM("1"), TEXT("month"))), {1}),
    ("X7 leap day + 12 months",
     fn("=", ref("signed"), fn("DATEADD", lit("2024-02-29", "date"), NUM("12"), TEXT("month"))), {2}),
    ("this ISO week", fn(">=", ref("due"), fn("STARTOF", TODAY, TEXT("week"))), {2, 4}),
    # A date meets a datetime at 00:00 app time (2024-07-02 00:00 Shanghai = 07-01 16:00 UTC).
    ("at >= TODAY()", fn(">=", ref("at"), TODAY), {1}),
    ("at = TODAY()", fn("=", ref("at"), TODAY), {1}),
    ("at < TODAY()", fn("<", ref("at"), TODAY), {2, 4}),
    ("at this month", fn(">=", ref("at"), fn("STARTOF", fn("NOW"), TEXT("month"))), {1, 2, 4}),
    ("due < NOW()", fn("<", ref("due"), fn("NOW")), {1, 2}),
    ("date field vs datetime field", fn(">=", ref("at"), ref("due")), {1}),
    ("datetime literal", fn(">", ref("at"), lit("2024-07-01T23:59:00+08:00", "datetime")), {1, 2}),
]


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_both_back_ends_select_the_expected_records(records, name, data, expected):
    records.replace(ROWS)
    python, sql = records.both(data, CTX)
    assert python == expected, "Python"
    assert sql == expected, "SQL"


def test_without_a_department_equality_matches_records_without_one_but_in_does_not(records):
    """The row-scope trap: use IN (BLANK is in no list) to mean "my department"."""
    records.replace(ROWS)
    no_department = Context(now=CTX.now, zone=SHANGHAI, me=7, my_department=None)
    assert records.both(fn("=", ref("dept"), var("$my_department")), no_department) == ({2, 3}, {2, 3})
    assert records.both(fn("IN", ref("dept"), var("$my_department")), no_department) == (set(), set())


def test_values_are_bound_parameters_never_sql_text():
    table = make_table(MetaData())
    columns = {fid: table.c[fid] for fid in COLUMNS}
    node = parse(fn("AND", fn("CONTAINS", ref("name"), TEXT("'; DROP TABLE x; --")),
                    fn("=", ref("amount"), NUM("12.34"))))
    sql = str(select(table.c.id).where(to_sql(node, columns, FIELDS, CTX)))
    assert "DROP" not in sql and "1234" not in sql


def test_one_expression_object_compiles_for_both_dialects():
    from sqlalchemy.dialects import postgresql, sqlite

    table = make_table(MetaData())
    columns = {fid: table.c[fid] for fid in COLUMNS}
    where = to_sql(parse(fn("AND", fn("HAS", ref("tags"), CHOICE("vip")),
                            fn("CONTAINS", ref("name"), TEXT("ä")),
                            fn(">", ref("name"), TEXT("a")))), columns, FIELDS, CTX)
    on_sqlite = str(where.compile(dialect=sqlite.dialect()))
    on_pg = str(where.compile(dialect=postgresql.dialect()))
    assert "json_each" in on_sqlite and "bw_lower" in on_sqlite and "COLLATE" not in on_sqlite
    assert "JSONB" in on_pg and '"und-x-icu"' in on_pg and 'COLLATE "C"' in on_pg
