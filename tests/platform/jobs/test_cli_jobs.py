"""`brickwork worker --once` runs what is due; `brickwork runs list|retry` read and act on
the run log; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import insert, select

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.jobs import Retry, subscribe, unsubscribe
from brickwork.platform.outbox import emit
from tests.platform.jobs.seen import SEEN, seen_meta
from tests.test_cli import env, run  # noqa: F401  (the CLI tests' environment and runner)

pytestmark = pytest.mark.usefixtures("env")


@pytest.mark.empty_database
def test_a_worker_refuses_an_unmigrated_database(capsys):
    code, _out, err = run(capsys, "worker", "--once")
    assert code == 2 and err.count("\n") == 1 and "brickwork worker --migrate" in err


def test_worker_once_then_runs_list_and_retry(capsys, database_url):
    assert run(capsys, "db", "upgrade")[0] == 0
    engine = make_engine(database_url)
    seen_meta.create_all(engine)
    failing = [True]

    def handler(session, event):
        if failing[0]:
            raise ValueError("no route to host")
        session.execute(insert(SEEN).values(subscriber="tests.cli", event_key=event.key, topic=event.topic,
                                            record="", idempotency_key=event.idempotency_key))

    subscribe("tests.cli", ["cli.*"], handler, retry=Retry(attempts=1))
    try:
        with transaction(make_sessionmaker(engine)) as s:
            emit(s, "cli.ping", {"app": "crm"})
        assert run(capsys, "worker", "--once")[0] == 0
        code, out, _err = run(capsys, "runs", "list", "--outcome", "failed")
        assert code == 0 and "tests.cli" in out and "ValueError: no route to host" in out
        run_id = out.split("\t", 1)[0]
        failing[0] = False
        code, out, _err = run(capsys, "runs", "retry", run_id)
        assert code == 0
        assert run(capsys, "worker", "--once")[0] == 0
        code, out, _err = run(capsys, "runs", "list", "--app", "crm", "--limit", "1")
        assert "succeeded" in out
        code, _out, err = run(capsys, "runs", "retry", run_id)
        assert code == 2 and "retried already" in err
    finally:
        unsubscribe("tests.cli")
        engine.dispose()


def test_runs_list_refuses_an_unknown_outcome(capsys):
    assert run(capsys, "db", "upgrade")[0] == 0
    code, _out, err = run(capsys, "runs", "list", "--outcome", "exploded")
    assert code == 2 and "outcome" in err and err.count("\n") == 1


def test_worker_once_runs_what_its_jobs_defer_while_it_runs(capsys, database_url):
    """A job that emits while another slot of the worker finds the queue empty: ``--once``
    still runs the job it deferred (the demo's rules chain this way on first start)."""
    assert run(capsys, "db", "upgrade")[0] == 0
    engine = make_engine(database_url)
    seen_meta.create_all(engine)

    def handler(session, event):
        if event.payload["hop"] < 3:
            time.sleep(0.3)  # the worker's other slot looks meanwhile and finds nothing
            emit(session, "chain.hop", {"app": "crm", "hop": event.payload["hop"] + 1})
        session.execute(insert(SEEN).values(subscriber="tests.chain", event_key=event.key, topic=event.topic,
                                            record=str(event.payload["hop"]), idempotency_key=event.idempotency_key))

    subscribe("tests.chain", ["chain.*"], handler)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            emit(s, "chain.hop", {"app": "crm", "hop": 1})
        assert run(capsys, "worker", "--once")[0] == 0
        with engine.connect() as conn:
            hops = conn.execute(select(SEEN.c.record).where(SEEN.c.subscriber == "tests.chain")).scalars().all()
        assert sorted(hops) == ["1", "2", "3"]
    finally:
        unsubscribe("tests.chain")
        engine.dispose()
