"""REST for the run log (platform administrators): list runs, retry a dead one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import AfterValidator, BaseModel

from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import PathId, id_cursor
from brickwork.platform.jobs.runs import list_runs, retry_run
from brickwork.platform.models import JobRun

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], tags=["runs"])

Utc = Annotated[datetime, AfterValidator(lambda d: d.replace(tzinfo=UTC) if d.tzinfo is None else d)]


class RunOut(BaseModel):
    id: int
    job_id: int | None
    kind: str  # event (a subscriber given an event), job (a deferred task), schedule
    task: str  # the subscriber or task
    topic: str | None
    app: str | None
    key: str
    attempt: int
    started_at: Utc
    duration_ms: int
    outcome: str  # succeeded, retrying, failed (dead letter), skipped (a duplicate)
    error: str | None

    @classmethod
    def of(cls, run: JobRun) -> RunOut:
        return cls(id=run.id, job_id=run.job_id, kind=run.kind, task=run.task, topic=run.topic, app=run.app,
                   key=run.key, attempt=run.attempt, started_at=run.started_at, duration_ms=run.duration_ms,
                   outcome=run.outcome, error=run.error)


class RunPage(BaseModel):
    items: list[RunOut]
    next_cursor: str | None


@router.get("/runs", response_model=RunPage)
def runs_list(request: Request, app: str | None = None, kind: str | None = None, outcome: str | None = None,
              cursor: str | None = None, limit: int = 50) -> RunPage:
    """The run log, newest first; ``cursor`` is the previous page's ``next_cursor``."""
    before = id_cursor(cursor)
    with work(request, read_only=True, admin=True) as (session, _who):
        rows, more = list_runs(session, app=app, kind=kind, outcome=outcome, before=before, limit=limit)
        return RunPage(items=[RunOut.of(r) for r in rows], next_cursor=str(more) if more else None)


@router.post("/runs/{run_id}/retry", response_model=RunOut, status_code=202)
def runs_retry(request: Request, run_id: PathId) -> RunOut:
    """Retry the dead job of a failed run; it runs again shortly (see the runs that follow)."""
    with work(request, admin=True) as (session, _who):
        return RunOut.of(retry_run(session, run_id))
