"""Linked data (数据联动): when a trigger field changes on the create or edit page, the values
to fill from the matching record of another form.

A field's ``fill_from`` names the other form, the conditions (a field of this form equals a
field of the other, or its record ``id``) and the field to take. The first match by most
recently updated wins; no match (or a trigger left BLANK) fills BLANK. It is an edit-time
snapshot: the page fills once and never again once the person edits the field by hand, and
nothing changes later when the source changes (use a lookup for a live value). The other
form is read as the caller: only records and fields they may read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.base import FieldValueError
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.values import api_value, to_columns
from brickwork.platform.errors import Invalid, NotFound


def triggers(service: RecordService) -> list[str]:
    """The keys of this form's fields whose change fills another field."""
    found = {m.field for f in service.form.definition.fields if f.fill_from for m in f.fill_from.match}
    return sorted(service.form.by_id[fid].key for fid in found if fid in service.form.by_id)


def fill(service: RecordService, data: dict[str, Any], trigger: str) -> dict[str, Any]:
    """Field key → API value, for the writable fields linked to ``trigger`` (a key), given the
    page's values (API values by key)."""
    form = service.form
    trigger_field = form.by_key.get(trigger)
    found: dict[str, Any] = {}
    if trigger_field is None:
        return found
    for f in form.definition.fields:
        if f.fill_from and f.id in service.grant.writable and \
                any(m.field == trigger_field.id for m in f.fill_from.match):
            found[f.key] = _one(service, f, data)
    return found


def _one(service: RecordService, f: FieldDef, data: dict[str, Any]) -> Any:
    link = f.fill_from
    try:
        other = RecordService(service.session, load_form(service.session, service.form.app.key, link.form),
                              service.who)
    except NotFound:
        return None
    take = _field(other, link.take)
    if take is None or take.id not in other.grant.readable or "read" not in other.grant.actions:
        return None
    t = other.table
    query = select(t).where(t.c.deleted_at.is_(None), other.grant.scope)
    for match in link.match:
        value = data.get(service.form.by_id[match.field].key)
        if value in (None, "", []):
            return None
        if match.equals == "id":
            if not str(value).isdigit():
                return None
            query = query.where(t.c.id == int(value))
            continue
        target = _field(other, match.equals)
        if target is None or target.id not in other.grant.readable or not storage.has_column(target):
            return None
        try:
            logical = REGISTRY[target.type].parse(target, value)
        except (FieldValueError, Invalid, ValueError, TypeError):
            return None
        column = storage.column_name(target.id)
        query = query.where(t.c[column] == to_columns(other.form, {target.id: logical})[column])
    row = other.db.execute(query.order_by(t.c.updated_at.desc(), t.c.id.desc()).limit(1)).first()
    if row is None or not storage.has_column(take):
        return None
    return api_value(other.form, take.id, REGISTRY[take.type].from_db(take, getattr(row, storage.column_name(take.id))))


def _field(service: RecordService, name: str) -> FieldDef | None:
    return service.form.by_key.get(name) or service.form.by_id.get(name)



