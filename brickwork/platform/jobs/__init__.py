"""Jobs and event delivery, on the ground floor (docs/decisions/0018-events-and-jobs.md).

For engines and connectors, the whole interface is:

- ``subscribe(name, topics, handler)``: ``handler(session, event)`` gets each matching
  event at least once, applied once (a receipt commits with its changes), in order per
  record; ``event.idempotency_key`` is for external systems.
- ``task(name, fn)`` and ``defer(session, name, args, at=..., lock=..., key=...)``: run
  ``fn(session, args, ctx)`` later, in the caller's transaction's wake.
- ``set_schedule(session, key, task, cron, args)``: cron in the installation's time zone.
- ``platform.outbox.emit`` / ``emit_many``: write events; delivery follows by itself.

Runs are logged in ``job_runs`` (``runs.list_runs``, ``runs.retry_run``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.jobs.queue import Job, defer_many
from brickwork.platform.jobs.registry import Event, Retry, RunContext, subscribe, task, unsubscribe
from brickwork.platform.jobs.schedules import BadCron, next_time, remove_schedule, set_schedule

__all__ = ["BadCron", "Event", "Job", "Retry", "RunContext", "defer", "defer_many", "next_time",
           "remove_schedule", "set_schedule", "subscribe", "task", "unsubscribe"]


def defer(session: Session, name: str, args: dict[str, Any] | None = None, *, at: datetime | None = None,
          lock: str | None = None, key: str | None = None, app: str | None = None) -> Job:
    """Run the task ``name`` with ``args`` once the session commits (at ``at``, naive UTC,
    if given). Give ``key`` to make deferring the same work twice apply it once."""
    job = Job(task=name, args=args or {}, lock=lock, at=at, app=app)
    if key:
        job.key = key
    defer_many(session, [job])
    return job
