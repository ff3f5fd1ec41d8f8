"""Date buckets and region levels as SQL labels, the same text on SQLite and PostgreSQL.

A datetime is stored in UTC and bucketed in the app's time zone: PostgreSQL converts with
its time-zone database; SQLite has none, so the app zone's current UTC offset is applied
(exact for zones without daylight saving, such as Asia/Shanghai; a SQLite deployment in a
DST zone gets the current offset). Weeks are ISO weeks labelled with the ISO year:
2024-12-30 is in ``2025-W01``. Labels are constants in the SQL text, not parameters, so
PostgreSQL sees the GROUP BY expression and the selected one as the same.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Integer, cast, func, literal_column

from brickwork.platform.clock import app_zone, now

PG_FORMAT = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
SQLITE_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
REGION_START = {"province": 1, "city": 8, "district": 15}  # in "330000/330100/330106"
ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def _const(text: str) -> ColumnElement:
    assert "'" not in text
    return literal_column(f"'{text}'")


def local_time(column: ColumnElement, type_: str, dialect: str) -> ColumnElement:
    """The value as a local date or time of the app's zone (dates are already local)."""
    if type_ != "datetime":
        return column
    zone = app_zone().key
    if dialect == "postgresql":
        assert ZONE_NAME.match(zone)
        return func.timezone(_const(zone), func.timezone(_const("UTC"), column))
    offset = int(app_zone().utcoffset(now().replace(tzinfo=None)).total_seconds())
    return func.datetime(column, _const(f"{offset:+d} seconds"))


def bucket(column: ColumnElement, type_: str, grain: str, dialect: str) -> ColumnElement:
    local = local_time(column, type_, dialect)
    if dialect == "postgresql":
        return func.to_char(local, _const(PG_FORMAT[grain]))
    if grain in SQLITE_FORMAT:
        return func.strftime(_const(SQLITE_FORMAT[grain]), local)
    if grain == "quarter":
        month = cast(func.strftime(_const("%m"), local), Integer)
        return _join(func.strftime(_const("%Y"), local), _const("-Q"), cast((month + 2) / 3, Integer))
    # ISO week: the week's Thursday names the year; its day of the year, the week.
    thursday = func.date(local, _const("-3 days"), _const("weekday 4"))
    week = (cast(func.strftime(_const("%j"), thursday), Integer) - 1) / 7 + 1
    return _join(func.strftime(_const("%Y"), thursday), _const("-W"), func.printf(_const("%02d"), week))


def _join(*parts: ColumnElement) -> ColumnElement:
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(part)
    return joined


def region_level(column: ColumnElement, level: str) -> ColumnElement:
    return func.nullif(func.substr(column, REGION_START[level], 6), _const(""))  # a shorter path: BLANK


def bucket_range(label: str, grain: str) -> tuple[date, date]:
    """The days a bucket covers, ``[start, end)``: what a drill-through filters on."""
    if grain == "day":
        start = date.fromisoformat(label)
        return start, start + timedelta(days=1)
    if grain == "week":
        year, week = label.split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
        return start, start + timedelta(days=7)
    if grain == "month":
        year, month = (int(p) for p in label.split("-"))
        return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)
    if grain == "quarter":
        year, quarter = label.split("-Q")
        first = (int(quarter) - 1) * 3 + 1
        end = first + 3
        return date(int(year), first, 1), date(int(year) + (end > 12), (end - 1) % 12 + 1, 1)
    return date(int(label), 1, 1), date(int(label) + 1, 1, 1)


def bucket_label(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        year, week, _d = day.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def every_bucket(first: str, last: str, grain: str) -> list[str]:
    """The labels from ``first`` to ``last`` with none left out: a line chart's periods."""
    labels, day = [], bucket_range(first, grain)[0]
    end = bucket_range(last, grain)[0]
    while day <= end and len(labels) < 10_000:
        labels.append(bucket_label(day, grain))
        day = bucket_range(labels[-1], grain)[1]
    return labels


def utc_bounds(day: date, type_: str) -> date | datetime:
    """A day's start as the column compares it: the local midnight, in UTC, for a datetime."""
    if type_ != "datetime":
        return day
    return datetime(day.year, day.month, day.day, tzinfo=app_zone()).astimezone(UTC).replace(tzinfo=None)
