"""A failing subscriber retries with backoff, lands in the dead letters with its error, and a
retry by hand (API) delivers; meanwhile later events of the record wait their turn."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, update

from brickwork.platform.db import transaction
from brickwork.platform.jobs import Retry, subscribe, unsubscribe
from brickwork.platform.jobs.registry import Event
from brickwork.platform.models import JobRun
from brickwork.platform.outbox import NewEvent, emit_many
from tests.platform.jobs.seen import SEEN

switch_meta = MetaData()
BROKEN = Table("test_broken", switch_meta, Column("id", Integer, primary_key=True), Column("failing", Integer))


def flaky(session, event: Event) -> None:
    if session.scalar(select(BROKEN.c.failing)) and event.payload["n"] == 1:
        raise RuntimeError("the mail server said no")
    session.execute(insert(SEEN).values(subscriber="tests.flaky", event_key=event.key, topic=event.topic,
                                        record=str(event.payload["n"]), idempotency_key=event.idempotency_key))


def test_retry_backoff_dead_letter_and_a_retry_by_hand(api, seen, drain, engine, sessions):
    switch_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(BROKEN).values(id=1, failing=1))
    subscribe("tests.flaky", ["thing.*"], flaky, retry=Retry(attempts=3, base=0.05, factor=2))
    try:
        with transaction(sessions) as s:  # three events of one thing, in order
            emit_many(s, [NewEvent("thing.changed", {"app": "crm", "n": n}, order_key="thing/1") for n in (1, 2, 3)])
        drain()
        with sessions() as s:
            runs = s.scalars(select(JobRun).where(JobRun.task == "tests.flaky").order_by(JobRun.id)).all()
        first = [r for r in runs if r.outcome in ("retrying", "failed")]
        assert [(r.attempt, r.outcome) for r in first] == [(1, "retrying"), (2, "retrying"), (3, "failed")]
        assert "RuntimeError: the mail server said no" in first[-1].error
        # Once the first is dead, the later ones go on (a dead letter must not stop a record for good).
        assert [r["record"] for r in seen("tests.flaky")] == ["2", "3"]

        listed = api.get("/api/v1/runs", params={"outcome": "failed", "app": "crm"})
        assert listed.status_code == 200
        dead = listed.json()["items"]
        assert len(dead) == 1 and dead[0]["task"] == "tests.flaky" and dead[0]["kind"] == "event"

        with engine.begin() as conn:  # the mail server is back
            conn.execute(update(BROKEN).values(failing=0))
        retried = api.post(f"/api/v1/runs/{dead[0]['id']}/retry")
        assert retried.status_code == 202
        drain()
        assert [r["record"] for r in seen("tests.flaky")] == ["2", "3", "1"]
        again = api.post(f"/api/v1/runs/{dead[0]['id']}/retry")
        assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
        latest = api.get("/api/v1/runs", params={"limit": 1}).json()["items"][0]
        assert latest["outcome"] == "succeeded" and latest["attempt"] >= 4
    finally:
        unsubscribe("tests.flaky")


def test_a_retrying_event_holds_back_the_later_events_of_its_record(seen, drain, sessions):
    calls = []

    def heal_after_two(session, event: Event) -> None:
        calls.append(event.payload["n"])
        if event.payload["n"] == 1 and calls.count(1) < 3:
            raise RuntimeError("busy")
        session.execute(insert(SEEN).values(subscriber="tests.heal", event_key=event.key, topic=event.topic,
                                            record=str(event.payload["n"]), idempotency_key=""))

    subscribe("tests.heal", ["thing.*"], heal_after_two, retry=Retry(attempts=5, base=0.2, factor=1))
    try:
        with transaction(sessions) as s:
            emit_many(s, [NewEvent("thing.changed", {"n": n}, order_key="thing/1") for n in (1, 2)]
                      + [NewEvent("thing.changed", {"n": 9}, order_key="thing/2")])
        drain()
        assert [r["record"] for r in seen("tests.heal") if r["record"] != "9"] == ["1", "2"]
        assert calls.index(2) > max(i for i, n in enumerate(calls) if n == 1)  # 2 waited for 1
    finally:
        unsubscribe("tests.heal")


def test_the_run_log_is_for_administrators_and_checks_its_filters(api, client, sessions):
    bad = api.get("/api/v1/runs", params={"outcome": "exploded", "kind": "x", "limit": 0})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"outcome", "kind", "limit"}
    assert api.get("/api/v1/runs", params={"cursor": "abc"}).status_code == 422
    assert api.post("/api/v1/runs/999/retry").status_code == 404
    from brickwork.platform.identity.tokens import create_token
    from brickwork.platform.identity.users import create_user
    with transaction(sessions) as s:
        create_user(s, "someone", "password-123456")
        token = create_token(s, "someone", "t")[1]
    assert client.get("/api/v1/runs", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_runs_page_by_cursor(api, sessions):
    with transaction(sessions) as s:
        for i in range(5):
            s.add(JobRun(kind="job", task="t", key=str(i), attempt=1, duration_ms=1, outcome="succeeded", app="crm"))
    first = api.get("/api/v1/runs", params={"limit": 3}).json()
    second = api.get("/api/v1/runs", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [r["key"] for r in first["items"]] == ["4", "3", "2"]
    assert [r["key"] for r in second["items"]] == ["1", "0"] and second["next_cursor"] is None
