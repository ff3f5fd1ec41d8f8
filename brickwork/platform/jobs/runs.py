"""The run log, read and acted on: what the API, the CLI and the admin page call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.jobs.queue import retry_dead
from brickwork.platform.models import JobRun

KINDS = ("event", "job", "schedule")
OUTCOMES = ("succeeded", "retrying", "failed", "skipped")
MAX_PAGE = 500


def list_runs(session: Session, *, app: str | None = None, kind: str | None = None, outcome: str | None = None,
              before: int | None = None, limit: int = 50) -> tuple[list[JobRun], int | None]:
    """Newest first. Returns the page and the cursor of the next one (the last id), if any."""
    errors = []
    if kind and kind not in KINDS:
        errors.append(FieldError("kind", "choice", _("Give one of: %(choices)s.", choices=", ".join(KINDS))))
    if outcome and outcome not in OUTCOMES:
        errors.append(FieldError("outcome", "choice", _("Give one of: %(choices)s.", choices=", ".join(OUTCOMES))))
    if not 1 <= limit <= MAX_PAGE:
        errors.append(FieldError("limit", "range", _("Give a number from 1 to %(max)s.", max=MAX_PAGE)))
    if errors:
        raise Invalid(_("The request is not valid."), errors=errors)
    query = select(JobRun).order_by(JobRun.id.desc()).limit(limit + 1)
    for column, value in ((JobRun.app, app), (JobRun.kind, kind), (JobRun.outcome, outcome)):
        if value:
            query = query.where(column == value)
    if before:
        query = query.where(JobRun.id < before)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def retry_run(session: Session, run_id: int) -> JobRun:
    """Put the dead job of a failed run back in line for one more try."""
    run = session.get(JobRun, run_id)
    if run is None:
        raise NotFound(_("There is no such run."))
    if run.outcome != "failed" or run.job_id is None:
        raise Conflict(_("Only a failed run can be retried."),
                       detail=_("This run ended %(outcome)s.", outcome=run.outcome))
    if not retry_dead(session, run.job_id):
        raise Conflict(_("This job is not waiting in the dead letters any more."),
                       detail=_("It was retried already, or pruned."))
    return run
