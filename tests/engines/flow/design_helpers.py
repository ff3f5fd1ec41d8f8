"""Builders for flow tests: the expense form through the form engine's helpers, flows
through the definitions API (kind ``flow``), and stand-in node type entries for the types
the runtime registers (only where nothing registered them)."""

from __future__ import annotations

from typing import Any

import pytest

from brickwork.engines.flow.nodes import NODES, NodeType
from tests.engines.form.helpers import APP, field, form, publish

EXPENSES = form("expenses", field("e_title", "text", "title"), field("e_amount", "number", "amount"),
                field("e_cost", "number", "cost"), field("e_owner", "user", "owner"),
                field("e_dept", "department", "dept"))
SHAPES = {"start": False, "approval": True, "handler": True, "cc": False,
          "condition_group": False, "parallel_group": False}


@pytest.fixture
def node_types():
    """Minimal entries for the node types the flow shapes fix, where the registry lacks them."""
    added = [name for name in SHAPES if name not in NODES]
    for name in added:
        NODES[name] = NodeType(name=name, label=name, makes_tasks=SHAPES[name], group=name.endswith("_group"),
                               check=lambda node, form, roles: [])
    yield
    for name in added:
        NODES.pop(name, None)


def approval(id_: str, *specs: dict[str, Any], next_: dict | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "type": "approval", "approvers": list(specs), "next": next_, **extra}


def cc(id_: str, *specs: dict[str, Any], next_: dict | None = None) -> dict[str, Any]:
    return {"id": id_, "type": "cc", "recipients": list(specs), "next": next_}


def branch(id_: str, node: dict | None, condition: dict | None = None) -> dict[str, Any]:
    return {"id": id_, "condition": condition, "node": node}


def gt(key: str, value: int) -> dict[str, Any]:
    return {"fn": ">", "args": [{"ref": key}, {"lit": str(value), "type": "number"}]}


def flow(key: str, first: dict | None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": {"en": key.title()}, "form": "expenses",
            "root": {"id": "start", "type": "start", "next": first}, **extra}


def users_spec(*ids: int) -> dict[str, Any]:
    return {"source": "users", "users": list(ids)}


def expense_flow(manager: dict, finance: dict, head: dict) -> dict[str, Any]:
    """The issue's expense claim: manager → (amount > 5000: finance, otherwise the end) → CC."""
    return flow("claims", approval(
        "manager", manager, next_={
            "id": "by_amount", "type": "condition_group",
            "branches": [branch("big", approval("finance", finance), gt("amount", 5000))],
            "default": branch("otherwise", None),
            "next": cc("head_cc", head)}))


def setup_form(api) -> None:
    assert publish(api, EXPENSES).status_code == 200


def save(api, body: dict[str, Any]):
    return api.put(f"{APP}/definitions/flow/{body['key']}", json=body)


def publish_flow(api, body: dict[str, Any]):
    saved = save(api, body)
    assert saved.status_code == 200, saved.text
    return api.post(f"{APP}/definitions/flow/{body['key']}:publish")


def problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def expense_org(sessions, admin) -> dict[str, int]:
    """The admin files claims from Sales-East (head Hana, under Sales), with Mark as manager;
    Fiona is finance."""
    from brickwork.platform.db import transaction
    from brickwork.platform.identity.org import add_member, create_department, set_heads
    from brickwork.platform.identity.users import create_user
    from brickwork.platform.models import User

    with transaction(sessions) as session:
        people = {name: create_user(session, name.lower(), "Long-enough-pw-42", display_name=name).id
                  for name in ("Mark", "Fiona", "Hana", "Sam")}
        sales = create_department(session, "Sales")
        east = create_department(session, "Sales-East", sales.id)
        set_heads(session, sales.id, [people["Sam"]])
        set_heads(session, east.id, [people["Hana"]])
        add_member(session, admin.id, east.id, main=True)
        session.get(User, admin.id).manager_id = people["Mark"]
    return people
