"""A ticket form and rules for connector tests, through the public API."""

from __future__ import annotations

from typing import Any

from tests.engines.form.helpers import APP, field, form, publish, records

TICKETS = form("tickets", field("t_title", "text", "title"),
               field("t_priority", "select", "priority", options=[
                   {"id": "P1", "label": {"en": "Urgent", "zh-CN": "紧急"}},
                   {"id": "P2", "label": {"en": "Normal", "zh-CN": "普通"}}]),
               field("t_oncall", "user", "oncall"), field("t_contact", "email", "contact"),
               field("t_files", "attachment", "files"), field("t_answer", "text", "answer"))
TICKETS_URL = records("tickets")


def setup_tickets(api) -> None:
    assert publish(api, TICKETS).status_code == 200


def connection(api, key: str, connector: str, settings: dict[str, Any]) -> dict[str, Any]:
    made = api.post(f"{APP}/connections", json={"key": key, "connector": connector, "settings": settings})
    assert made.status_code == 201, made.text
    return made.json()


def p1_rule(api, key: str, actions: list[dict[str, Any]]):
    body = {"key": key, "label": {"en": key}, "trigger": {"type": "record.created", "form": "tickets"},
            "condition": {"fn": "=", "args": [{"ref": "priority"}, {"lit": "P1", "type": "choice"}]},
            "actions": actions}
    saved = api.put(f"{APP}/definitions/rule/{key}", json=body)
    assert saved.status_code == 200, saved.text
    published = api.post(f"{APP}/definitions/rule/{key}:publish")
    assert published.status_code == 200, published.text
    return published
