"""F12: node timeouts fire through the real job queue (the embedded table on SQLite,
procrastinate on PostgreSQL) once their time comes: the clock is moved by making the
waiting jobs due, never by sleeping. A decision made before the job runs wins."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from brickwork.engines.flow.timeouts import due_at
from brickwork.platform.db import make_engine, make_sessionmaker
from brickwork.platform.jobs.embedded import EmbeddedWorker
from brickwork.platform.jobs.worker import prepare, run_to_end
from tests.engines.flow.helpers import approval, flow, publish_flow, users
from tests.support.jobs import time_passes


def test_f12_nobody_acts_and_the_task_is_auto_approved(org, engine, drain):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]),
                                                 timeout={"hours": 48, "action": "auto_approve"})))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    drain(due_only=True)
    assert org.admin_view(i)["state"] == "running"  # 48 hours have not passed
    time_passes(engine)
    drain()
    view = org.admin_view(i)
    assert view["state"] == "approved"
    [task] = view["tasks"]
    assert (task["outcome"], task["actor"], task["reason"]) == ("auto_approved", None, "timeout")


def test_f12_an_approval_just_before_the_timeout_wins(org, engine, drain):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]),
                                                 timeout={"hours": 48, "action": "auto_approve"})))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("a", i, "approve")
    time_passes(engine)
    drain()
    view = org.admin_view(i)
    assert [t["outcome"] for t in view["tasks"]] == ["approved"]
    assert [e["action"] for e in view["timeline"]].count("approved") == 2  # the task's, the instance's
    assert "timed_out" not in [e["action"] for e in view["timeline"]]


def test_f12_a_reminder_repeats_until_someone_acts(org, engine, drain):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]),
                                                 timeout={"hours": 24, "action": "remind", "repeat_hours": 24})))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    before = org.clients["a"].get("/api/v1/notifications").json()["unread"]
    for _day in range(2):
        time_passes(engine)
        drain(due_only=True)
    assert org.clients["a"].get("/api/v1/notifications").json()["unread"] == before + 2
    assert org.admin_view(i)["state"] == "running"
    org.act("a", i, "approve")
    time_passes(engine)
    drain(due_only=True)
    assert org.clients["a"].get("/api/v1/notifications").json()["unread"] == before + 2


def test_f12_a_timeout_fires_after_a_restart(org, engine, settings, database_url):
    """The job waits in the database while no worker runs; a worker started afresh, on a new
    engine, runs it."""
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]),
                                                 timeout={"hours": 2, "action": "auto_reject"})))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    time_passes(engine)
    fresh = make_engine(database_url)
    try:
        sessions = make_sessionmaker(fresh)
        prepare(settings, sessions)
        if fresh.dialect.name == "sqlite":
            EmbeddedWorker(sessions).run_pending()
        else:
            from brickwork.platform.jobs.postgres import run_worker

            run_to_end(lambda: run_worker(database_url, sessions, 2, wait=False))
    finally:
        fresh.dispose()
    view = org.admin_view(i)
    assert view["state"] == "rejected"
    assert [t["outcome"] for t in view["tasks"]] == ["auto_rejected"]


def test_a_timeout_counts_working_hours_unless_told_otherwise(monkeypatch):
    """Two working hours from Friday 17:00 in Shanghai fall on Monday 10:00 there; two
    calendar hours fall on Friday 19:00 (times as the database keeps them: naive UTC)."""
    from brickwork.engines.flow import calendar

    monkeypatch.setattr(calendar, "app_zone", lambda: ZoneInfo("Asia/Shanghai"))
    friday_5pm = datetime(2026, 12, 4, 9, 0)  # 17:00 in Shanghai
    assert due_at(friday_5pm, {"hours": 2}) == datetime(2026, 12, 7, 2, 0)
    assert due_at(friday_5pm, {"hours": 2, "working_hours": False}) == datetime(2026, 12, 4, 11, 0)
