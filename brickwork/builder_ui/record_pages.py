"""The record page: every readable field in the form's layout, edit in place, delete to the
recycle bin, and the history. The create/edit pages and the recycle bin have their own
modules; their routes are gathered here."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from brickwork.builder_ui import approval_view, rules_page
from brickwork.builder_ui.links import related
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import (
    base_url,
    choices,
    field_errors,
    is_stale,
    last_saved,
    lines,
    moment,
    page_context,
    records_of,
    shown,
    title_of,
    user_names,
    writable,
)
from brickwork.builder_ui.record_history import timeline
from brickwork.builder_ui.record_values import changed, input_value, int_or_none, json_value, posted, same
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.widgets import render_field
from brickwork.connectors.printing.render import templates_of
from brickwork.engines.form.display import Names
from brickwork.engines.form.records import RecordService
from brickwork.engines.rules import service as rules_service
from brickwork.platform.errors import BrickworkError, Conflict, Invalid, NotFound
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
RECORD = "/apps/{app}/forms/{form}/records/{record_id}"


@router.get(RECORD)
def record_page(request: Request, app: str, form: str, record_id: int, deleted: bool = False,
                saved: bool = False, restored: bool = False, stale: bool = False, merged: int | None = None,
                user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            record = service.get(record_id, deleted=deleted)
            notice = _("Saved.") if saved else _("Restored from the recycle bin.") if restored else None
            if merged:
                notice = _("Merged. Record %(id)s is in the recycle bin: restore it there to undo the merge.",
                           id=merged)
            warning = _("Someone changed this record while you looked at it. Check it before deleting.") \
                if stale else None
            return render(request, "record.html", **page_context(session, service),
                          **main_context(session, service, record), notice=notice, warning=warning,
                          rule_buttons=rules_service.buttons(session, app, form, user),
                          rules_ran=rules_page.ran_on(session, app, form, record_id),
                          prints=templates_of(session, app, form), **approvals(session, service, record),
                          suggest=suggested(service, record))
    except BrickworkError as exc:
        return error_page(request, exc)


def suggested(service: RecordService, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The relations with ``suggest`` the viewer may set on this record: the page asks the
    suggestions API for each (static/js/suggestions.js) and links one with a click."""
    if record["_meta"]["deleted_at"] is not None or record["_meta"].get("flow_state") in approval_view.IN_APPROVAL:
        return []
    if "update" not in service.allowed(record["id"]):
        return []
    base, mine = base_url(service), {f.key for f in writable(service)}
    return [{"key": f.key, "label": f.label, "multiple": bool(f.multiple),
             "api": f"/api/v1{base}/records/{record['id']}/suggestions/{f.key}",
             "open": f"/apps/{service.form.app.key}/forms/{f.target}/records/"}
            for f in service.form.definition.fields if f.type == "relation" and f.suggest and f.key in mine]


def approvals(session, service: RecordService, record: dict[str, Any]) -> dict[str, Any]:
    """The record's approvals and the flows it can be submitted to (approval_view)."""
    app, form, who = service.form.app.key, service.form.key, service.who
    in_bin = record["_meta"]["deleted_at"] is not None
    found = [] if in_bin else approval_view.record_approvals(session, app, form, record["id"], who)
    # As the flow API's start: the record's owner, or who may change it.
    may_submit = record["_meta"]["owner"] == who.user_id or who.is_admin or "update" in service.allowed(record["id"])
    return {"approvals": found, "flow_state": record["_meta"].get("flow_state"),
            "flow_state_label": approval_view.state_label(record["_meta"].get("flow_state")),
            "submit_flows": approval_view.submittable(session, app, form, record, who) if may_submit else [],
            "pick_people": approval_view.people(session) if any(a["actions"] for a in found) else []}


def main_context(session, service: RecordService, record: dict[str, Any]) -> dict[str, Any]:
    """The title, the values, the linked records and the history: what an edit in place
    redraws (an edit of the title field changes the heading too)."""
    in_bin = record["_meta"]["deleted_at"] is not None
    allowed = service.allowed(record["id"])
    locked = record["_meta"].get("flow_state") in approval_view.IN_APPROVAL  # changes go through its task
    editable = set() if in_bin or locked or "update" not in allowed else {f.key for f in writable(service)}
    meta = record["_meta"]
    people = user_names(session, {meta["created_by"], meta["updated_by"]})
    return {"record": record, "in_bin": in_bin, "editable": editable, "allowed": allowed, "locked": locked,
            "title": title_of(service, record),
            "related": [] if in_bin else related(session, service, record["id"]),
            "lines": lines(service, record, Names(session, service.form.definition.fields, [record],
                                                   app_key=service.form.app.key, who=service.who)),
            "history": timeline(session, service, record["id"]),
            "created": (people.get(meta["created_by"], "?"), moment(meta["created_at"])),
            "updated": (people.get(meta["updated_by"], "?"), moment(meta["updated_at"]))}


@router.get(RECORD + "/fields/{key}")
def field_editor(request: Request, app: str, form: str, record_id: int, key: str,
                 user: Principal = Depends(page_user)) -> Response:
    """The input of one field, for editing it in place."""
    try:
        with db(request, read_only=True) as session:
            service = records_of(session, app, form, user)
            service.grant.require("update")
            record = service.get(record_id)
            return _editor(request, session, service, record, key, record.get(key), record["version"], record.get(key))
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(RECORD + "/fields/{key}")
async def field_save(request: Request, app: str, form: str, record_id: int, key: str,
                     user: Principal = Depends(page_user)) -> Response:
    data = await request.form()
    return await run_in_threadpool(_field_save, request, app, form, record_id, key, user, data)


def _field_save(request: Request, app: str, form: str, record_id: int, key: str, user: Principal,
                data: FormData) -> Response:
    version = int_or_none(data.get("_over")) or int_or_none(data.get("_version"))
    original = json_value(data.get("_original"))
    try:
        try:
            with db(request) as session:
                service = records_of(session, app, form, user)
                f = _field(service, key)
                service.update(record_id, changed([f], posted([f], data, complete=True), {key: original}), version)
            with db(request, read_only=True) as session:
                service = records_of(session, app, form, user)
                record = service.get(record_id)
                return render(request, "record_main.html", status_code=200, **page_context(session, service),
                               **main_context(session, service, record), notice=_("Saved."))
        except (Invalid, Conflict) as exc:
            with db(request, read_only=True) as session:
                service = records_of(session, app, form, user)
                f = _field(service, key)
                record = service.get(record_id)
                mine = posted([f], data, complete=True)[key]
                if not is_stale(exc):
                    return _editor(request, session, service, record, key, mine, version, original,
                                   errors=field_errors(exc)[0].get(key) or [exc.title], status_code=exc.status)
                theirs = None
                if not same(f, record.get(key), original):
                    names = Names(session, [f], [record], app_key=app, who=service.who)
                    theirs = shown(f, record.get(key), names) or "—"
                conflict = {**last_saved(session, record), "theirs": theirs}
                return _editor(request, session, service, record, key, mine, version, original, conflict=conflict,
                               status_code=409)
    except BrickworkError as exc:
        return error_page(request, exc)


def _editor(request: Request, session, service: RecordService, record: dict[str, Any], key: str, value: Any,
            version: int | None, original: Any, *, errors: list[str] | None = None,
            conflict: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    f = _field(service, key)
    app = service.form.app.key
    titles = Names(session, [f], [{key: value}], app_key=app, who=service.who).titles
    return render(request, "record_inplace.html", status_code=status_code, field=f,
                  widget=render_field(f, input_value(f, value), errors, choices(session, [f]).get(f.type), app=app,
                                      titles=titles),
                  action=f"{base_url(service)}/records/{record['id']}/fields/{key}", version=version,
                  original=json.dumps(original, ensure_ascii=False, default=str),
                  conflict=conflict)


def _field(service: RecordService, key: str):
    for f in writable(service):
        if f.key == key:
            return f
    raise NotFound(_("The form has no field %(name)s that you may change.", name=key))


@router.post(RECORD + "/delete")
async def delete(request: Request, app: str, form: str, record_id: int, user: Principal = Depends(page_user)
                 ) -> Response:
    data = await request.form()
    return await run_in_threadpool(_delete, request, app, form, record_id, user, int_or_none(data.get("_version")))


def _delete(request: Request, app: str, form: str, record_id: int, user: Principal, version: int | None
            ) -> Response:
    try:
        with db(request) as session:
            service = records_of(session, app, form, user)
            service.delete(record_id, version)
        return RedirectResponse(f"{base_url(service)}/trash?deleted={record_id}", status_code=303)
    except Conflict:
        return RedirectResponse(f"/apps/{app}/forms/{form}/records/{record_id}?stale=1", status_code=303)
    except BrickworkError as exc:
        return error_page(request, exc)
