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

import re
from typing import Any

from sqlalchemy import select

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.base import FieldValueError
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.values import api_value, to_columns
from brickwork.platform.db import whole_id
from brickwork.platform.errors import Invalid, NotFound

ROW_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")  # lines[2].product


def triggers(service: RecordService) -> list[str]:
    """The keys of this form's fields whose change fills another field; a sub-form row's
    as ``lines.product``."""
    found = set()
    for fields, prefix in [(service.form.definition.fields, "")] + [
            (f.fields or [], f"{f.key}.") for f in service.form.definition.fields if f.type == "subform"]:
        by_id = {f.id: f for f in fields}
        found |= {prefix + by_id[m.field].key for f in fields if f.fill_from for m in f.fill_from.match
                  if m.field in by_id}
    return sorted(found)


def fill(service: RecordService, data: dict[str, Any], trigger: str) -> dict[str, Any]:
    """Field key → API value, for the writable fields linked to ``trigger`` (a key, or a
    row's cell ``lines[2].product``: then the cells of that row, ``lines[2].price``), given
    the page's values (API values by key)."""
    cell = ROW_CELL.match(trigger)
    if cell:
        sub = service.form.by_key.get(cell[1])
        rows = data.get(cell[1])
        index = int(cell[2])
        if sub is None or sub.type != "subform" or sub.id not in service.grant.writable or \
                not isinstance(rows, list) or index >= len(rows) or not isinstance(rows[index], dict):
            return {}
        filled = _fill(service, sub.fields or [], rows[index], cell[3], lambda f: True)
        return {f"{cell[1]}[{index}].{key}": value for key, value in filled.items()}
    return _fill(service, service.form.definition.fields, data, trigger, lambda f: f.id in service.grant.writable)


def _fill(service: RecordService, fields: list[FieldDef], data: dict[str, Any], trigger: str, may) -> dict[str, Any]:
    trigger_field = next((f for f in fields if f.key == trigger), None)
    found: dict[str, Any] = {}
    if trigger_field is None:
        return found
    for f in fields:
        if f.fill_from and may(f) and any(m.field == trigger_field.id for m in f.fill_from.match):
            found[f.key] = _one(service, f, data, {g.id: g for g in fields})
    return found


def _one(service: RecordService, f: FieldDef, data: dict[str, Any], fields: dict[str, FieldDef]) -> Any:
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
        value = data.get(fields[match.field].key) if match.field in fields else None
        if value in (None, "", []):
            return None
        if match.equals == "id":
            record_id = whole_id(value)  # "³" or past 64 bits matches nothing
            if record_id is None:
                return None
            query = query.where(t.c.id == record_id)
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



