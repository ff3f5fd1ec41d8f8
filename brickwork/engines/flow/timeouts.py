"""Timeouts of approval and handler nodes (engine-semantics §1.8): a job deferred when the
node activates, for its due time, keyed ``flow-timeout:{node run}:{n}`` so deferring it twice
applies it once. The job locks the instance and re-checks that the node run is still active
and its tasks open; otherwise it does nothing (``service.on_timeout``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.flow.calendar import add_working_hours
from brickwork.platform.db import utcnow
from brickwork.platform.jobs import defer

TASK = "flow.timeout"


def due_at(start: datetime, timeout: dict[str, Any], hours: float | None = None) -> datetime:
    """When a timeout falls due: ``hours`` of working time (Mon–Fri 09:00–18:00 in the
    installation's zone, calendar.py) unless the node counts calendar hours."""
    hours = float(hours if hours is not None else timeout["hours"])
    if timeout.get("working_hours", True):
        return add_working_hours(start, hours)
    return start + timedelta(hours=hours)


def schedule(session: Session, run_id: int, timeout: dict[str, Any] | None, n: int,
             start: datetime | None = None) -> None:
    """Defer the ``n``-th firing of a node run's timeout (the first after ``hours``, a
    reminder's repeats after ``repeat_hours``)."""
    if not timeout:
        return
    hours = timeout.get("repeat_hours") if n else None
    if n and not hours:
        return
    defer(session, TASK, {"run": run_id, "n": n}, at=due_at(start or utcnow(), timeout, hours),
          key=f"flow-timeout:{run_id}:{n}")
