"""Running one job, the same way on both queues: the consumer's changes, its receipt and
its run-log row commit together, so a job delivered again after a crash is recognised by
its receipt and logged as skipped instead of being applied twice."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs import prune  # noqa: F401  (registers the built-in pruning task)
from brickwork.platform.jobs.registry import Event, RunContext, get_subscriber, get_task, retry_of
from brickwork.platform.models import JobReceipt, JobRun

log = logging.getLogger("brickwork.jobs")
ERROR_CHARS = 4000


@dataclass(frozen=True)
class Result:
    outcome: str  # succeeded, skipped, retrying, failed
    delay: float | None = None  # seconds until the retry, when retrying
    error: str | None = None


class UnknownTask(LookupError):
    """No subscriber or task of that name is registered in this process (a plugin missing)."""


def run_job(sessions: sessionmaker[Session], job_id: int | None, envelope: dict[str, Any], attempt: int) -> Result:
    """Run the job once; never raises for the job's own errors (they become the Result)."""
    name, key = envelope["task"], envelope["key"]
    started, clock = utcnow(), time.monotonic()

    def run_row(outcome: str, error: str | None = None) -> JobRun:
        return JobRun(job_id=job_id, kind=envelope.get("kind", "job"), task=name, topic=envelope.get("topic"),
                      app=envelope.get("app"), key=key, attempt=attempt, started_at=started,
                      duration_ms=int((time.monotonic() - clock) * 1000), outcome=outcome, error=error)

    try:
        with transaction(sessions) as session:
            if not _receive(session, name, key, started):  # applied before: a re-delivery
                session.add(run_row("skipped"))
                return Result("skipped")
            _call(session, job_id, envelope, attempt)
            session.add(run_row("succeeded"))
        return Result("succeeded")
    except Exception as exc:  # the consumer's failure, whatever it is, is the job's outcome
        error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        with transaction(sessions) as session:
            if _received(session, name, key):  # a twin applied it meanwhile
                session.add(run_row("skipped"))
                return Result("skipped")
            delay = retry_of(name).delay_after(attempt)
            outcome = "retrying" if delay is not None else "failed"
            session.add(run_row(outcome, error))
        log.warning("job %s (%s) attempt %d %s: %s", job_id, name, attempt, outcome, error)
        return Result(outcome, delay, error)


def _receive(session: Session, consumer: str, key: str, at) -> bool:
    """Write the receipt; False if it exists already. One statement: a concurrent twin
    waits here on the unique index until the first commits or rolls back."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    written = session.execute(insert(JobReceipt).values(consumer=consumer, key=key, at=at)
                              .on_conflict_do_nothing().returning(JobReceipt.id)).first()
    return written is not None


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
