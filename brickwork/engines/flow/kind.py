"""The flow engine's entry in the kinds registry (kind ``flow``, the app file's ``flow``
section, installed after forms). A draft is kept as long as its nodes are well formed (ids
once each, known types), so a half-drawn flow survives; publishing loads the bound form and
refuses every problem of ``graph.py``, each named on its node (``nodes.<id>.<setting>``)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.flow.definition import FlowDefinition, walk
from brickwork.engines.flow.graph import check_flow
from brickwork.engines.form.forms import load_form
from brickwork.platform.definitions.kinds import Kind
from brickwork.platform.errors import FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import list_roles
from brickwork.platform.models import App, Role

SAVE_CODES = {"duplicate", "unknown_type", "start"}  # what no drawing should ever hold


def check(flow: BaseModel) -> list[FieldError]:
    """At save: only what makes the tree malformed; the rest waits for publishing."""
    assert isinstance(flow, FlowDefinition)
    return [e for e in check_flow(flow) if e.code in SAVE_CODES]


def app_role_keys(session: Session, app: App) -> set[str]:
    """The roles an approver rule may name: the app's, and the installation's (whose grants
    count in every app)."""
    return {r.key for r in list_roles(session, app)} | set(session.scalars(select(Role.key)))


def publish_hook(session: Session, app: App, key: str, previous: dict | None, body: dict, version: int, *,
                 dry_run: bool, force: bool, fill: dict | None = None) -> tuple[dict, dict]:
    flow = FlowDefinition.model_validate(body)
    try:
        form = load_form(session, app.key, flow.form)
    except NotFound:
        raise Invalid(_("The flow cannot be published."), errors=[FieldError(
            "$.form", "unknown_form", _("The app has no published form %(form)s.", form=flow.form))]) from None
    errors = check_flow(flow, form, app_role_keys(session, app))
    if errors:
        raise Invalid(_("The flow cannot be published."), errors=errors)
    return body, {"form": flow.form, "nodes": sum(1 for _node in walk(flow.root))}


def roles_named(body: dict) -> set[str]:
    """The roles a flow names: who may start it, and approver and CC rules by role."""
    found = set((body.get("initiators") or {}).get("roles") or [])

    def visit(node: dict | None) -> None:
        while isinstance(node, dict):
            for spec in [*(node.get("approvers") or []), *(node.get("recipients") or [])]:
                if isinstance(spec, dict) and spec.get("source") == "role" and isinstance(spec.get("role"), str):
                    found.add(spec["role"])
            for branch in [*(node.get("branches") or []), node.get("default")]:
                if isinstance(branch, dict):
                    visit(branch.get("node"))
            node = node.get("next")

    visit(body.get("root"))
    return found


FLOW = Kind(name="flow", model=FlowDefinition, check=check, publish=publish_hook, plural="flows",
            after=("form",), roles=roles_named)
