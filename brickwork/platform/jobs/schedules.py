"""Cron schedules kept in the database under a stable key, fired by whichever worker sees
them due first. Times are read in the installation's time zone (``BRICKWORK_TIMEZONE``):
``30 9 * * *`` is 09:30 there. An optional sixth field gives seconds: ``* * * * * */5`` runs
every five seconds.

A worker claims a due schedule by moving ``next_at`` to the next slot after *now* with a
compare-and-set update, and defers its job in the same transaction: two workers never both
fire a slot, and slots missed while no worker ran fire once, not once each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform import clock
from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs.queue import Job, defer_many, is_postgres
from brickwork.platform.models import JobSchedule


class BadCron(ValueError):
    """The cron expression cannot be read."""


def next_time(cron: str, after: datetime, zone: ZoneInfo | None = None) -> datetime:
    """The first slot of ``cron`` strictly after ``after`` (naive UTC), as naive UTC, with
    the expression read in ``zone`` (the installation's time zone by default)."""
    zone = zone or clock.app_zone()
    if not croniter.is_valid(cron):
        raise BadCron(cron)
    local = after.replace(tzinfo=UTC).astimezone(zone)
    following = croniter(cron, local).get_next(datetime)
    return following.astimezone(UTC).replace(tzinfo=None)


def set_schedule(session: Session, key: str, task: str, cron: str, args: dict[str, Any] | None = None,
                 app: str | None = None, enabled: bool = True) -> JobSchedule:
    """Create or change the schedule ``key``. A changed cron starts counting from now."""
    now = utcnow()
    first = next_time(cron, now)  # also refuses a bad cron before anything is written
    # Insert-or-nothing first: workers starting together all make the built-in schedules.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(JobSchedule).values(key=key, task=task, cron=cron, args=args or {}, app=app,
                                               enabled=enabled, next_at=first, created_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    found = session.scalar(select(JobSchedule).where(JobSchedule.key == key).execution_options(populate_existing=True))
    if found.cron != cron:
        found.cron, found.next_at = cron, first
    found.task, found.args, found.app, found.enabled = task, args or {}, app, enabled
    session.flush()
    return found


def remove_schedule(session: Session, key: str) -> bool:
    found = session.scalar(select(JobSchedule).where(JobSchedule.key == key))
    if found is not None:
        session.delete(found)
    return found is not None


def fire_due(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Defer one job for each due schedule; returns how many fired."""
    now = now or utcnow()
    fired = 0
    with transaction(sessions) as session:
        query = select(JobSchedule).where(JobSchedule.enabled.is_(True), JobSchedule.next_at <= now) \
            .order_by(JobSchedule.next_at).limit(100)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        jobs = []
        for schedule in session.scalars(query).all():
            slot = schedule.next_at
            try:
                following = next_time(schedule.cron, now)
            except BadCron:  # written before validation existed, or by hand: stop it, loudly
                schedule.enabled = False
                continue
            claimed = session.execute(update(JobSchedule).where(JobSchedule.id == schedule.id,
                                                                JobSchedule.next_at == slot)
                                      .values(next_at=following, last_at=now)
                                      .execution_options(synchronize_session=False))
            if claimed.rowcount == 1:
                jobs.append(Job(task=schedule.task, args=dict(schedule.args or {}), kind="schedule",
                                key=f"{schedule.key}@{slot.isoformat()}", app=schedule.app,
                                lock=f"schedule:{schedule.key}"))
        defer_many(session, jobs)
        fired = len(jobs)
    return fired


def next_due(session: Session) -> datetime | None:
    return session.scalar(select(JobSchedule.next_at).where(JobSchedule.enabled.is_(True))
                          .order_by(JobSchedule.next_at).limit(1))
