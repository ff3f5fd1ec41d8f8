"""Approvals as a person reads them: an instance (the flow API's view) put into words —
who did what, when, on behalf of whom, the current step and its people, the buttons the
reader may press — and the flows a record can be submitted to. The record page and the
approval page (/inbox/{id}) render it with _approval.html; approval.js sends the actions
to the flow API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.builder_ui.record_common import moment, user_names
from brickwork.engines.flow import approvers
from brickwork.engines.flow import service as flows
from brickwork.engines.flow.definition import walk
from brickwork.engines.flow.engine import load_flow, passed_nodes
from brickwork.engines.flow.nodes import setting
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.forms import load_form
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, Definition, StoredFile, User

IN_APPROVAL = ("running", "returned")


def state_label(state: str | None) -> str:
    return {"running": _("In approval"), "approved": _("Approved"), "rejected": _("Rejected"),
            "returned": _("Returned"), "withdrawn": _("Withdrawn"), "terminated": _("Terminated")}.get(
        state or "", state or "")


def action_label(action: str) -> str:
    return {"approve": _("Approve"), "reject": _("Reject"), "return": _("Return"), "transfer": _("Transfer"),
            "add_sign": _("Add signer"), "withdraw": _("Withdraw"), "resubmit": _("Resubmit"), "urge": _("Urge"),
            "comment": _("Comment"), "cc": _("Copy to"), "terminate": _("Terminate")}[action]


def _what(action: str, data: dict[str, Any], names: dict[int, str], nodes: dict[str, str]) -> str:
    """One timeline entry in words (the actor is said apart)."""
    people = ", ".join(names.get(u, "?") for u in data.get("users") or [])
    reason = data.get("reason")
    words = {
        "submitted": _("submitted for approval"),
        "approved": _("approved"),
        "submitted_task": _("handled"),
        "rejected": _("rejected"),
        "returned": _("returned it to %(node)s", node=nodes.get(data.get("target") or "", _("the submitter"))),
        "transferred": _("transferred it to %(name)s", name=names.get(data.get("to") or 0, people or "?")),
        "add_sign": _("added signers: %(names)s", names=people),
        "cc": _("copied to %(names)s", names=people),
        "withdraw": _("withdrew it"),
        "resubmitted": _("resubmitted"),
        "urged": _("urged %(names)s", names=people),
        "comment": _("commented"),
        "edited": _("changed fields"),
        "terminate": _("terminated it"),
        "timed_out": _("The step's time limit passed"),
        "branch": _("The path went on by the branch %(branch)s", branch=data.get("branch") or _("Otherwise")),
        "condition_error": _("A branch condition could not be evaluated"),
        "auto_approved": _("approved automatically"),
        "auto_rejected": _("rejected automatically"),
    }
    text = words.get(action) or state_label(action) or action
    if reason == "no_approver":
        text = _("%(what)s: nobody could approve this step", what=text)
    elif reason == "timeout":
        text = _("%(what)s: the time limit passed", what=text)
    elif reason == "dedupe":
        text = _("%(what)s: this person approved earlier", what=text)
    return text


def instance_context(session: Session, view: dict[str, Any], who: Principal) -> dict[str, Any]:
    """What _approval.html shows of one instance view (service.view's answer)."""
    shape = load_flow(session, view["app"], view["flow"], view["flow_version"])
    nodes = {n.id: pick(n.label) or _node_default(n.type) for n in walk(shape.flow.root) if n is not None}
    wanted = {view["submitter"]} | {t["assignee"] for t in view["tasks"]} | {t["on_behalf_of"] for t in view["tasks"]}
    for e in view["timeline"]:
        wanted |= {e["actor"], e["on_behalf_of"], (e["data"] or {}).get("to"), (e["data"] or {}).get("user")}
        wanted |= set((e["data"] or {}).get("users") or [])
    names = user_names(session, wanted)
    file_ids = {f for e in view["timeline"] for f in (e["data"] or {}).get("attachments") or []}
    files = dict(session.execute(select(StoredFile.id, StoredFile.name).where(StoredFile.id.in_(file_ids))).all()) \
        if file_ids else {}
    timeline = []
    for e in view["timeline"]:
        data = e["data"] or {}
        action = e["action"]
        if action == "submitted" and e["task"]:
            action = "submitted_task"
        actor = names.get(e["actor"]) if e["actor"] else (names.get(data.get("user")) if data.get("user") else None)
        timeline.append({"who": actor or _("System"), "system": not e["actor"],
                         "what": _what(action, data, names, nodes),
                         "node": nodes.get(e["node"] or ""), "when": moment(e["at"]), "comment": e["comment"],
                         "action": e["action"],
                         "attachments": [{"id": f, "name": files.get(f, f)} for f in data.get("attachments") or []],
                         "on_behalf_of": names.get(e["on_behalf_of"]) if e["on_behalf_of"] else None})
    open_tasks = [t for t in view["tasks"] if t["state"] == "open"]
    current = []
    for node_id in dict.fromkeys(t["node"] for t in open_tasks):
        current.append({"node": nodes.get(node_id, node_id),
                        "people": [names.get(t["assignee"], "?") for t in open_tasks if t["node"] == node_id]})
    passed = [{"id": n, "label": nodes.get(n, n)} for n in passed_nodes(session, view["id"])
              if n != shape.flow.root.id]
    form = load_form(session, view["app"], view["form"])
    fields = [f for f in form.definition.fields if f.key in view["record"]]
    shown = Names(session, fields, [view["record"]], app_key=view["app"], who=who)
    values = []
    for f in fields:
        try:
            text = display(f, view["record"].get(f.key), shown)
        except (TypeError, ValueError, AttributeError):
            text = str(view["record"].get(f.key) or "")
        values.append({"key": f.key, "label": pick(f.label) or f.key, "type": f.type, "text": text,
                       "value": view["record"].get(f.key), "editable": f.key in view["editable"]})
    return {"id": view["id"], "flow": pick(shape.flow.label) or view["flow"], "state": view["state"],
            "state_label": state_label(view["state"]), "submitter": names.get(view["submitter"], "?"),
            "created": moment(view["created_at"]), "timeline": timeline, "current": current,
            "actions": [{"key": a, "label": action_label(a)} for a in view["actions"]],
            "my_task": view["my_task"], "version": view["version"], "record_version": view["record"].get("version"),
            "passed": passed, "values": values, "app": view["app"], "form": view["form"],
            "record_id": view["record_id"], "editable": bool(view["editable"])}


def _node_default(kind: str) -> str:
    return {"start": _("Submitter"), "approval": _("Approver"), "handler": _("Handler"), "cc": _("CC")}.get(kind, kind)


def record_approvals(session: Session, app: str, form: str, record_id: int, who: Principal) -> list[dict[str, Any]]:
    """Every approval of the record the reader may see, newest first, as instance contexts."""
    found = []
    for item in flows.instances_of_record(session, app, form, record_id, who):
        try:
            found.append(instance_context(session, flows.view(session, item["id"], who), who))
        except BrickworkError:
            continue  # an approval the reader has no part in: the record page does not show it
    return found


def submittable(session: Session, app_key: str, form_key: str, record: dict[str, Any],
                who: Principal) -> list[dict[str, Any]]:
    """The published, switched-on flows of the form this person may submit the record to
    (none while it is in approval), each with its steps where the submitter chooses."""
    if record["_meta"].get("flow_state") in IN_APPROVAL or record["_meta"].get("deleted_at"):
        return []
    app = get_app(session, app_key)
    keys = session.scalars(select(Definition.key).join(App, App.id == Definition.app_id).where(
        App.key == app_key, Definition.kind == "flow", Definition.state == "published").distinct())
    found = []
    for key in sorted(keys):
        shape = load_flow(session, app_key, key)
        if shape.flow.form != form_key or not shape.flow.enabled or not flows.may_start(session, app, shape, who):
            continue
        choose = []
        for node in walk(shape.flow.root):
            for spec in setting(node, "approvers", []) or []:
                if isinstance(spec, dict) and spec.get("source") == "self_select":
                    choose.append({"node": node.id, "label": pick(node.label) or _node_default(node.type),
                                   "multiple": spec.get("multiple", True),
                                   "people": people(session, approvers.in_range(session, spec))})
        found.append({"key": key, "label": pick(shape.flow.label) or key, "choose": choose})
    return found


def people(session: Session, only: set[int] | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Active people to pick from, by name (only those given, when given)."""
    query = select(User.id, User.display_name, User.username).where(User.is_active.is_(True))
    if only is not None:
        query = query.where(User.id.in_(only))
    rows = session.execute(query.order_by(User.display_name, User.username).limit(limit))
    return [{"id": r.id, "name": r.display_name or r.username} for r in rows]
