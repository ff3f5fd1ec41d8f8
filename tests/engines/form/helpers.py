"""Small builders for form-engine tests."""

from __future__ import annotations

import copy
from typing import Any

APP = "/api/v1/apps/crm"


def field(id_: str, type_: str, key: str | None = None, **settings: Any) -> dict[str, Any]:
    return {"id": id_, "key": key or id_, "label": {"en": (key or id_).title(), "zh-CN": key or id_},
            "type": type_, **settings}


def form(key: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": {"en": key.title()}, "fields": list(fields), **extra}


def publish(api, definition: dict[str, Any], **params: Any):
    """Save the draft and publish it; returns the publish response."""
    if api.get(APP).status_code == 404:
        assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    saved = api.put(f"{APP}/forms/{definition['key']}", json=definition)
    assert saved.status_code == 200, saved.text
    return api.post(f"{APP}/forms/{definition['key']}:publish", params=params)


def records(form_key: str) -> str:
    return f"{APP}/forms/{form_key}/records"


def changed(definition: dict[str, Any], **by_id: dict[str, Any]) -> dict[str, Any]:
    """A copy of the definition with some fields' properties replaced."""
    new = copy.deepcopy(definition)
    for f in new["fields"]:
        f.update(by_id.get(f["id"], {}))
    return new
