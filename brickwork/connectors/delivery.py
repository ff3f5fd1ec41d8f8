"""Sending through a connection, on the jobs floor (docs/decisions/0031-connectors.md).

``enqueue`` writes a delivery row unique by its idempotency key and defers the task
``connectors.deliver`` in the caller's transaction: a rule run again on the same event, or
an event delivered twice, asks for the same key and sends nothing more. The task sends,
marks the row sent and commits with its receipt. A failure raises, so the jobs floor
retries with exponential backoff and the run log shows the service's answer, secrets
scrubbed. Deliveries of one connection run one at a time in order (the job lock), which
also makes the rate limit's count exact; a send over the limit is deferred, not dropped.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from brickwork.connectors.service import open_connection, scrub
from brickwork.platform.db import utcnow
from brickwork.platform.jobs import Retry, RunContext, defer, task
from brickwork.platform.models import App, Connection, ConnectionDelivery

TASK = "connectors.deliver"
# 30 s, 1, 2, 4, 8, 16, 32 min, then 1 h: about two hours of trying before it is a dead letter.
RETRY = Retry(attempts=8, base=30.0, factor=2.0, cap=3600.0)


class DeliveryFailed(Exception):
    """A send failed; the text is the service's answer with every secret scrubbed."""


def lock_of(connection_id: int) -> str:
    return f"connection:{connection_id}"


def enqueue(session: Session, connection: Connection, message: dict[str, Any], key: str,
            summary: dict[str, Any] | None = None) -> bool:
    """Queue ``message`` for ``connection`` under the idempotency ``key`` (at most 200
    characters). False when that key was queued before: nothing more is sent."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = ConnectionDelivery.__table__
    made = session.execute(dialect.insert(table).values(
        connection_id=connection.id, key=key, status="queued", summary=summary or {}, attempts=0,
        created_at=utcnow()).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)).first()
    if made is None:
        return False
    app = session.scalar(select(App.key).where(App.id == connection.app_id))
    defer(session, TASK, {"delivery": key, "message": message}, key=key, lock=lock_of(connection.id), app=app)
    return True


def _room(session: Session, connection_id: int, limits: tuple[tuple[int, float], ...]):
    """When the connection may send next: None for now, else the moment a window frees up."""
    now, latest = utcnow(), None
    for count, seconds in limits:
        since = now - timedelta(seconds=seconds)
        sent = select(ConnectionDelivery.sent_at).where(
            ConnectionDelivery.connection_id == connection_id, ConnectionDelivery.sent_at > since)
        if session.scalar(select(func.count()).select_from(sent.subquery())) < count:
            continue
        oldest = session.scalar(sent.order_by(ConnectionDelivery.sent_at.desc()).offset(count - 1).limit(1))
        free = oldest + timedelta(seconds=seconds)
        latest = free if latest is None or free > latest else latest
    return latest


@task(TASK, retry=RETRY)
def deliver(session: Session, args: dict[str, Any], ctx: RunContext) -> None:
    delivery = session.scalar(select(ConnectionDelivery).where(ConnectionDelivery.key == args["delivery"])
                              .with_for_update())
    if delivery is None or delivery.status != "queued":
        return  # sent already, or its connection was deleted
    row = session.get(Connection, delivery.connection_id)
    if row is None or not row.enabled:
        delivery.status, delivery.error = "skipped", "connection disabled"
        return
    opened = open_connection(row)
    at = _room(session, row.id, opened.connector.limits)
    if at is not None:  # over the service's rate limit: the same delivery, later
        defer(session, TASK, args, key=f"{args['delivery'][:180]}~{uuid.uuid4().hex[:12]}", lock=lock_of(row.id), at=at,
              app=session.scalar(select(App.key).where(App.id == row.app_id)))
        return
    assert opened.connector.send is not None
    delivery.attempts = ctx.attempt
    try:
        done = opened.connector.send(session, opened, {**args["message"], "idempotency_key": args["delivery"]})
    except Exception as exc:  # whatever the service or network said: a failed attempt, retried
        raise DeliveryFailed(scrub(f"{type(exc).__name__}: {exc}", opened.secret_values())) from None
    delivery.status, delivery.sent_at, delivery.error = "sent", utcnow(), None
    delivery.summary = {**delivery.summary, **(done or {})}


def deliveries(session: Session, connection: Connection, limit: int = 50) -> list[ConnectionDelivery]:
    """The connection's latest deliveries, newest first."""
    return list(session.scalars(select(ConnectionDelivery).where(ConnectionDelivery.connection_id == connection.id)
                                .order_by(ConnectionDelivery.id.desc()).limit(limit)))
