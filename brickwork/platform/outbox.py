"""The outbox: domain events written in the same transaction as the change they report.

Emitting also defers one job per matching subscriber (``platform.jobs.subscribe``) in that
same transaction, set-wise for a batch, so delivery starts without polling the outbox and
a rolled-back change delivers nothing. Jobs of one subscriber that share an ordering key
(a record: ``app/form/id``) run one at a time in the order they were emitted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from brickwork.platform.db import utcnow
from brickwork.platform.jobs.queue import Job, defer_many
from brickwork.platform.jobs.registry import iso, subscribers_for
from brickwork.platform.models import OutboxEvent


@dataclass
class NewEvent:
    topic: str
    payload: dict[str, Any]
    order_key: str | None = None  # events sharing it reach each subscriber in order
    key: str = ""


def emit(session: Session, topic: str, payload: dict[str, Any], key: str | None = None,
         order_key: str | None = None) -> str:
    """Write one event; returns its key. Without ``order_key`` the event's app orders it."""
    return emit_many(session, [NewEvent(topic, payload, order_key or payload.get("app"), key or "")])[0]


def emit_many(session: Session, events: list[NewEvent], moment: datetime | None = None) -> list[str]:
    """Write a batch of events and their deliveries, one statement each; returns the keys."""
    if not events:
        return []
    moment = moment or utcnow()
    for e in events:
        e.key = e.key or uuid.uuid4().hex
    session.execute(insert(OutboxEvent.__table__), [
        {"key": e.key, "topic": e.topic, "payload": e.payload, "created_at": moment, "available_at": moment,
         "attempts": 0, "processed_at": moment} for e in events])
    occurred = iso(moment)
    pairs = [(e, sub) for e in events for sub in subscribers_for(e.topic)]
    asked = _ask_wanted(session, {(sub.name, e.payload.get("app"), e.payload.get("form")): sub
                                  for e, sub in pairs if sub.wanted is not None})
    defer_many(session, [
        Job(task=sub.name, kind="event", key=e.key, app=e.payload.get("app"), topic=e.topic,
            lock=f"{sub.name}:{e.order_key}" if e.order_key else None,
            args={"key": e.key, "topic": e.topic, "payload": e.payload, "occurred_at": occurred})
        for e, sub in pairs if sub.wanted is None or asked[sub.name, e.payload.get("app"), e.payload.get("form")]])
    return [e.key for e in events]


def delivered(session: Session, topic: str, app: str | None, form: str | None = None) -> bool:
    """Whether an event of ``topic`` in ``app`` (on ``form``) would get a delivery job (a
    subscriber wants it): a writer that builds its event in SQL (form engine's many_sql.py)
    writes only the outbox row, so it asks this first."""
    subs = subscribers_for(topic)
    return any(sub.wanted is None for sub in subs) or any(_ask_wanted(session, {(sub.name, app, form): sub
                                                                             for sub in subs}).values())


Wanted = tuple[str, str | None, str | None]  # subscriber, app, form


def _ask_wanted(session: Session, pairs: dict[Wanted, Any]) -> dict[Wanted, bool]:
    """Each subscriber's ``wanted`` once per app and form of the batch. Answers given as
    queries (any row means yes) are asked together, in one statement, as that is one round
    trip per write however many subscribers there are."""
    asked: dict[Wanted, bool] = {}
    queries: dict[Wanted, Any] = {}
    for (name, app, form), sub in pairs.items():
        answer = sub.wanted(session, app, form)
        if isinstance(answer, bool):
            asked[name, app, form] = answer
        else:
            queries[name, app, form] = answer
    if queries:
        row = session.execute(select(*(q.exists() for q in queries.values()))).one()
        asked.update((key, bool(found)) for key, found in zip(queries, row, strict=True))
    return asked
