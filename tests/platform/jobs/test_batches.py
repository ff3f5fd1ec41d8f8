"""A record's queued events reach a subscriber in one transaction, not one job each: the
worker that runs the first takes the later ones of the same record along (decision 0018,
"Batches"), still in order and applied once; a failure inside the batch keeps the events
before it and leaves the failing one to the normal retry path."""

from __future__ import annotations

from sqlalchemy import event, insert, select

from brickwork.platform.db import transaction
from brickwork.platform.jobs import Retry, subscribe, unsubscribe
from brickwork.platform.jobs.registry import Event
from brickwork.platform.models import JobRun
from brickwork.platform.outbox import NewEvent, emit_many
from tests.platform.jobs.seen import SEEN

EVENTS = 60


def note(name: str, fail_on: int | None = None, failures: int = 0):
    calls: list[int] = []

    def handler(session, event_: Event) -> None:
        n = event_.payload["n"]
        calls.append(n)
        if n == fail_on and calls.count(n) <= failures:
            raise RuntimeError("the other side is busy")
        session.execute(insert(SEEN).values(subscriber=name, event_key=event_.key, topic=event_.topic,
                                            record=str(n), idempotency_key=event_.idempotency_key))
    return handler, calls


def emit_backlog(sessions, count: int) -> None:
    with transaction(sessions) as s:
        emit_many(s, [NewEvent("thing.changed", {"n": n}, order_key="thing/1") for n in range(count)])


def test_a_backlog_of_one_record_is_delivered_in_few_transactions_in_order(seen, drain, engine, sessions):
    handler, _ = note("tests.batch")
    subscribe("tests.batch", ["thing.*"], handler)
    commits = []

    def count(connection) -> None:
        commits.append(connection)

    try:
        emit_backlog(sessions, EVENTS)
        event.listen(engine, "commit", count)
        try:
            drain()
        finally:
            event.remove(engine, "commit", count)
        assert [int(r["record"]) for r in seen("tests.batch")] == list(range(EVENTS))  # once each, in order
        assert len(commits) < EVENTS // 3  # not one transaction (or three) per event
        with sessions() as s:
            outcomes = s.scalars(select(JobRun.outcome).where(JobRun.task == "tests.batch")).all()
        assert outcomes == ["succeeded"] * EVENTS  # the run log still has a row per event
    finally:
        unsubscribe("tests.batch")


def test_a_failure_inside_a_batch_keeps_the_events_before_it_and_retries_it_in_order(seen, drain, sessions):
    handler, calls = note("tests.batch_fail", fail_on=4, failures=2)
    subscribe("tests.batch_fail", ["thing.*"], handler, retry=Retry(attempts=5, base=0.05, factor=1))
    try:
        emit_backlog(sessions, 10)
        drain()
        assert [int(r["record"]) for r in seen("tests.batch_fail")] == list(range(10))
        assert calls.index(5) > max(i for i, n in enumerate(calls) if n == 4)  # 5 waited for 4
        with sessions() as s:
            runs = s.execute(select(JobRun.key, JobRun.outcome).where(JobRun.task == "tests.batch_fail")
                             .order_by(JobRun.id)).all()
        assert [outcome for _, outcome in runs].count("succeeded") == 10
        assert "retrying" in [outcome for _, outcome in runs]  # the failure is in the run log
    finally:
        unsubscribe("tests.batch_fail")
