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


@dataclass(frozen=True)
class Queued:
    """A job as a worker runs it: its queue id, envelope (``Job.envelope``) and attempt number."""

    job_id: int | None
    envelope: dict[str, Any]
    attempt: int


# The due jobs queued behind ``id`` on its lock, in order. Rows another transaction holds are
# skipped by the lock but still listed (``taken`` false), so the batch can stop before them
# instead of jumping over them; so does a job not yet due (a retry waiting holds back the rest).
_FOLLOWERS_PG = text(
    "WITH next AS (SELECT id FROM procrastinate_jobs WHERE lock = :lock AND status = 'todo' AND id > :id"
    "  AND queue_name = :queue ORDER BY id LIMIT :limit),"
    " taken AS (SELECT id, args, attempts, scheduled_at FROM procrastinate_jobs"
    "  WHERE id IN (SELECT id FROM next) AND status = 'todo' FOR UPDATE SKIP LOCKED)"
    " SELECT next.id, taken.args, taken.attempts,"
    "  taken.id IS NOT NULL AND (taken.scheduled_at IS NULL OR taken.scheduled_at <= now()) AS ready"
    " FROM next LEFT JOIN taken ON taken.id = next.id ORDER BY next.id")
_FOLLOWERS_EMBEDDED = text(
    "SELECT id, args, attempts, scheduled_at IS NULL OR scheduled_at <= :now AS ready FROM embedded_jobs"
    " WHERE lock = :lock AND status = 'todo' AND id > :id ORDER BY id LIMIT :limit")


def take_followers(session: Session, job_id: int | None, lock: str, limit: int) -> list[Queued]:
    """The jobs of ``lock`` queued after the running ``job_id``, due now, in order, at most
    ``limit``: the caller applies them in its transaction and then ``remove_jobs`` them.
    On PostgreSQL they stay row-locked until that transaction ends, so no worker fetches them
    meanwhile (and none would: the running job holds their lock); on SQLite the caller's
    write lock does the same."""
    if job_id is None or limit <= 0:
        return []
    params = {"lock": lock, "id": job_id, "limit": limit}
    if is_postgres(session):
        rows = session.execute(_FOLLOWERS_PG, {**params, "queue": QUEUE}).all()
    else:
        rows = session.execute(_FOLLOWERS_EMBEDDED, {**params, "now": utcnow()}).all()
    taken = []
    for job_id, args, attempts, ready in rows:
        if not ready:
            break
        taken.append(Queued(job_id, json.loads(args) if isinstance(args, str) else args, attempts + 1))
    return taken


def remove_jobs(session: Session, ids: list[int | None]) -> None:
    """Delete jobs the caller has run in its transaction, before the queue ever ran them
    (procrastinate deletes its succeeded jobs the same way; the run log keeps their story)."""
    if not ids:
        return
    if is_postgres(session):
        session.execute(text("DELETE FROM procrastinate_jobs WHERE id = ANY(:ids)"), {"ids": ids})
    else:
        session.execute(delete(EmbeddedJob).where(EmbeddedJob.id.in_(ids)))


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


def pending_count(session: Session, due_by: datetime | None = None) -> int:
    """Jobs not yet finished (waiting, running or waiting for a retry); with ``due_by``, only
    those whose time has come by then (a job deferred for later is not counted)."""
    table, where, params = _pending(session, due_by, "status IN ('todo', 'doing')")
    return session.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params).scalar_one()


def waiting_ids(session: Session, due_by: datetime) -> set[int]:
    """The jobs due by then that no worker has taken: a worker running until the queue is
    empty compares them round to round to know it still takes some."""
    table, where, params = _pending(session, due_by, "status = 'todo'")
    return set(session.scalars(text(f"SELECT id FROM {table} WHERE {where}"), params))


def _pending(session: Session, due_by: datetime | None, where: str) -> tuple[str, str, dict]:
    table, params = "embedded_jobs", {}
    if is_postgres(session):
        table, where, params["q"] = "procrastinate_jobs", where + " AND queue_name = :q", QUEUE
    if due_by is not None:
        where += " AND (scheduled_at IS NULL OR scheduled_at <= :due_by)"
        params["due_by"] = due_by
    return table, where, params


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
