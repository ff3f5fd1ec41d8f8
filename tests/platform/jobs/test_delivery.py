"""Events reach subscribers at least once, applied once, in order per record."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import event, select

from brickwork.platform.db import transaction
from brickwork.platform.jobs import subscribe, unsubscribe
from brickwork.platform.jobs.execute import run_job
from brickwork.platform.jobs.queue import is_postgres, pending_count
from brickwork.platform.models import JobRun, OutboxEvent
from tests.engines.form.helpers import field, form, publish, records
from tests.platform.jobs.seen import remember

TICKETS = form("tickets", field("t_title", "text", "title"), field("t_n", "number", "n"))
URL = records("tickets")


def test_every_record_change_reaches_the_subscriber_once_in_order(api, subscriber, seen, drain, sessions):
    assert publish(api, TICKETS).status_code == 200
    created = api.post(f"{URL}:bulk", json={"records": [{"title": f"t{i}", "n": i} for i in range(20)]})
    assert created.status_code == 201
    items = created.json()["items"]
    for item in items[:10]:  # two updates each, then five of them deleted
        for n in (100, 200):
            current = api.get(f"{URL}/{item['id']}").json()
            assert api.patch(f"{URL}/{item['id']}", json={"n": n, "version": current["version"]},
                             ).status_code == 200
    for item in items[:5]:
        assert api.delete(f"{URL}/{item['id']}").status_code in (200, 204)
    drain()
    rows = seen()
    with sessions() as s:
        emitted = s.scalars(select(OutboxEvent.key).where(OutboxEvent.topic.like("record.%"))
                            .order_by(OutboxEvent.id)).all()
    assert sorted(r["event_key"] for r in rows) == sorted(emitted)  # each event once, none lost
    topics = defaultdict(list)
    for r in rows:
        topics[r["record"]].append(r["topic"])
    first = f"tickets/{items[0]['id']}"
    assert topics[first] == ["record.created", "record.updated", "record.updated", "record.deleted"]
    assert topics[f"tickets/{items[7]['id']}"] == ["record.created", "record.updated", "record.updated"]
    assert topics[f"tickets/{items[15]['id']}"] == ["record.created"]
    assert rows[0]["idempotency_key"] == f"tests.seen:{rows[0]['event_key']}"


def test_a_bulk_create_defers_its_deliveries_in_one_statement(app, api, subscriber):
    assert publish(api, TICKETS).status_code == 200
    statements, engine = [], app.state.engine

    def watch(_conn, _cursor, statement, *_args):
        if "embedded_jobs" in statement and statement.lstrip().upper().startswith("INSERT") \
                or "procrastinate_defer_jobs" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        assert api.post(f"{URL}:bulk", json={"records": [{"title": f"t{i}"} for i in range(300)]}).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert len(statements) == 1


def test_a_rolled_back_change_delivers_nothing(api, subscriber, seen, drain):
    assert publish(api, TICKETS).status_code == 200
    refused = api.post(f"{URL}:bulk", json={"records": [{"title": "ok"}, {"n": "not a number"}]})
    assert refused.status_code == 422
    drain()
    assert seen() == []


def test_an_event_delivered_again_after_a_crash_is_not_applied_twice(api, subscriber, seen, drain, sessions):
    """The crash window: the subscriber's changes and receipt committed, then the worker died
    before the queue heard of it, so the job is delivered again."""
    assert publish(api, TICKETS).status_code == 200
    assert api.post(URL, json={"title": "once"}).status_code == 201
    with sessions() as s:  # the test subscriber's job (engines subscribe too: the rules engine)
        jobs = s.execute(select_pg_job() if is_postgres(s) else select_embedded_job()).all()
        job_id, envelope = next((i, e if isinstance(e, dict) else json.loads(e)) for i, e in jobs
                                if (e if isinstance(e, dict) else json.loads(e))["task"] == subscriber)
    assert run_job(sessions, job_id, envelope, 1).outcome == "succeeded"  # ... and the worker dies here
    drain()  # the queue still has the job: it runs again
    assert len(seen()) == 1
    with sessions() as s:
        outcomes = s.scalars(select(JobRun.outcome).where(JobRun.task == "tests.seen").order_by(JobRun.id)).all()
    assert outcomes == ["succeeded", "skipped"]


def select_pg_job():
    from sqlalchemy import text
    return text("SELECT id, args FROM procrastinate_jobs WHERE status = 'todo'")


def select_embedded_job():
    from brickwork.platform.models import EmbeddedJob
    return select(EmbeddedJob.id, EmbeddedJob.args).where(EmbeddedJob.status == "todo")


def test_events_of_other_topics_do_not_reach_the_subscriber(api, subscriber, seen, drain, sessions):
    with transaction(sessions) as s:
        from brickwork.platform.outbox import emit
        emit(s, "app.created", {"app": "x"})
    drain()
    assert seen() == []


def test_an_app_a_subscriber_does_not_want_makes_no_deliveries(api, seen, drain, sessions):
    """Writes in an app with nothing to act on them (a rules engine without a live rule
    there) make no delivery jobs; the app's events reach the subscriber once it wants them."""
    wanted_apps: set[str] = set()
    subscribe("tests.choosy", ["record.*"], remember("tests.choosy"),
              wanted=lambda session, app, form: app in wanted_apps)
    try:
        assert publish(api, TICKETS).status_code == 200
        assert api.post(f"{URL}:bulk", json={"records": [{"title": "ignored"}] * 5}).status_code == 201
        with sessions() as s:
            assert pending_count(s) == 0
        wanted_apps.add("crm")
        assert api.post(URL, json={"title": "wanted"}).status_code == 201
        drain()
    finally:
        unsubscribe("tests.choosy")
    assert [r["topic"] for r in seen("tests.choosy")] == ["record.created"]
