"""The one small interface over the two job queues: defer, retry a dead job, prune.

PostgreSQL: procrastinate's own table and SQL functions, called on the caller's connection
so a job commits or rolls back with the data and the event that caused it. SQLite: the
``embedded_jobs`` table, run by the worker inside ``brickwork serve``. Everything above
(subscribers, tasks, schedules, the run log) is shared.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, insert, text, update
from sqlalchemy.orm import Session

from brickwork.platform.db import utcnow
from brickwork.platform.models import EmbeddedJob

QUEUE = "brickwork"  # procrastinate queue name
TASK = "brickwork.run"  # the one procrastinate task; which of ours runs is in its args
DEFERRED = "brickwork_jobs_deferred"  # connection.info: wake the in-process worker after commit

# Set after a commit that deferred jobs; the embedded worker waits on it (no busy polling).
wake = threading.Event()


@dataclass
class Job:
    """One job to defer. ``key`` identifies the work for the receipt (applied once);
    ``lock`` serialises jobs that share it, in the order they were deferred."""

    task: str
    args: dict[str, Any] = field(default_factory=dict)
    kind: str = "job"
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    lock: str | None = None
    at: datetime | None = None  # naive UTC; None runs as soon as possible
    app: str | None = None
    topic: str | None = None

    def envelope(self) -> dict[str, Any]:
        return {"task": self.task, "kind": self.kind, "key": self.key, "app": self.app,
                "topic": self.topic, "args": self.args}


def is_postgres(session: Session | Connection) -> bool:
    bind = session.get_bind() if isinstance(session, Session) else session
    return bind.dialect.name == "postgresql"


def defer_many(session: Session, jobs: list[Job]) -> None:
    """Add jobs in the session's transaction, set-wise (one statement for the batch)."""
    if not jobs:
        return
    if is_postgres(session):
        rows = [{"lock": j.lock, "args": j.envelope(),
                 "at": j.at.isoformat() + "+00:00" if j.at else None} for j in jobs]
        session.execute(text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY("
            " SELECT ROW(:queue, :task, 0, j.value->>'lock', NULL, j.value->'args',"
            "  (j.value->>'at')::timestamptz)::procrastinate_job_to_defer_v1"
            " FROM jsonb_array_elements(CAST(:jobs AS jsonb)) WITH ORDINALITY AS j(value, n) ORDER BY j.n))"),
            {"queue": QUEUE, "task": TASK, "jobs": json.dumps(rows)})
    else:
        now = utcnow()
        session.execute(insert(EmbeddedJob.__table__), [
            {"args": j.envelope(), "lock": j.lock, "status": "todo", "scheduled_at": j.at,
             "attempts": 0, "created_at": now} for j in jobs])
        _wake_after_commit(session)


def retry_dead(session: Session, job_id: int) -> bool:
    """Put a dead (failed) job back in line for one more try now. False if it is not dead."""
    if is_postgres(session):
        found = session.execute(text("SELECT 1 FROM procrastinate_jobs WHERE id = :id AND status = 'failed'"
                                     " FOR UPDATE"), {"id": job_id}).first()
        if not found:
            return False
        session.execute(text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"), {"id": job_id})
        return True
    done = session.execute(update(EmbeddedJob).where(EmbeddedJob.id == job_id, EmbeddedJob.status == "failed")
                           .values(status="todo", scheduled_at=None, finished_at=None))
    _wake_after_commit(session)
    return done.rowcount == 1


def prune_dead(session: Session, before: datetime) -> int:
    """Delete dead jobs that failed before ``before`` (succeeded jobs are deleted as they
    finish; the run log keeps their story)."""
    if is_postgres(session):
        result = session.execute(text(
            "DELETE FROM procrastinate_jobs j WHERE j.status = 'failed' AND j.queue_name = :queue"
            " AND NOT EXISTS (SELECT 1 FROM procrastinate_events e WHERE e.job_id = j.id AND e.at >= :before)"),
            {"queue": QUEUE, "before": before.isoformat() + "+00:00"})
    else:
        result = session.execute(delete(EmbeddedJob).where(EmbeddedJob.status == "failed",
                                                           EmbeddedJob.finished_at < before))
    return result.rowcount


def pending_count(session: Session) -> int:
    """Jobs not yet finished (waiting, running or waiting for a retry)."""
    if is_postgres(session):
        return session.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = :q"
                                    " AND status IN ('todo', 'doing')"), {"q": QUEUE}).scalar_one()
    return session.execute(text("SELECT count(*) FROM embedded_jobs WHERE status IN ('todo', 'doing')")).scalar_one()


def in_seconds(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def _wake_after_commit(session: Session | Connection) -> None:
    connection = session.connection() if isinstance(session, Session) else session
    connection.info[DEFERRED] = True


# On the connection, not the session: the record service may write through a Connection.
# The worker's own transaction starts with BEGIN IMMEDIATE, so it waits for this commit to land.
@event.listens_for(Engine, "commit")
def _wake_worker(connection: Connection) -> None:
    if connection.info.pop(DEFERRED, False):
        wake.set()


@event.listens_for(Engine, "rollback")
def _forget_deferred(connection: Connection) -> None:
    connection.info.pop(DEFERRED, None)
