"""Jobs run explicitly here: ``drain()`` runs every due job on the test's database, with the
real queue of its backend (the embedded table on SQLite, procrastinate on PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from brickwork.platform.jobs import Retry, subscribe, unsubscribe
from brickwork.platform.jobs.embedded import EmbeddedWorker
from brickwork.platform.jobs.queue import pending_count
from brickwork.platform.jobs.worker import prepare
from tests.platform.jobs.seen import SEEN, remember, seen_meta


@pytest.fixture
def seen(engine):
    seen_meta.create_all(engine)

    def rows(subscriber: str = "tests.seen") -> list[dict]:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(SEEN).where(SEEN.c.subscriber == subscriber).order_by(SEEN.c.id))]
    return rows


@pytest.fixture
def subscriber(seen):
    """A subscriber to record events that remembers each one it applies."""
    subscribe("tests.seen", ["record.*"], remember("tests.seen"), retry=Retry(attempts=3, base=0.05))
    yield "tests.seen"
    unsubscribe("tests.seen")


@pytest.fixture
def drain(settings, engine, sessions):
    """Run jobs until none is left waiting (retries included), at most ``seconds`` long."""
    prepare(settings, sessions)

    def run(seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if engine.dialect.name == "sqlite":
                EmbeddedWorker(sessions).run_pending()
            else:
                from brickwork.platform.jobs.postgres import run_worker

                asyncio.run(run_worker(settings.database_url, sessions, 2, wait=False))
            with sessions() as session:
                if pending_count(session) == 0:
                    return
            assert time.monotonic() < deadline, "jobs still waiting"
            time.sleep(0.05)
    return run
