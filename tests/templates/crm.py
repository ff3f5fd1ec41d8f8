"""The installed CRM and its people, for the template's tests."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

RECORDS = "/api/v1/apps/crm/forms/{}/records"
PEOPLE = {"ann": "sales", "bob": "sales", "mia": "sales_manager", "dan": "sales_director", "fay": "finance"}


class Crm:
    """The installed CRM and its people, each with their own client."""

    def __init__(self, api, clients: dict[str, TestClient], ids: dict[str, int]):
        self.api, self.clients, self.ids = api, clients, ids

    def create(self, form: str, who: str | None = None, **values: Any) -> dict[str, Any]:
        made = (self.clients[who] if who else self.api).post(RECORDS.format(form), json=values)
        assert made.status_code == 201, made.text
        return made.json()

    def get(self, form: str, record_id: int) -> dict[str, Any]:
        return self.api.get(f"{RECORDS.format(form)}/{record_id}").json()

    def edit(self, form: str, record_id: int, **values: Any) -> dict[str, Any]:
        current = self.get(form, record_id)
        done = self.api.patch(f"{RECORDS.format(form)}/{record_id}", json={**values, "version": current["version"]})
        assert done.status_code == 200, done.text
        return done.json()

    def press(self, who: str, form: str, record_id: int, rule: str) -> dict[str, Any]:
        done = self.clients[who].post(f"{RECORDS.format(form)}/{record_id}:run-rule/{rule}")
        assert done.status_code == 200, done.text
        return done.json()

    def bell(self, who: str) -> list[str]:
        return [n["text"] for n in self.clients[who].get("/api/v1/notifications").json()["items"]]

    def task(self, who: str, instance: int) -> int:
        view = self.api.get(f"/api/v1/flow-instances/{instance}").json()
        [task] = [t["id"] for t in view["tasks"] if t["assignee"] == self.ids[who] and t["state"] == "open"]
        return task

    def act(self, who: str, instance: int, action: str, **body: Any) -> dict[str, Any]:
        done = self.clients[who].post(f"/api/v1/flow-tasks/{self.task(who, instance)}:{action}", json=body)
        assert done.status_code == 200, done.text
        return done.json()

    def waiting_on(self, instance: int) -> set[str]:
        names = {v: k for k, v in self.ids.items()}
        view = self.api.get(f"/api/v1/flow-instances/{instance}").json()
        return {names.get(t["assignee"], "?") for t in view["tasks"] if t["state"] == "open"}
