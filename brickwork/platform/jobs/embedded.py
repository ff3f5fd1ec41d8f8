"""The worker inside ``brickwork serve`` on SQLite: one thread over the ``embedded_jobs``
table, with procrastinate's rules (order per lock, delayed jobs, retries with backoff, a
dead-letter state). A commit that deferred jobs wakes it at once (``queue.wake``); it
also looks every ``poll`` seconds, for jobs deferred by other processes and for timers.

One worker per SQLite database: at start it takes back jobs left running by a worker
that died (``doing`` → ``todo``), which would be wrong if another worker were running.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db import READ_ONLY, transaction, utcnow
from brickwork.platform.jobs import schedules
from brickwork.platform.jobs.execute import run_job
from brickwork.platform.jobs.queue import wake
from brickwork.platform.models import EmbeddedJob

log = logging.getLogger("brickwork.jobs")

_NEXT = text(
    "SELECT j.id, j.args, j.attempts, j.lock FROM embedded_jobs j"
    " WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= :now)"
    " AND (j.lock IS NULL OR NOT EXISTS (SELECT 1 FROM embedded_jobs o WHERE o.lock = j.lock"
    "  AND (o.status = 'doing' OR (o.status = 'todo' AND o.id < j.id))))"
    " ORDER BY j.id LIMIT 1")


class EmbeddedWorker:
    def __init__(self, sessions: sessionmaker[Session], poll: float = 1.0):
        self.sessions = sessions
        # Looking costs no write lock: only a worker with something to do takes one.
        self.readers = sessionmaker(sessions.kw["bind"].execution_options(**{READ_ONLY: True}))
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="brickwork-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self) -> None:
        """Block until the worker stops; Ctrl-C stops it (``brickwork worker`` on SQLite)."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(1.0)
        except KeyboardInterrupt:
            self.stop()

    def recover(self) -> int:
        """Take back jobs a dead worker left running: they run again, and their receipts
        keep what they did already from being done twice."""
        with transaction(self.sessions) as session:
            return session.execute(update(EmbeddedJob).where(EmbeddedJob.status == "doing")
                                   .values(status="todo")).rowcount

    def run_pending(self) -> int:
        """Fire due schedules and run every job that is due now, in order; returns how many
        ran. Tests and ``brickwork worker --once`` use it; the thread loops over it."""
        ran = 0
        with self.readers() as session:
            due = schedules.next_due(session)
        if due is not None and due <= utcnow():
            schedules.fire_due(self.sessions)
        while not self._stop.is_set() and self.run_one():
            ran += 1
        return ran

    def run_one(self) -> bool:
        with self.readers() as session:
            if session.execute(_NEXT, {"now": utcnow()}).first() is None:
                return False
        with transaction(self.sessions) as session:
            row = session.execute(_NEXT, {"now": utcnow()}).first()
            if row is None:
                return False
            job_id, envelope, attempts, lock = row
            session.execute(update(EmbeddedJob).where(EmbeddedJob.id == job_id).values(status="doing"))
        if isinstance(envelope, str):  # raw SQL reads JSON as text
            envelope = json.loads(envelope)
        result = run_job(self.sessions, job_id, envelope, attempts + 1, lock)  # with its lock's queued jobs
        with transaction(self.sessions) as session:
            job = session.get(EmbeddedJob, job_id)
            if result.outcome in ("succeeded", "skipped"):
                session.delete(job)  # the run log keeps its story
            elif result.outcome == "retrying":
                job.status, job.attempts = "todo", attempts + 1
                job.scheduled_at = utcnow() + timedelta(seconds=result.delay or 0)
            else:
                job.status, job.attempts, job.finished_at = "failed", attempts + 1, utcnow()
        return True

    def _seconds_to_next(self) -> float:
        with self.readers() as session:
            due = session.scalar(select(EmbeddedJob.scheduled_at).where(
                EmbeddedJob.status == "todo", EmbeddedJob.scheduled_at.is_not(None))
                .order_by(EmbeddedJob.scheduled_at).limit(1))
            cron = schedules.next_due(session)
        moments = [m for m in (due, cron) if m is not None]
        if not moments:
            return self.poll
        return max(0.0, min(self.poll, min((m - utcnow()).total_seconds() for m in moments)))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
                wait = self._seconds_to_next()
            except Exception:  # the database away for a moment must not end the worker
                log.exception("embedded worker")
                wait = self.poll
            if wake.wait(wait):
                wake.clear()
