"""Builders for flow tests: flows published through the definitions API (kind ``flow``),
records made and submitted by the people of the reference org."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.engines.form.helpers import APP, field, form, records

STAFF = {"role": "staff", "actions": ["create", "read", "update"], "scope": "own"}
EXPENSES = form("expenses", field("e_amount", "number", "amount"), field("e_cost", "number", "cost"),
                field("e_note", "text", "note"), field("e_payee", "user", "payee"),
                permissions=[STAFF])
EXPENSES_URL = records("expenses")


def users(*ids: int) -> dict[str, Any]:
    return {"source": "users", "users": list(ids)}


def approval(node_id: str, approvers: list[dict[str, Any]] | dict[str, Any], nxt: dict | None = None,
             **settings: Any) -> dict[str, Any]:
    specs = approvers if isinstance(approvers, list) else [approvers]
    return {"id": node_id, "type": "approval", "approvers": specs, "next": nxt, **settings}


def flow(key: str, first: dict | None, *, start: dict | None = None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": {"en": key}, "form": "expenses",
            "root": {"id": "start", "type": "start", "next": first, **(start or {})}, **extra}


def publish_flow(api, body: dict[str, Any]) -> dict[str, Any]:
    saved = api.put(f"{APP}/definitions/flow/{body['key']}", json=body)
    assert saved.status_code == 200, saved.text
    done = api.post(f"{APP}/definitions/flow/{body['key']}:publish")
    assert done.status_code == 200, done.text
    return done.json()


@dataclass
class Org:
    api: Any  # the administrator's client
    ids: dict[str, int]
    clients: dict[str, Any]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def record(self, who: str, **values: Any) -> dict[str, Any]:
        made = self.clients[who].post(EXPENSES_URL, json=values)
        assert made.status_code == 201, made.text
        return made.json()

    def submit(self, who: str, flow_key: str, record_id: int, expect: int = 201, **body: Any) -> dict[str, Any]:
        done = self.clients[who].post(f"{APP}/flows/{flow_key}:start", json={"record_id": record_id, **body})
        assert done.status_code == expect, done.text
        return done.json()

    def instance(self, who: str, instance_id: int) -> dict[str, Any]:
        seen = self.clients[who].get(f"/api/v1/flow-instances/{instance_id}")
        assert seen.status_code == 200, seen.text
        return seen.json()

    def admin_view(self, instance_id: int) -> dict[str, Any]:
        seen = self.api.get(f"/api/v1/flow-instances/{instance_id}")
        assert seen.status_code == 200, seen.text
        return seen.json()

    def task_of(self, who: str, instance_id: int) -> int:
        """The person's open task in the instance."""
        view = self.admin_view(instance_id)
        found = [t["id"] for t in view["tasks"] if t["assignee"] == self.ids[who] and t["state"] == "open"]
        assert found, f"{who} has no open task: {view['tasks']}"
        return found[0]

    def act(self, who: str, instance_id: int, action: str, expect: int = 200, **body: Any):
        done = self.clients[who].post(f"/api/v1/flow-tasks/{self.task_of(who, instance_id)}:{action}", json=body)
        assert done.status_code == expect, done.text
        return done.json()

    def on_instance(self, who: str, instance_id: int, action: str, expect: int = 200, **body: Any):
        done = self.clients[who].post(f"/api/v1/flow-instances/{instance_id}:{action}", json=body)
        assert done.status_code == expect, done.text
        return done.json()

    def open_assignees(self, instance_id: int, node: str | None = None) -> set[str]:
        names = {v: k for k, v in self.ids.items()}
        return {names.get(t["assignee"], str(t["assignee"])) for t in self.admin_view(instance_id)["tasks"]
                if t["state"] == "open" and (node is None or t["node"] == node)}

    def outcomes(self, instance_id: int, node: str) -> dict[str, str | None]:
        names = {v: k for k, v in self.ids.items()}
        return {names.get(t["assignee"], str(t["assignee"])): t["outcome"]
                for t in self.admin_view(instance_id)["tasks"] if t["node"] == node}
