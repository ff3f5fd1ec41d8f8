"""Jobs run explicitly here: ``drain()`` runs every due job on the test's database, with the
real queue of its backend (the embedded table on SQLite, procrastinate on PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from brickwork.platform.jobs import Retry, subscribe, unsubscribe
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
