"""The reverse side of links: which records of the app link to a record, per relation."""

from __future__ import annotations

from typing import Any

from brickwork.engines.form import relations
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.listing import list_records
from brickwork.engines.form.records import RecordService
from brickwork.platform.errors import Forbidden


def link_condition(f: FieldDef, record_id: int) -> dict[str, Any]:
    """The filter (expression language) for the records that link to ``record_id`` through
    ``f``: what the related lists count, and what a table view of them filters on."""
    return {"fn": "HAS" if f.multiple else "=", "args": [{"ref": f.id}, {"lit": record_id, "type": "record"}]}


def related_lists(service: RecordService, record_id: int, limit: int) -> list[dict[str, Any]]:
    """Per linking relation: the form, the field, the live linking records the caller may
    read (``total``) and the first ``limit`` of them, newest first."""
    found = []
    for source, f in relations.linking(service.session, service.form):
        other = RecordService(service.session, source, service.who)
        if "read" not in other.grant.actions or f.id not in other.grant.readable:
            continue
        try:
            page = list_records(other, filter_ast=link_condition(f, record_id), sort="-id", limit=max(limit, 1))
        except Forbidden:
            continue
        found.append({"form": source.key, "form_label": source.definition.label, "field": f.key,
                      "field_label": f.label, "total": page["total"], "items": page["items"][:limit]})
    return found
