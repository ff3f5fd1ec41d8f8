"""Subscriber for bench/bench_outbox.py (BRICKWORK_PLUGINS=bench.outbox_plugin): notes when
it applied each event, in the same transaction as its receipt."""

from sqlalchemy import Column, DateTime, MetaData, String, Table, insert

from brickwork.platform.db import utcnow
from brickwork.platform.jobs import subscribe

meta = MetaData()
APPLIED = Table("bench_applied", meta, Column("event_key", String(64), primary_key=True),
                Column("applied_at", DateTime))


def note(session, event) -> None:
    session.execute(insert(APPLIED).values(event_key=event.key, applied_at=utcnow()))


subscribe("bench.lag", ["bench.*"], note)
