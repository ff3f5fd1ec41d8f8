"""Timeouts in working hours: Monday to Friday, 09:00–18:00 in the installation's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.flow.calendar import Calendar, add_working_hours, is_working_time

SHANGHAI = Calendar(zone=ZoneInfo("Asia/Shanghai"))
BERLIN = Calendar(zone=ZoneInfo("Europe/Berlin"))  # a zone with summer time
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31))
hours = st.integers(min_value=0, max_value=60 * 24 * 30).map(lambda minutes: minutes / 60)
calendars = st.sampled_from([SHANGHAI, BERLIN])


def local(text: str, calendar: Calendar = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=calendar.zone)


def test_friday_afternoon_plus_a_day_of_work_is_monday_afternoon():
    friday = local("2026-12-04T15:00")  # a Friday
    assert add_working_hours(friday, 9, SHANGHAI) == local("2026-12-07T15:00")
    assert add_working_hours(friday, 16, SHANGHAI) == local("2026-12-08T13:00")


def test_a_claim_sent_on_saturday_night_starts_counting_on_monday_morning():
    saturday = local("2026-12-05T23:30")
    assert add_working_hours(saturday, 1, SHANGHAI) == local("2026-12-07T10:00")
    assert add_working_hours(saturday, 0, SHANGHAI) == saturday


def test_naive_moments_are_utc_as_the_database_keeps_them():
    # 2026-12-07 00:30 UTC is Monday 08:30 in Shanghai: counting starts at 09:00 local (01:00 UTC).
    assert add_working_hours(datetime(2026, 12, 7, 0, 30), 2, SHANGHAI) == datetime(2026, 12, 7, 3, 0)


@given(moments, hours, hours, calendars)
def test_more_hours_never_end_sooner(start, a, b, calendar):
    start = start.replace(tzinfo=UTC)
    low, high = sorted((a, b))
    assert add_working_hours(start, low, calendar) <= add_working_hours(start, high, calendar)


@given(moments, hours, hours, calendars)
def test_adding_a_then_b_is_adding_both(start, a, b, calendar):
    start = start.replace(tzinfo=UTC)
    once = add_working_hours(start, a + b, calendar)
    assert add_working_hours(add_working_hours(start, a, calendar), b, calendar) == once


@given(moments, hours, calendars)
def test_a_due_time_always_falls_in_working_time(start, h, calendar):
    due = add_working_hours(start.replace(tzinfo=UTC), h, calendar)
    assert h == 0 or is_working_time(due, calendar)
