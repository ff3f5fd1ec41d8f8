"""Builders for rules-engine tests: forms through the form engine's helpers, rules through
the definitions API (kind ``rule``)."""

from __future__ import annotations

from typing import Any

from tests.engines.form.helpers import APP, field, form, publish, records

DEALS = form("deals", field("d_name", "text", "name"), field("d_stage", "text", "stage"),
             field("d_amount", "number", "amount"), field("d_phone", "text", "phone"),
             field("d_owner", "user", "owner"), field("d_touched", "text", "touched"),
             field("d_n", "number", "n"))
INVOICES = form("invoices", field("i_deal", "text", "deal"), field("i_amount", "number", "amount"))
DEALS_URL, INVOICES_URL = records("deals"), records("invoices")


def rule(key: str, trigger: dict[str, Any], actions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": {"en": key}, "trigger": trigger, "actions": actions, **extra}


def publish_rule(api, body: dict[str, Any]):
    saved = api.put(f"{APP}/definitions/rule/{body['key']}", json=body)
    assert saved.status_code == 200, saved.text
    return api.post(f"{APP}/definitions/rule/{body['key']}:publish")


def setup_forms(api) -> None:
    for definition in (DEALS, INVOICES):
        assert publish(api, definition).status_code == 200


def edit(api, record_id: int, **values: Any) -> dict[str, Any]:
    current = api.get(f"{DEALS_URL}/{record_id}").json()
    done = api.patch(f"{DEALS_URL}/{record_id}", json={**values, "version": current["version"]})
    assert done.status_code == 200, done.text
    return done.json()


def count(api, url: str) -> int:
    return len(api.get(url, params={"limit": 500}).json()["items"])


def eq(key: str, value: Any) -> dict[str, Any]:
    return {"fn": "=", "args": [{"ref": key}, {"lit": value, "type": "text"}]}
