"""A relation's picker filter applied to records: the picker lists only the linked records
that fit the record being filled (``narrowing``), and a save refuses a link that does not
(``check_links``). The filter itself is checked with the definition (picker_filter.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from brickwork.engines.form.conditions import compile_condition
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.model import FieldDef, FormShape
from brickwork.engines.form.picker_filter import Blank, bind, record_keys
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _


def narrowing(target, who, source: FormShape, f: FieldDef, values: dict[str, Any]) -> ColumnElement | None:
    """The SQL condition over ``target`` (a loaded form) for these values of the record
    (logical, by key); None when nothing narrows."""
    if f.picker_filter is None:
        return None
    try:
        bound = bind(f.picker_filter, values, {x.key: x for x in source.fields})
    except Blank:
        return None
    return compile_condition(target, who, bound)


def check_links(service, rows: list[dict[str, Any]], errors: list[FieldError], prefixes: list[str],
                touched: set[str] | None = None) -> None:
    """On save: every record a relation with a picker filter links to must satisfy it for
    the record's values (logical, by field id). One query per field and row. ``touched``
    (an update): the field ids it changes; a link is checked again only when it or a
    field its filter reads is among them."""
    form = service.form
    for f in form.definition.fields:
        if f.type != "relation" or f.picker_filter is None:
            continue
        reads = {form.by_key[key].id for key in record_keys(f.picker_filter) if key in form.by_key}
        if touched is not None and not touched & (reads | {f.id}):
            continue
        target = None
        for values, prefix in zip(rows, prefixes, strict=True):
            linked = values.get(f.id)
            if linked is None:
                continue
            by_key = {form.by_id[fid].key: v for fid, v in values.items() if fid in form.by_id}
            target = target or load_form(service.session, form.app.key, f.target)
            condition = narrowing(target, service.who, form.definition, f, by_key)
            if condition is None:
                continue
            t = target.table
            if service.db.scalar(select(t.c.id).where(t.c.id == linked, condition)) is None:
                errors.append(FieldError(prefix + f.key, "picker_filter", _(
                    "Record %(id)s does not fit this record: choose one the list offers.", id=linked)))
