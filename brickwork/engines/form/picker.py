"""Finding a record to link to, as a person types: ``[{id, title}]`` of a form's live records
in the caller's read scope. Titles that start with the text come first, alphabetically, from
the index on lower(title) that publishing keeps (``storage.title_index``), so this stays fast
at a million records; if they are fewer than ``limit``, titles that contain the text follow,
newest first. No text: the newest records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from brickwork.engines.form import storage
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.listing import refuse_nul
from brickwork.engines.form.picker_links import narrowing
from brickwork.platform.db import whole_id
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

MAX_PICK = 100
MAX_TEXT = 200


def pick_records(service, q: str | None, limit: int = 20, narrow: ColumnElement | None = None
                 ) -> list[dict[str, Any]]:
    """``narrow``: the picker filter of the relation being filled (``for_relation``)."""
    service.grant.require("read")
    form, t = service.form, service.table
    limit = min(max(limit, 1), MAX_PICK)
    refuse_nul("q", q)
    q = (q or "").strip().lower()[:MAX_TEXT]
    live = [service.grant.scope, t.c.deleted_at.is_(None)] + ([narrow] if narrow is not None else [])
    title = form.title if form.title is not None and form.title.id in service.grant.readable else None
    column = t.c[storage.column_name(title.id)] if storage.searchable_title(title) else None
    shown = [t.c.id] + ([column] if column is not None else [])
    if not q:
        rows = service.db.execute(select(*shown).where(*live).order_by(t.c.id.desc()).limit(limit)).all()
    elif column is None:  # nothing to search by text: a number finds that record
        rows = service.db.execute(select(*shown).where(*live, t.c.id == whole_id(q))).all() if whole_id(q) else []
    else:
        key = storage.title_key(column, service.db.dialect.name)
        rows = service.db.execute(select(*shown).where(*live, key >= q, key < q + "\uffff")
                                  .order_by(key).limit(limit)).all()
        if len(rows) < limit:
            found = [row.id for row in rows]
            rows += service.db.execute(
                select(*shown).where(*live, key.contains(q, autoescape=True), t.c.id.not_in(found))
                .order_by(t.c.id.desc()).limit(limit - len(rows))).all()
    return [{"id": row.id, "title": (_text(title, row[1]) if column is not None else "") or f"#{row.id}"}
            for row in rows]


def _text(title, stored: Any) -> str:
    kind = REGISTRY[title.type]
    return kind.to_text(title, kind.from_db(title, stored)) if stored is not None else ""


def for_relation(service, relation: str, values: Any) -> ColumnElement | None:
    """The picker filter of ``relation`` (``form_key.field_key``, a relation to ``service``'s
    form) for the values of the record being edited (API values by key, as the page has
    them); None when it has none or a value it reads is blank."""
    source_key, _dot, field_key = relation.partition(".")
    source = load_form(service.session, service.form.app.key, source_key)
    f = source.by_key.get(field_key)
    if f is None or f.type != "relation" or f.target != service.form.key:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "for", "relation", _("%(name)s is no relation to this form.", name=relation))])
    if f.picker_filter is None:
        return None
    values = values if isinstance(values, dict) else {}
    logical: dict[str, Any] = {}
    for key, value in values.items():
        other = source.by_key.get(key)
        if other is None:
            continue
        try:
            logical[key] = REGISTRY[other.type].parse(other, value)
        except FieldValueError as exc:
            raise Invalid(_("The request is not valid."), errors=[FieldError(f"record.{key}", exc.code,
                                                                               exc.message)]) from None
    return narrowing(service.form, service.who, source.definition, f, logical)
