"""Moving the queue's clock in tests: time never passes by sleeping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from brickwork.platform.db import utcnow


def time_passes(engine) -> None:
    """The hours or days go by: every job waiting in the queue (the embedded table on SQLite,
    procrastinate on PostgreSQL) is due now."""
    table = "procrastinate_jobs" if engine.dialect.name == "postgresql" else "embedded_jobs"
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET scheduled_at = :past WHERE status = 'todo'"),
                     {"past": utcnow() - timedelta(seconds=1)})
