"""Finding a record to link to, as a person types: ``[{id, title}]`` of a form's live records
in the caller's read scope. Titles that start with the text come first, alphabetically, from
the index on lower(title) that publishing keeps (``storage.title_index``), so this stays fast
at a million records; if they are fewer than ``limit``, titles that contain the text follow,
newest first. No text: the newest records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from brickwork.engines.form import storage
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.listing import refuse_nul
from brickwork.platform.db import whole_id

MAX_PICK = 100
MAX_TEXT = 200


def pick_records(service, q: str | None, limit: int = 20) -> list[dict[str, Any]]:
    service.grant.require("read")
    form, t = service.form, service.table
    limit = min(max(limit, 1), MAX_PICK)
    refuse_nul("q", q)
    q = (q or "").strip().lower()[:MAX_TEXT]
    live = [service.grant.scope, t.c.deleted_at.is_(None)]
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
