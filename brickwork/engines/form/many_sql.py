"""A compact ``set_many`` (decision 0036: one audit entry and one ``record.updated_many``
event for a batch given the same values) as parts of ONE PostgreSQL statement: the UPDATE
is a data-modifying ``WITH`` entry, and the audit and outbox rows are built in SQL from its
``RETURNING``, so the batch's ids never travel to Python and back (reading and re-sending
them was a third of a sweep's time: docs/PERFORMANCE.md). The caller puts the parts in its
own statement (``Select.add_cte``) beside what it writes too, and gives ``NOW`` and
``EVENT_KEY`` per execution, so the statement is built and compiled once per sweep.

PostgreSQL only: SQLite has no data-modifying ``WITH`` (it keeps ``set_many``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CTE

from brickwork.engines.form.forms import Form
from brickwork.platform.models import AuditEntry, OutboxEvent

TOPIC = "record.updated_many"
NOW = "many_now"  # the write's moment: updated_at, the audit entry's and the event's time
EVENT_KEY = "many_event_key"  # the outbox event's key: a new one per execution


@dataclass(frozen=True)
class Written:
    """The parts of a batch write: ``summary`` is one row (``n``, ``first``, ``last``, ``ids``:
    how many records changed, the lowest and highest id, all ids as a JSON array in order);
    ``writes`` are the audit and outbox inserts, to add to the statement."""

    changed: CTE
    summary: CTE
    writes: list[CTE]


def json_object(values: dict[str, Any]) -> ColumnElement[Any]:
    """A JSON object in SQL: SQL expressions as they are, Python values bound as JSON (the
    same serialiser as any JSON column)."""
    parts: list[Any] = []
    for key, value in values.items():
        parts += [literal(key, String), value if isinstance(value, ColumnElement) else literal(value, JSON)]
    return func.json_build_object(*parts, type_=JSON)


def updated_many(form: Form, user_id: int | None, where: ColumnElement[bool], columns: dict[str, Any],
                 after: dict[str, Any], origin: dict[str, Any]) -> Written:
    """The UPDATE by ``user_id`` of the records ``where`` picks (version + 1, ``columns``),
    and, when it changed any, one audit entry and one outbox event, shaped as
    ``RecordService._log_many`` writes them."""
    t = form.table
    actor = literal(user_id, BigInteger)
    now = bindparam(NOW, type_=DateTime)
    changed = update(t).where(where).values(
        **columns, version=t.c.version + 1, updated_at=now, updated_by=user_id,
    ).returning(t.c.id).cte("changed")
    summary = select(func.count().label("n"), func.min(changed.c.id).label("first"),
                     func.max(changed.c.id).label("last"),
                     func.json_agg(aggregate_order_by(changed.c.id, changed.c.id), type_=JSON).label("ids"),
                     ).cte("changed_ids")
    subject = f"{form.app.key}/{form.key}"
    audit = insert(AuditEntry.__table__).from_select(
        ["actor_id", "action", "subject_type", "subject_id", "changes", "at"],
        select(actor, literal(TOPIC, String), literal(subject, String),
               func.concat(summary.c.first, "-", summary.c.last),
               json_object({"ids": summary.c.ids, "after": after}), now).where(summary.c.n > 0),
    ).cte("audit")
    payload = json_object({"app": form.app.key, "form": form.key, "ids": summary.c.ids, "actor": actor,
                           "after": after, "changed": sorted(after), **origin})
    outbox = insert(OutboxEvent.__table__).from_select(
        ["key", "topic", "payload", "created_at", "available_at", "attempts", "processed_at"],
        select(bindparam(EVENT_KEY, type_=String), literal(TOPIC, String), payload, now, now,
               literal(0, Integer), now).where(summary.c.n > 0),
    ).cte("outbox")
    return Written(changed, summary, [audit, outbox])
