"""Running jobs, the same way on both queues: the consumer's changes, its receipt and its
run-log row commit together, so a job delivered again after a crash is recognised by its
receipt and logged as skipped instead of being applied twice.

A job with an ordering lock takes the later due jobs of its lock along (``queue.take_followers``)
and applies them in order in the same transaction, then removes them from the queue in
that transaction too: one transaction for a record's queued events instead of three each
(decision 0018, "Batches")."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs import prune  # noqa: F401  (registers the built-in pruning task)
from brickwork.platform.jobs.queue import Queued, remove_jobs, take_followers
from brickwork.platform.jobs.registry import Event, RunContext, get_subscriber, get_task, retry_of
from brickwork.platform.models import JobReceipt, JobRun

log = logging.getLogger("brickwork.jobs")
ERROR_CHARS = 4000
BATCH = 200  # at most this many later jobs of a lock ride along with the one the queue gave us


@dataclass(frozen=True)
class Result:
    outcome: str  # succeeded, skipped, retrying, failed
    delay: float | None = None  # seconds until the retry, when retrying
    error: str | None = None


class UnknownTask(LookupError):
    """No subscriber or task of that name is registered in this process (a plugin missing)."""


class _Stopped(Exception):
    """The consumer raised on the batch's ``index``-th job; the whole transaction is rolled back."""

    def __init__(self, index: int, error: Exception):
        super().__init__(index)
        self.index, self.error = index, error


def run_job(sessions: sessionmaker[Session], job_id: int | None, envelope: dict[str, Any], attempt: int,
            lock: str | None = None, batch: int = BATCH) -> Result:
    """Run the job once, with the later due jobs of ``lock`` when it has one; never raises for
    the jobs' own errors (the first job's becomes the Result).

    When a later job of the batch fails, the batch is run again without it and what follows:
    the jobs before it commit, and it stays queued, next in line for its lock, to fail (or
    not) as a job of its own on the normal retry path."""
    first = Queued(job_id, envelope, attempt)
    followers = batch if lock else 0
    while True:
        started, clock = utcnow(), time.monotonic()
        try:
            with transaction(sessions) as session:
                queued = take_followers(session, job_id, lock, followers) if followers else []
                outcome = _apply(session, [first, *queued], started)
                remove_jobs(session, [q.job_id for q in queued])
            return Result(outcome)
        except _Stopped as stopped:
            if stopped.index > 0:
                followers = stopped.index - 1
                continue
            return _failed(sessions, first, started, time.monotonic() - clock, stopped.error)


def _apply(session: Session, batch: list[Queued], started: datetime) -> str:
    """Receipts in one statement, each new job's consumer in order, the run-log rows in one
    statement. Returns the first job's outcome."""
    clock = time.monotonic()
    new = _receive(session, [(q.envelope["task"], q.envelope["key"]) for q in batch], started)
    runs, outcomes = [], []
    for index, job in enumerate(batch):
        at = time.monotonic()
        ident = (job.envelope["task"], job.envelope["key"])
        if ident in new:
            new.discard(ident)  # the same job twice in a batch is applied once
            try:
                _call(session, job.job_id, job.envelope, job.attempt)
            except Exception as exc:  # the consumer's failure, whatever it is, is the job's outcome
                raise _Stopped(index, exc) from exc
            outcome = "succeeded"
        else:  # applied before: a re-delivery
            outcome = "skipped"
        outcomes.append(outcome)
        runs.append(_run_row(job, started, at - clock, time.monotonic() - at, outcome))
    session.execute(insert(JobRun.__table__), runs)  # Core: no ORM bookkeeping per row
    return outcomes[0]


def _failed(sessions: sessionmaker[Session], job: Queued, started: datetime, seconds: float,
            exc: Exception) -> Result:
    name, key = job.envelope["task"], job.envelope["key"]
    error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
    with transaction(sessions) as session:
        if _received(session, name, key):  # a twin applied it meanwhile
            session.execute(insert(JobRun.__table__), [_run_row(job, started, 0, seconds, "skipped")])
            return Result("skipped")
        delay = retry_of(name).delay_after(job.attempt)
        outcome = "retrying" if delay is not None else "failed"
        session.execute(insert(JobRun.__table__), [_run_row(job, started, 0, seconds, outcome, error)])
    log.warning("job %s (%s) attempt %d %s: %s", job.job_id, name, job.attempt, outcome, error)
    return Result(outcome, delay, error)


def _run_row(job: Queued, started: datetime, offset: float, seconds: float, outcome: str,
             error: str | None = None) -> dict[str, Any]:
    envelope = job.envelope
    return {"job_id": job.job_id, "kind": envelope.get("kind", "job"), "task": envelope["task"],
            "topic": envelope.get("topic"), "app": envelope.get("app"), "key": envelope["key"],
            "attempt": job.attempt, "started_at": started + timedelta(seconds=offset),
            "duration_ms": int(seconds * 1000), "outcome": outcome, "error": error}


def _receive(session: Session, idents: list[tuple[str, str]], at) -> set[tuple[str, str]]:
    """Write the receipts; returns those that did not exist. One statement: a concurrent twin
    waits here on the unique index until the first commits or rolls back."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    receipts = JobReceipt.__table__
    rows = [{"consumer": consumer, "key": key, "at": at} for consumer, key in dict.fromkeys(idents)]
    # Parameters apart from the statement: one compiled statement whatever the batch's size
    # (SQLAlchemy sends them as one multi-row INSERT).
    written = session.connection().execute(upsert(receipts).on_conflict_do_nothing()
                                           .returning(receipts.c.consumer, receipts.c.key), rows)
    return {(consumer, key) for consumer, key in written}


def _received(session: Session, consumer: str, key: str) -> bool:
    return session.scalar(select(JobReceipt.id).where(JobReceipt.consumer == consumer, JobReceipt.key == key)) \
        is not None


def _call(session: Session, job_id: int | None, envelope: dict[str, Any], attempt: int) -> None:
    name, key, args = envelope["task"], envelope["key"], envelope.get("args") or {}
    idempotency_key = f"{name}:{key}"
    if (subscriber := get_subscriber(name)) is not None:
        subscriber.handler(session, Event(key=args["key"], topic=args["topic"], payload=args["payload"],
                                          occurred_at=args["occurred_at"], idempotency_key=idempotency_key))
    elif (task := get_task(name)) is not None:
        task.fn(session, args, RunContext(job_id=job_id, attempt=attempt, idempotency_key=idempotency_key))
    else:
        raise UnknownTask(f"no subscriber or task named {name!r} in this process (BRICKWORK_PLUGINS?)")
