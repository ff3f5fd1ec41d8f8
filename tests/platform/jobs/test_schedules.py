"""Delayed jobs, cron schedules in the installation's time zone, and pruning."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs import defer, next_time, set_schedule, task, unsubscribe
from brickwork.platform.jobs.prune import prune
from brickwork.platform.models import JobReceipt, JobRun, JobSchedule, OutboxEvent
from tests.platform.jobs.seen import SEEN
from tests.support.jobs import time_passes

SHANGHAI = ZoneInfo("Asia/Shanghai")


def note(session, args, ctx) -> None:
    session.execute(insert(SEEN).values(subscriber="tests.note", event_key=ctx.idempotency_key, topic="",
                                        record=args.get("what", ""), idempotency_key=ctx.idempotency_key))


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(SEEN).where(SEEN.c.subscriber == "tests.note"))


def test_a_daily_0930_schedule_in_shanghai_runs_at_0130_utc():
    assert next_time("30 9 * * *", datetime(2026, 12, 7, 0, 0), SHANGHAI) == datetime(2026, 12, 7, 1, 30)
    assert next_time("30 9 * * *", datetime(2026, 12, 7, 1, 30), SHANGHAI) == datetime(2026, 12, 8, 1, 30)
    assert next_time("0 0 1 * *", datetime(2026, 12, 7), SHANGHAI) == datetime(2026, 12, 31, 16, 0)


def test_a_delayed_job_runs_at_its_time_not_before(seen, drain, engine, sessions):
    """No wall-clock race: the delayed job is an hour away, waits while the other runs, and
    runs once its time (moved to the past, as the clock would) has come."""
    task("tests.note", note)
    try:
        with transaction(sessions) as s:
            defer(s, "tests.note", {"what": "later"}, at=utcnow() + timedelta(hours=1))
            defer(s, "tests.note", {"what": "now"})
        drain(due_only=True)
        assert [r["record"] for r in seen("tests.note")] == ["now"]
        time_passes(engine)
        drain()
        assert [r["record"] for r in seen("tests.note")] == ["now", "later"]
    finally:
        unsubscribe("tests.note")


def test_a_schedule_missed_while_no_worker_ran_fires_once_on_restart(seen, drain, engine, sessions):
    task("tests.note", note)
    try:
        with transaction(sessions) as s:
            set_schedule(s, "tests.daily", "tests.note", "30 9 * * *", {"what": "report"}, app="crm")
        with engine.begin() as conn:  # three days without a worker: three slots went by
            conn.execute(update(JobSchedule).where(JobSchedule.key == "tests.daily")
                         .values(next_at=utcnow() - timedelta(days=3)))
        drain()  # a worker starts again
        drain()
        assert count(engine) == 1
        with sessions() as s:
            schedule = s.scalar(select(JobSchedule).where(JobSchedule.key == "tests.daily"))
            run = s.scalar(select(JobRun).where(JobRun.task == "tests.note"))
        assert schedule.next_at > utcnow()
        local = schedule.next_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI)
        assert (local.hour, local.minute) == (9, 30)
        assert run.kind == "schedule" and run.app == "crm" and run.outcome == "succeeded"
    finally:
        unsubscribe("tests.note")


def test_a_seconds_cron_fires_again_after_a_worker_restart(seen, drain, engine, sessions):
    task("tests.note", note)
    try:
        with transaction(sessions) as s:
            set_schedule(s, "tests.often", "tests.note", "* * * * * *", {"what": "tick"})
        counts = []
        for _ in range(2):  # two worker lives, a moment apart
            time.sleep(1.1)
            drain()
            counts.append(count(engine))
        assert 1 <= counts[0] < counts[1]
    finally:
        unsubscribe("tests.note")


def test_changing_a_schedule_keeps_its_key(sessions):
    with transaction(sessions) as s:
        set_schedule(s, "rule:42", "tests.note", "0 8 * * *")
        set_schedule(s, "rule:42", "tests.note", "0 18 * * *", {"x": 1})
    with sessions() as s:
        rows = s.scalars(select(JobSchedule).where(JobSchedule.key == "rule:42")).all()
    assert len(rows) == 1 and rows[0].cron == "0 18 * * *" and rows[0].args == {"x": 1}


def test_pruning_removes_only_what_is_older_than_its_retention(sessions):
    old, recent = utcnow() - timedelta(days=40), utcnow() - timedelta(days=10)
    with transaction(sessions) as s:
        for when, tag in ((old, "old"), (recent, "recent")):
            s.add(OutboxEvent(key=f"e-{tag}", topic="t", payload={}, created_at=when, available_at=when))
            s.add(JobRun(kind="job", task="t", key=tag, attempt=1, duration_ms=0, outcome="succeeded",
                         started_at=when))
            s.add(JobReceipt(consumer="t", key=tag, at=when))
    with transaction(sessions) as s:
        gone = prune(s, events_days=30, runs_days=30)
    assert gone["events"] == 1 and gone["runs"] == 1 and gone["receipts"] == 1
    with sessions() as s:
        assert s.scalars(select(OutboxEvent.key)).all() == ["e-recent"]
        assert s.scalars(select(JobRun.key)).all() == ["recent"]
        assert s.scalars(select(JobReceipt.key)).all() == ["recent"]


def test_workers_keep_a_daily_pruning_schedule(drain, sessions):
    with sessions() as s:
        schedule = s.scalar(select(JobSchedule).where(JobSchedule.key == "brickwork.prune"))
    assert schedule.task == "brickwork.prune" and schedule.args == {"events_days": 30, "runs_days": 30}


def test_a_cron_that_cannot_be_read_is_refused_and_nothing_is_written(sessions):
    import pytest

    from brickwork.platform.jobs import BadCron

    with pytest.raises(BadCron):
        with transaction(sessions) as s:
            set_schedule(s, "rule:bad", "tests.note", "every tuesday")
    with sessions() as s:
        assert s.scalar(select(JobSchedule).where(JobSchedule.key == "rule:bad")) is None
