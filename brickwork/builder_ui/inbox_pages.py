"""The inbox (/inbox: 待办, 已办, 我发起的, 抄送我, with batch approve) and the approval page
(/inbox/{id}), made for a phone: both read the flow service as the API does, so a field
the reader's step hides is never on them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from brickwork.builder_ui import approval_view
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.record_common import moment
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.flow import service as flows
from brickwork.engines.flow.engine import allowed, load_flow
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform.errors import BrickworkError, FieldError, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import FlowInstance

router = APIRouter(include_in_schema=False)
PAGE = 20


def tabs() -> list[tuple[str, str]]:
    return [("todo", _("To do")), ("done", _("Handled")), ("started", _("Started by me")), ("cc", _("CC'd to me"))]


def _title(session, view: dict[str, Any]) -> str:
    """The record's first text value the reader may see (hidden fields are already out)."""
    form = load_form(session, view["app"], view["form"])
    for f in form.definition.fields:
        if f.type in ("text", "autonumber") and view["record"].get(f.key):
            return str(view["record"][f.key])
    return _("Record %(id)s", id=view["record_id"])


def _listed(session, items: list[dict[str, Any]], who: Principal) -> list[dict[str, Any]]:
    """The inbox items with their flow's name and the record's title, read with the field
    permissions of the reader's step (a hidden title field is not the title): one query for
    the instances, one for each form's records."""
    instances = {i.id: i for i in session.scalars(select(FlowInstance).where(
        FlowInstance.id.in_([item["instance"] for item in items])))}
    system = Principal(0, "system", "system", True, "flow")
    services: dict[tuple[str, str], RecordService] = {}
    listed = []
    for item in items:
        instance = instances[item["instance"]]
        shape = load_flow(session, instance.app, instance.flow, instance.flow_version)
        key = (instance.app, instance.form)
        if key not in services:
            services[key] = RecordService(session, load_form(session, *key), system)
        perms = flows.related(session, instance, shape, who) or {}
        shown = [f for f in services[key].form.definition.fields
                 if f.type in ("text", "autonumber") and allowed(perms, f.key) != "hidden"]
        title = None
        if shown:
            record = services[key].get(instance.record_id, deleted=None)
            title = next((str(record[f.key]) for f in shown if record.get(f.key)), None)
        listed.append({**item, "flow_label": pick(shape.flow.label) or item["flow"],
                       "title": title or _("Record %(id)s", id=instance.record_id),
                       "state_label": approval_view.state_label(item["state"]),
                       "when": moment(item.get("task_created_at") or item["created_at"])})
    return listed


@router.get("/inbox")
def inbox_page(request: Request, box: str = "todo", cursor: str | None = None,
               user: Principal = Depends(page_user)) -> Response:
    try:
        if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
            raise Invalid(_("The request is not valid."), errors=[FieldError("cursor", "cursor", _("Use the link."))])
        with db(request, read_only=True) as session:
            found = flows.inbox(session, user, box, PAGE, int(cursor) if cursor else None)
            items = _listed(session, found["items"], user)
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "inbox.html", box=box, tabs=tabs(), counts=found["counts"], items=items,
                  next_cursor=found["next_cursor"])


@router.get("/inbox/{instance_id}")
def approval_page(request: Request, instance_id: int, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request, read_only=True) as session:
            view = flows.view(session, instance_id, user)
            a = approval_view.instance_context(session, view, user)
            title = _title(session, view)
            pick_people = approval_view.people(session) if a["actions"] else []
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "approval_page.html", a=a, title=title, show_values=True, sticky=True,
                  pick_people=pick_people)
