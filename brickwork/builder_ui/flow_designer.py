"""An app's approval flows: their list (with create) and the flow designer's page.

The designer draws the flow definition (kind ``flow``) as DingTalk does, a vertical tree,
and saves and publishes it through the definitions API (``PUT`` and ``:publish`` under
``/api/v1/apps/{app}/definitions/flow/{key}``, with ``If-Match``); a refused publish names
each problem on its node (``nodes.<id>.<setting>``) and the page marks that node's card.
This module serves the pages and creates new flows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.builder_ui.designer_data import form_key_from
from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import script_text
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError, Conflict, FieldError, Invalid
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import list_roles, require_designer
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)


def _flows(request: Request, session, app) -> list[dict[str, Any]]:
    store = request.app.state.store
    forms = {row.key: row.body.get("label", {}) for row in store.latest(session, app, "form")}
    listed = []
    for row in store.latest(session, app, "flow"):
        live = row.state == "published" or row.version > 1
        status = _("Published") if row.state == "published" else (
            _("Published, with unpublished changes") if live else _("Draft, not published yet"))
        listed.append({"key": row.key, "label": row.body.get("label", {}), "status": status,
                       "draft": row.state == "draft", "form": row.body.get("form"),
                       "form_label": forms.get(row.body.get("form"), {})})
    return listed


def flows_page(request: Request, app_key: str, user: Principal, status_code: int = 200,
               values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
               error: str | None = None) -> Response:
    try:
        with db(request, read_only=True) as session:
            app = get_app(session, app_key)
            require_designer(session, app, user)
            flows = _flows(request, session, app)
            forms = [{"key": row.key, "label": row.body.get("label", {})}
                     for row in request.app.state.store.latest(session, app, "form")
                     if row.state == "published" or row.version > 1]
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "flows.html", status_code=status_code, app=app, flows=flows, forms=forms,
                  values=values or {}, field_errors=errors or {}, error=error)


@router.get("/apps/{app}/flows")
def flows_list(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    return flows_page(request, app, user)


@router.post("/apps/{app}/flows")
def flows_create(request: Request, app: str, label_zh: str = Form(""), label_en: str = Form(""),
                 key: str = Form(""), form: str = Form(""), user: Principal = Depends(page_user)) -> Response:
    """A new flow over one of the app's forms: a draft with only its start node, then the designer."""
    label = {k: v.strip() for k, v in (("zh-CN", label_zh), ("en", label_en)) if v.strip()}
    store = request.app.state.store
    try:
        with db(request) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            if form not in {row.key for row in store.latest(session, the_app, "form")}:
                raise Invalid(_("The flow is not valid."), errors=[
                    FieldError("$.form", "required", _("Choose the form whose records the flow approves."))])
            taken = {row.key for row in store.latest(session, the_app, "flow")}
            key = key.strip() or form_key_from(label_en.strip() or f"{form}_approval", taken)
            if key in taken:
                raise Conflict(_("A flow with this key exists already."),
                               errors=[FieldError("$.key", "taken", _("This key is taken."))])
            body = {"key": key, "label": label or {"en": key}, "form": form,
                    "root": {"id": "start", "type": "start"}}
            store.save_draft(session, the_app, "flow", key, body, user.user_id, revision=0)
    except BrickworkError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.field.removeprefix("$.").split(".")[0], []).append(e.message)
        return flows_page(request, app, user, status_code=exc.status, error=exc.title, errors=errors,
                          values={"label_zh": label_zh, "label_en": label_en, "key": key, "form": form})
    return RedirectResponse(f"/apps/{app}/flows/{key}/design", status_code=303)


@router.get("/apps/{app}/flows/{flow}/design")
def flow_designer_page(request: Request, app: str, flow: str, user: Principal = Depends(page_user)) -> Response:
    store = request.app.state.store
    try:
        with db(request, read_only=True) as session:
            the_app = get_app(session, app)
            require_designer(session, the_app, user)
            draft = store.get(session, the_app, "flow", flow, which="draft", missing_ok=True)
            live = store.get(session, the_app, "flow", flow, missing_ok=draft is not None)
            body = (draft or live).body
            form = store.get(session, the_app, "form", body.get("form", ""), which="draft", missing_ok=True) \
                or store.get(session, the_app, "form", body.get("form", ""), missing_ok=True)
            roles = [{"key": r.key, "label": r.label} for r in list_roles(session, the_app)]
            problems = [e.as_dict() for e in store.problems("flow", draft.body)] if draft else []
    except BrickworkError as exc:
        return error_page(request, exc)
    state = {
        "app": app, "flow": flow, "body": body, "revision": draft.revision if draft else 0,
        "has_draft": draft is not None, "version": (draft or live).version, "live": live is not None,
        "locale": request.scope["state"]["locale"], "fields": _fields(form.body if form else {}),
        "roles": roles, "problems": problems, "strings": strings(), "filter": script_text(),
    }
    return render(request, "flow_designer.html", app=the_app, flow_key=flow, flow_label=body.get("label", {}),
                  state=state, live=live is not None)


def _fields(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The bound form's fields as the filter builder and the permission table want them."""
    found = []
    for f in form.get("fields") or []:
        kind = REGISTRY.get(f.get("type")) if isinstance(f, dict) else None
        if kind is None or kind.system:
            continue
        found.append({"id": f["id"], "key": f.get("key"), "label": f.get("label", {}), "type": f["type"],
                      "logical": kind.logical, "operators": list(kind.operators),
                      "options": [{"id": o.get("id"), "label": o.get("label", {})} for o in f.get("options") or []]})
    return found


def strings() -> dict[str, Any]:
    """Every text the flow designer's script shows."""
    return {
        "start": _("Submitter"), "approval": _("Approver"), "handler": _("Handler"), "cc": _("CC"),
        "condition_group": _("Condition branches"), "parallel_group": _("Parallel branches"),
        "start_hint": _("Anyone who may create the form's records can submit."),
        "some_submit": _("Only the people, departments and roles listed can submit."),
        "add": _("Add a step here"), "add_branch": _("Add branch"),
        "move_left": _("Try earlier (move left)"), "move_right": _("Try later (move right)"),
        "end": _("End of the flow"),
        "delete": _("Delete"), "branch": _("Condition %(n)s"), "parallel_branch": _("Branch %(n)s"),
        "otherwise": _("Otherwise"), "otherwise_hint": _("Taken when no condition above holds."),
        "no_condition": _("Set the condition"), "parallel_hint": _("Runs beside the other branches."),
        "label": _("Name"), "who": _("Who approves"), "who_cc": _("Who receives a copy"),
        "add_approver": _("Add approvers"), "nobody": _("Nobody chosen yet"),
        "source": _("Source"),
        "sources": {"users": _("Named people"), "role": _("A role"), "dept_head": _("Department head"),
                    "manager_chain": _("Heads up the chain"), "direct_manager": _("Direct manager"),
                    "field": _("A person field of the record"), "self_select": _("Chosen by the submitter"),
                    "submitter": _("The submitter")},
        "level": _("Level"), "level_n": _("Level %(n)s up"), "until": _("Up to"), "top": _("The top"),
        "until_role": _("A head with the role"), "multiple": _("May choose several"),
        "within": _("Choose among (empty: anyone)"), "search": _("Type a name to search"),
        "mode": _("When several approve"),
        "modes": {"sequential": _("One after another (依次)"), "all": _("All must approve (会签)"),
                  "any": _("Any one decides (或签)"), "ratio": _("A share must approve")},
        "ratio": _("Share that must approve (%)"),
        "on_empty": _("When nobody is found"),
        "empties": {"auto_approve": _("Approve automatically"), "assign_to": _("Hand to a person"),
                    "assign_to_flow_admin": _("Hand to the flow administrators"), "reject": _("Refuse to submit")},
        "on_self": _("When the submitter is an approver"),
        "selves": {"self_approves": _("They approve it themselves"), "skip": _("Skip them"),
                   "direct_manager": _("Their direct manager instead")},
        "timeout": _("Time limit"), "hours": _("Hours"), "working_hours": _("Count working hours only"),
        "timeout_action": _("Then"),
        "timeouts": {"remind": _("Remind"), "auto_approve": _("Approve automatically"),
                     "auto_reject": _("Reject automatically"), "auto_return": _("Return automatically"),
                     "transfer": _("Transfer")},
        "repeat_hours": _("Remind again every (hours)"), "transfer_to": _("Transfer to"),
        "actions": _("Buttons"),
        "action_names": {"approve": _("Approve"), "reject": _("Reject"), "return": _("Return"),
                         "transfer": _("Transfer"), "add_sign": _("Add approvers"), "cc": _("Copy to")},
        "permissions": _("Field permissions"), "field": _("Field"),
        "levels": {"edit": _("Edit"), "read": _("Read"), "hidden": _("Hidden")},
        "condition": _("Condition"), "save": _("Save draft"), "publish": _("Publish"),
        "saved": _("Draft saved."), "published": _("Published version %(version)s."),
        "unsaved": _("Unsaved changes"), "offline": _("The server cannot be reached. Try again."),
        "conflict": _("Someone else saved this flow first. Reload the page."),
        "refused": _("The flow cannot be published: see the marked steps."),
        "delete_confirm": _("Delete this step?"), "close": _("Close"),
        "initiators": _("Who may submit"), "everyone": _("Everyone who may create the form's records"),
        "people": _("People"), "departments": _("Departments (and those below)"), "roles": _("Roles"),
        "flow_settings": _("Flow settings"), "withdraw": _("The submitter may withdraw"),
        "withdraws": {"never": _("Never"), "until_first_action": _("Until an approver acts"),
                      "while_running": _("While the approval runs")},
        "dedupe": _("When the same approver comes again"),
        "dedupes": {"none": _("They approve again"), "consecutive": _("Approve for them if they approved just before"),
                    "processed_anywhere": _("Approve for them if they approved anywhere before")},
        "return_resume": _("After a return and resubmission"),
        "resumes": {"restart_path": _("The whole path again"),
                    "resume_at_returner": _("Straight back to who returned it")},
        "admins": _("Flow administrators"),
        "role_named": _("Role: %(name)s"), "head_named": _("Department head, level %(n)s"),
        "chain_named": _("Heads up to %(until)s"), "field_named": _("The person in %(name)s"),
    }
