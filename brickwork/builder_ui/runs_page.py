"""The run log for platform administrators: every delivery, job and schedule attempt,
filtered by app, kind and outcome, with a button that retries a dead letter.

Plain GET filters and form posts, so it works without JavaScript; the API behind it is
``/api/v1/runs`` (``platform/jobs/api.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.platform import clock
from brickwork.platform.errors import BrickworkError, Forbidden
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.jobs.runs import KINDS, OUTCOMES, list_runs, retry_run
from brickwork.platform.models import App

router = APIRouter(include_in_schema=False)
PAGE = 50


def run_kind(kind: str) -> str:
    return {"event": _("Event"), "job": _("Job"), "schedule": _("Schedule")}.get(kind, kind)


def run_outcome(outcome: str) -> str:
    return {"succeeded": _("Succeeded"), "retrying": _("Will retry"), "failed": _("Dead letter"),
            "skipped": _("Skipped (already applied)")}.get(outcome, outcome)


def _filters(app: str, kind: str, outcome: str) -> dict[str, str]:
    return {k: v for k, v in (("app", app), ("kind", kind), ("outcome", outcome)) if v}


@router.get("/admin/runs")
def runs_page(request: Request, app: str = "", kind: str = "", outcome: str = "", before: int = 0,
              retried: int = 0, user: Principal = Depends(page_user)) -> Response:
    if not user.is_admin:
        return error_page(request, Forbidden(_("Only administrators may do this.")))
    try:
        with db(request, read_only=True) as session:
            rows, more = list_runs(session, app=app or None, kind=kind or None, outcome=outcome or None,
                                   before=before or None, limit=PAGE)
            apps = list(session.execute(select(App.key, App.label).where(App.deleted_at.is_(None))
                                        .order_by(App.key)))
    except BrickworkError as exc:
        return error_page(request, exc)
    zone = clock.app_zone()
    filters = _filters(app, kind, outcome)
    return render(request, "runs.html", runs=rows, apps=apps, kinds=KINDS, outcomes=OUTCOMES, chosen=filters,
                  retried=retried, run_kind=run_kind, run_outcome=run_outcome,
                  local=lambda moment: _local(moment, zone),
                  older=f"/admin/runs?{urlencode({**filters, 'before': more})}" if more else None)


def _local(moment: datetime, zone) -> str:
    """A stored (naive UTC) moment as the installation's wall-clock time."""
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


@router.post("/admin/runs/{run_id}/retry")
def runs_retry(request: Request, run_id: int, app: str = Form(""), kind: str = Form(""), outcome: str = Form(""),
               user: Principal = Depends(page_user)) -> Response:
    try:
        if not user.is_admin:
            raise Forbidden(_("Only administrators may do this."))
        with db(request) as session:
            retry_run(session, run_id)
    except BrickworkError as exc:
        return error_page(request, exc)
    # Back to the same filters, newest first, with a note of what was retried.
    query = urlencode({**_filters(app, kind, outcome), "retried": run_id})
    return RedirectResponse(f"/admin/runs?{query}", status_code=303)
