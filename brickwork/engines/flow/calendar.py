"""Working hours, for timeouts counted in them: "16 working hours" from Friday 15:00
is Tuesday 13:00, not Saturday 07:00.

v1 has one calendar: Monday to Friday, 09:00–18:00, in the installation's time zone
(``settings.timezone``, which ``platform.clock`` is configured with; apps have no zone of
their own), and no holidays. Time is counted to the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo

from brickwork.platform.clock import app_zone


@dataclass(frozen=True)
class Calendar:
    zone: tzinfo
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))  # Monday is 0
    opens: time = time(9)
    closes: time = time(18)


def default_calendar() -> Calendar:
    return Calendar(zone=app_zone())


def add_working_hours(start: datetime, hours: float, calendar: Calendar | None = None) -> datetime:
    """The moment ``hours`` of working time after ``start``. A naive ``start`` is UTC (as the
    database keeps it) and the answer is naive UTC too; an aware one gets an aware answer.
    Zero hours is ``start`` itself, even outside working time."""
    calendar = calendar or default_calendar()
    left = timedelta(seconds=round(max(hours, 0) * 3600))
    if not left:
        return start
    naive = start.tzinfo is None
    moment = (start.replace(tzinfo=UTC) if naive else start).astimezone(calendar.zone).replace(tzinfo=None)
    while True:
        day = moment.date()
        opens, closes = datetime.combine(day, calendar.opens), datetime.combine(day, calendar.closes)
        if day.weekday() not in calendar.days or moment >= closes:
            moment = datetime.combine(day + timedelta(days=1), calendar.opens)
            continue
        moment = max(moment, opens)
        if left <= closes - moment:
            found = (moment + left).replace(tzinfo=calendar.zone).astimezone(UTC)
            return found.replace(tzinfo=None) if naive else found.astimezone(start.tzinfo)
        left -= closes - moment
        moment = closes


def is_working_time(moment: datetime, calendar: Calendar | None = None) -> bool:
    """Whether ``moment`` (naive: UTC) falls in working time, both ends included."""
    calendar = calendar or default_calendar()
    local = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(calendar.zone)
    return local.weekday() in calendar.days and calendar.opens <= local.time().replace(tzinfo=None) <= calendar.closes
