"""The audit log pages: /admin/audit for administrators (every entry) and /apps/{app}/audit
for an app's administrators (the entries of their app), filtered by who, what kind of
subject, action, a date range, and (within an app) form and record; a page of entries at a
time, newest first, each with its before/after as a readable diff; and the filtered
entries as an xlsx workbook (one row per changed field).

Plain GET filters, so it works without JavaScript; the API behind it is ``GET
/api/v1/audit`` (platform/audit_api.py), with the same filters and the same rule of who
may read what (``audit_log.check_reader``)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from brickwork.builder_ui.audit_view import Readable, action_label, kind_label
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.form.transfer.cells import neutralise, printable
from brickwork.platform import clock
from brickwork.platform.apps import get_app
from brickwork.platform.audit_log import EXPORT_LIMIT, AuditFilter, actor_names, check, check_reader, choices, entries
from brickwork.platform.errors import BrickworkError, FieldError, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App

router = APIRouter(include_in_schema=False)
PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTERS = ("actor", "kind", "action", "since", "until", "app", "form", "record")


def _filter(request: Request, app: str | None) -> AuditFilter:
    """The filters of the query string; a day that is no date is a 400 naming the field."""
    q = request.query_params
    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        try:
            days[name] = date.fromisoformat(q[name]) if q.get(name) else None
        except ValueError:
            raise Invalid(_("The request is not valid."), errors=[FieldError(
                name, "date", _("Give a date as YYYY-MM-DD."))]) from None
    actor = q.get("actor", "")
    if actor and not (actor.isascii() and actor.isdigit() and len(actor) <= 18):
        raise Invalid(_("The request is not valid."), errors=[FieldError("actor", "id", _("Choose a person."))])
    wanted = AuditFilter(actor=int(actor) if actor else None, kind=q.get("kind") or None,
                         action=q.get("action") or None, since=days["since"], until=days["until"],
                         app=app or q.get("app") or None, form=q.get("form") or None,
                         record=q.get("record") or None)
    check(wanted)
    return wanted


def _query(wanted: AuditFilter, fixed_app: str | None, **more: object) -> str:
    values = {name: getattr(wanted, name) for name in FILTERS if getattr(wanted, name) not in (None, "")}
    if fixed_app:
        values.pop("app", None)
    return urlencode({**{k: str(v) for k, v in values.items()}, **{k: str(v) for k, v in more.items()}})


def _local(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(clock.app_zone()).strftime("%Y-%m-%d %H:%M:%S")


@router.get("/admin/audit")
def audit_page(request: Request, user: Principal = Depends(page_user)) -> Response:
    return _page(request, user, None)


@router.get("/apps/{app}/audit")
def app_audit_page(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    return _page(request, user, app)


@router.get("/admin/audit.xlsx")
def audit_export(request: Request, user: Principal = Depends(page_user)) -> Response:
    return _export(request, user, None)


@router.get("/apps/{app}/audit.xlsx")
def app_audit_export(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    return _export(request, user, app)


def _page(request: Request, user: Principal, fixed_app: str | None) -> Response:
    before = request.query_params.get("before", "")
    try:
        wanted = _filter(request, fixed_app)
        with db(request, read_only=True) as session:
            check_reader(session, user, wanted)
            the_app = get_app(session, fixed_app) if fixed_app else None
            rows, more = entries(session, wanted, limit=PAGE,
                                 before=int(before) if before.isascii() and before.isdigit() and len(before) <= 18
                                 else None)
            shown = Readable(session, request.app.state.store).entries(rows)
            kinds, actions, actor_ids = choices(session, wanted)
            actors = actor_names(session, actor_ids)
            apps = [] if fixed_app else list(session.execute(
                select(App.key, App.label).where(App.deleted_at.is_(None)).order_by(App.key)))
            forms = []
            if wanted.app:
                store = request.app.state.store
                forms = [(row.key, pick(row.body.get("label", {})) or row.key)
                         for row in store.latest(session, get_app(session, wanted.app), "form")]
    except BrickworkError as exc:
        return error_page(request, exc)
    base = f"/apps/{fixed_app}/audit" if fixed_app else "/admin/audit"
    return render(request, "audit.html", app=the_app, base=base, entries=shown, chosen=wanted,
                  kinds=[(k, kind_label(k)) for k in kinds], actions=[(a, action_label(a)) for a in actions],
                  actors=sorted(actors.items(), key=lambda item: item[1].lower()), apps=apps, forms=forms,
                  local=_local, export=f"{base}.xlsx?{_query(wanted, fixed_app)}",
                  older=f"{base}?{_query(wanted, fixed_app, before=more)}" if more else None,
                  newest=f"{base}?{_query(wanted, fixed_app)}" if before else None)


def _export(request: Request, user: Principal, fixed_app: str | None) -> Response:
    import openpyxl  # imported when needed: it is large

    try:
        wanted = _filter(request, fixed_app)
        with db(request, read_only=True) as session:
            check_reader(session, user, wanted)
            rows, more = entries(session, wanted, limit=EXPORT_LIMIT)
            shown = Readable(session, request.app.state.store).entries(rows)
    except BrickworkError as exc:
        return error_page(request, exc)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("Audit log"))
    sheet.append([_("When"), _("Who"), _("What"), _("Action"), _("App"), _("Subject"), _("Field"), _("Before"),
                  _("After")])
    for entry in shown:
        head = [_local(entry.at), entry.who, entry.kind, entry.action, entry.app or "", entry.subject]
        for change in entry.changes or [None]:
            tail = [change.label, change.before, change.after] if change else ["", "", ""]
            sheet.append([_cell(v) for v in head + tail])
    if more:
        sheet.append([_("Only the newest %(n)s entries are in this file; narrow the filter for older ones.",
                        n=EXPORT_LIMIT)])
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"audit-{fixed_app or 'all'}-{clock.today().isoformat()}.xlsx"
    return Response(buffer.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _cell(value: str) -> str:
    """Text as a sheet shows it and never runs: no formulas, no control characters."""
    return neutralise(printable(value))
