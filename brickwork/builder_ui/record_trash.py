"""The recycle bin of a form: deleted records, newest first, who deleted them and when;
restore one or several."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import (
    base_url,
    moment,
    page_context,
    readable,
    records_of,
    shown,
    title_of,
    user_names,
)
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.form.display import Names
from brickwork.engines.form.listing import list_records
from brickwork.engines.form.records import RecordService
from brickwork.platform.db import whole_id
from brickwork.platform.errors import BrickworkError, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, ngettext
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import AuditEntry

router = APIRouter(include_in_schema=False)
TRASH = "/apps/{app}/forms/{form}/trash"
PAGE = 25
COLUMNS = 3  # fields shown per deleted record, besides its title


@router.get(TRASH)
def trash_page(request: Request, app: str, form: str, cursor: str | None = None, deleted: int | None = None,
               restored: int | None = None, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            return _page(request, session, service, cursor, deleted=deleted, restored=restored)
    except BrickworkError as exc:
        return error_page(request, exc)


def _page(request: Request, session, service: RecordService, cursor: str | None, *, deleted: int | None = None,
          restored: int | None = None, error: str | None = None, status_code: int = 200) -> Response:
    page = list_records(service, sort="-updated_at", limit=PAGE, cursor=cursor, deleted=True)
    items = page["items"]
    fields = [f for f in readable(service) if f.type not in ("textarea", "attachment", "image", "subform")]
    named = next((f for f in fields if f.type in ("text", "autonumber")), None)  # the title column says it
    columns = [f for f in fields if f is not named][:COLUMNS]
    names = Names(session, columns, items, app_key=service.form.app.key, who=service.who)
    deleters = _deleters(session, service, [r["id"] for r in items])
    people = user_names(session, set(deleters.values()))
    rows = [{"id": r["id"], "title": title_of(service, r),
             "cells": [shown(f, r.get(f.key), names) for f in columns],
             "who": people.get(deleters.get(r["id"]), _("Someone")), "when": moment(r["_meta"]["deleted_at"])}
            for r in items]
    notice = None
    if restored:
        notice = ngettext("Restored %(num)s record.", "Restored %(num)s records.", restored)
    elif deleted:
        title = next((r["title"] for r in rows if r["id"] == deleted), _("Record %(id)s", id=deleted))
        notice = _("%(name)s is in the recycle bin now.", name=title)
    return render(request, "record_trash.html", status_code=status_code, **page_context(session, service),
                  rows=rows, columns=columns, next_cursor=page["next_cursor"], total=page["total"],
                  first=not cursor, notice=notice, just_deleted=deleted, error=error,
                  may_restore="delete" in service.grant.actions)


def _deleters(session, service: RecordService, ids: list[int]) -> dict[int, int | None]:
    """Who moved each record to the bin: the latest deletion entry of each."""
    if not ids:
        return {}
    form = service.form
    entries = session.execute(select(AuditEntry.subject_id, AuditEntry.actor_id).where(
        AuditEntry.subject_type == f"{form.app.key}/{form.key}", AuditEntry.action == "record.deleted",
        AuditEntry.subject_id.in_([str(i) for i in ids])).order_by(AuditEntry.id))
    return {int(subject): actor for subject, actor in entries}


@router.post(TRASH + "/restore")
async def restore(request: Request, app: str, form: str, user: Principal = Depends(page_user)) -> Response:
    data = await request.form()
    one = data.get("one", "")  # a row's own Restore button: that record alone
    chosen = [one] if whole_id(one) else data.getlist("ids")
    ids = [i for i in map(whole_id, chosen) if i]  # "³" or "١" is no id: "Select the records …"
    return await run_in_threadpool(_restore, request, app, form, user, ids)


def _restore(request: Request, app: str, form: str, user: Principal, ids: list[int]) -> Response:
    try:
        try:
            with db(request) as session:
                service = records_of(session, app, form, user)
                if not ids:
                    raise Invalid(_("Select the records to restore."))
                for record_id in ids:  # all of them or none
                    service.restore(record_id)
            if len(ids) == 1:
                return RedirectResponse(f"{base_url(service)}/records/{ids[0]}?restored=1", status_code=303)
            return RedirectResponse(f"{base_url(service)}/trash?restored={len(ids)}", status_code=303)
        except BrickworkError as exc:
            messages: list[Any] = [exc.title, *(e.message for e in exc.errors)]
            with db(request, read_only=True) as session:
                service = records_of(session, app, form, user)
                return _page(request, session, service, None, error=" ".join(messages), status_code=exc.status)
    except BrickworkError as exc:
        return error_page(request, exc)
