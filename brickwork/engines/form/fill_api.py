"""The fill links' API, for people without an account (the token is the credential):
``GET /api/v1/fill/{token}`` says what the link fills, ``POST`` fills it once. The public
page (``builder_ui/fill_page.py``) works the same way through ``fill_links``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from brickwork.engines.form import fill_links
from brickwork.platform.http.deps import db
from brickwork.platform.i18n import pick

router = APIRouter(prefix="/api/v1/fill", tags=["fill links"])
GONE = {410: {"description": "The link was used, or has expired"}}


def describe(opened: fill_links.Opened) -> dict[str, Any]:
    """What the link is for, in the caller's language: the form, the record's title, and
    each field to fill with its label, type and settings a page needs (no other value)."""
    record = opened.record()
    title = opened.form.definition.title_field
    title_key = opened.form.by_id[title].key if title in opened.form.by_id else None
    fields = []
    for f in opened.fields:
        entry: dict[str, Any] = {"key": f.key, "label": pick(f.label), "type": f.type, "required": f.required}
        if f.type == "rating":
            entry["max"] = int(f.max or 5)
        if f.options:
            entry["options"] = [{"id": o.id, "label": pick(o.label)} for o in f.options]
        if f.max_length:
            entry["max_length"] = f.max_length
        entry["value"] = record.get(f.key)
        fields.append(entry)
    return {"form": pick(opened.form.definition.label), "title": record.get(title_key) if title_key else None,
            "expires_at": opened.link.expires_at.isoformat() + "Z", "fields": fields}


@router.get("/{token}", responses=GONE)
def fill_get(request: Request, token: str) -> dict[str, Any]:
    """What the link fills. 404: no such link; 410: used or expired."""
    with db(request, read_only=True) as session:
        return describe(fill_links.open_link(session, token))


@router.post("/{token}", responses=GONE)
def fill_post(request: Request, token: str, body: Any = Body(...)) -> dict[str, Any]:
    """Fill the link's fields (API values by key) and use the link up. 422 with a message
    per field and nothing written; 404 / 410 as for GET."""
    with db(request) as session:
        return fill_links.fill(session, token, body)
