"""Workers on PostgreSQL: procrastinate runs the jobs (``brickwork worker``), our executor
runs each one (receipt, run log), and a side loop fires due schedules and takes back the
jobs of workers that stopped sending heartbeats (a ``kill -9``)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db import utcnow
from brickwork.platform.jobs import schedules
from brickwork.platform.jobs.execute import run_job
from brickwork.platform.jobs.queue import QUEUE, TASK, waiting_ids
from brickwork.platform.jobs.registry import retry_of

log = logging.getLogger("brickwork.jobs")
SCHEDULE_EVERY = 1.0  # seconds between looks for due schedules
STALLED_AFTER = 30.0  # seconds without a heartbeat after which a worker's jobs are taken back
HEARTBEAT_EVERY = 5.0
# A finished job frees the next job of its lock without a notification: look again this often
# (one indexed query) rather than procrastinate's default 5 s, which stalls a locked backlog.
FETCH_EVERY = 0.2


class Failed(Exception):
    """The job's consumer raised; the run log holds the error."""


class Backoff(BaseRetryStrategy):
    """Each subscriber's or task's own ``Retry``, looked up by the job's task name."""

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        delay = retry_of(job.task_kwargs.get("task", "")).delay_after(job.attempts + 1)
        return None if delay is None else RetryDecision(retry_in={"seconds": delay})


def conninfo(database_url: str) -> str:
    """The libpq form of our SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str, sessions: sessionmaker[Session]) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))

    @app.task(name=TASK, queue=QUEUE, pass_context=True, retry=Backoff())
    def run(context: procrastinate.JobContext, **envelope: Any) -> None:
        job = context.job
        result = run_job(sessions, job.id, envelope, job.attempts + 1, job.lock)  # with its lock's queued jobs
        if result.outcome in ("retrying", "failed"):
            raise Failed(result.error)

    return app


async def take_back_stalled(app: procrastinate.App) -> int:
    """Put the jobs of dead workers back in line; their receipts stop a second apply."""
    taken = 0
    for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER):
        try:
            await app.job_manager.retry_job(job)
            taken += 1
        except Exception:  # another worker took it back first
            continue
    return taken


async def _side_loop(app: procrastinate.App, sessions: sessionmaker[Session], stop: asyncio.Event) -> None:
    stalled_clock = 0.0
    while not stop.is_set():
        try:
            await asyncio.to_thread(schedules.fire_due, sessions)
            stalled_clock += SCHEDULE_EVERY
            if stalled_clock >= STALLED_AFTER / 3:
                stalled_clock = 0.0
                if taken := await take_back_stalled(app):
                    log.warning("took back %d jobs of stopped workers", taken)
        except Exception:  # the database away for a moment must not end the worker
            log.exception("schedules / stalled jobs")
        try:
            await asyncio.wait_for(stop.wait(), SCHEDULE_EVERY)
        except TimeoutError:
            pass


async def run_worker(database_url: str, sessions: sessionmaker[Session], concurrency: int,
                     wait: bool = True) -> None:
    """Run until stopped (SIGINT/SIGTERM), or with ``wait=False`` until the queue is empty."""
    app = make_app(database_url, sessions)
    options = dict(queues=[QUEUE], concurrency=concurrency, delete_jobs="successful",
                   fetch_job_polling_interval=FETCH_EVERY, update_heartbeat_interval=HEARTBEAT_EVERY,
                   stalled_worker_timeout=STALLED_AFTER)
    async with app.open_async():
        if not wait:
            await _run_until_empty(app, sessions, options)
            return
        stop = asyncio.Event()
        side = asyncio.create_task(_side_loop(app, sessions, stop))
        try:
            await app.run_worker_async(wait=True, install_signal_handlers=True, **options)
        finally:
            stop.set()
            await side


async def _run_until_empty(app: procrastinate.App, sessions: sessionmaker[Session], options: dict) -> None:
    """``worker --once``. procrastinate's ``wait=False`` stops at the first fetch that finds
    nothing, and a job still running may defer more (or hold the lock of the next): go round
    again while jobs are due now and the last round took some of them."""
    await take_back_stalled(app)
    before: set[int] = set()
    while True:
        await asyncio.to_thread(schedules.fire_due, sessions)
        await app.run_worker_async(wait=False, install_signal_handlers=False, **options)
        due = await asyncio.to_thread(_due_now, sessions)
        if not due or due == before:  # empty, or what is left waits on another worker's lock
            return
        before = due


def _due_now(sessions: sessionmaker[Session]) -> set[int]:
    with sessions() as session:
        return waiting_ids(session, utcnow())
