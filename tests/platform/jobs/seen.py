"""A table where test subscribers note what they applied, in the same transaction: a row
here is an event applied. Used in-process and by the plugin in subprocesses."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from brickwork.platform.jobs import Event

# What test subscribers saw, written in their own transaction: "applied" means a row here.
seen_meta = MetaData()
SEEN = Table("test_seen", seen_meta, Column("id", Integer, primary_key=True),
             Column("subscriber", String(64)), Column("event_key", String(64)), Column("topic", String(64)),
             Column("record", String(64)), Column("idempotency_key", String(200)))



def remember(name: str):
    def handler(session, event: Event) -> None:
        record = f"{event.payload.get('form')}/{event.payload.get('id')}"
        session.execute(insert(SEEN).values(subscriber=name, event_key=event.key, topic=event.topic,
                                            record=record, idempotency_key=event.idempotency_key))
    return handler
