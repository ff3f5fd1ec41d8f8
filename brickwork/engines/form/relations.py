"""Links between records: checking that linked records exist, reading and writing links to
many (junction tables), and what a link does when its record goes to the recycle bin.

Links to records in the bin are hidden, not removed, so restoring a record brings its
links back. What a link does when its record goes to the bin: on_delete.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select
from sqlalchemy.engine import Connection

from brickwork.engines.form import storage
from brickwork.engines.form.access import form_grant
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form, load_app_forms, load_form
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal

Links = dict[str, dict[int, list[int]]]  # field id → record id → linked ids, in order
# A form key → its table and the caller's read scope on it (None: no such form).
Reach = Callable[[str], "tuple[Table, ColumnElement[bool]] | None"]


def relations(form: Form) -> list[FieldDef]:
    return [f for f in form.definition.fields if f.type == "relation"]


def to_many(form: Form) -> list[FieldDef]:
    return [f for f in relations(form) if f.multiple]


def load_links(db: Connection, form: Form, ids: list[int]) -> Links:
    """The links to many of some records (one query per relation), skipping linked records
    that are in the bin."""
    found: Links = {}
    for f in to_many(form):
        junction = storage.junction_table(form.app.id, form.key, f.id)
        target = storage.id_table(form.app.id, f.target)
        by_record: dict[int, list[int]] = defaultdict(list)
        if ids:
            rows = db.execute(
                select(junction.c.source_id, junction.c.target_id)
                .join(target, target.c.id == junction.c.target_id)
                .where(junction.c.source_id.in_(ids), target.c.deleted_at.is_(None))
                .order_by(junction.c.source_id, junction.c.position))
            for source_id, target_id in rows:
                by_record[source_id].append(target_id)
        found[f.id] = by_record
    return found


def write_links(db: Connection, form: Form, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """Replace the links to many given in ``values`` (by field id) for each record."""
    for f in to_many(form):
        given = [(rid, values[f.id] or []) for rid, values in rows if f.id in values]
        if not given:
            continue
        junction = storage.junction_table(form.app.id, form.key, f.id)
        db.execute(delete(junction).where(junction.c.source_id.in_([rid for rid, _ids in given])))
        pairs = [{"source_id": rid, "target_id": tid, "position": i}
                 for rid, ids in given for i, tid in enumerate(ids)]
        if pairs:
            db.execute(insert(junction), pairs)


def check_targets(db: Connection, form: Form, rows: list[dict[str, Any]], errors: list[FieldError],
                  prefixes: list[str], reach: Reach, kept: dict[str, set[int]] | None = None) -> None:
    """Every linked record must exist outside the bin and be one the caller may read
    (``reach``: the linked form's table and the caller's read scope on it); one query per
    relation for a batch. A record outside the scope gets the same message as a missing one,
    so linking cannot tell them apart. Links the record has already (``kept``: field id →
    ids, when updating) stay valid even if their record left the caller's scope."""
    for f in relations(form):
        allowed = (kept or {}).get(f.id, set())
        wanted = {i for values in rows for i in _ids(values.get(f.id))} - allowed
        if not wanted:
            continue
        found = reach(f.target)
        live: set[int] = set()
        if found is not None:
            table, scope = found
            live = set(db.scalars(select(table.c.id).where(
                table.c.id.in_(wanted), table.c.deleted_at.is_(None), scope)))
        for values, prefix in zip(rows, prefixes, strict=True):
            for missing in [i for i in _ids(values.get(f.id)) if i not in live and i not in allowed]:
                errors.append(FieldError(prefix + f.key, "record",
                                         _("There is no record %(id)s to link to.", id=missing)))


def _ids(value: Any) -> list[int]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def linking(session, form: Form) -> list[tuple[Form, FieldDef]]:
    """Every relation in the app that links to this form, with its form."""
    return [(source, f) for source in load_app_forms(session, form.app) for f in relations(source)
            if f.target == form.key]


def linked_from(db: Connection, source: Form, f: FieldDef, ids: list[int]) -> list[int]:
    """The live records of ``source`` that link to any of ``ids`` through ``f``."""
    table = source.table
    if f.multiple:
        junction = storage.junction_table(source.app.id, source.key, f.id)
        query = (select(junction.c.source_id).join(table, table.c.id == junction.c.source_id)
                 .where(junction.c.target_id.in_(ids), table.c.deleted_at.is_(None)).distinct())
    else:
        column = table.c[storage.column_name(f.id)]
        query = select(table.c.id).where(column.in_(ids), table.c.deleted_at.is_(None))
    return sorted(db.scalars(query))


def record_titles(session, app_key: str, form_key: str, ids: set[int], who: Principal) -> dict[int, str]:
    """What names each record in links and pickers: its title field as text. Only records
    ``who`` may read, and only if they may read the title field: the others are left out,
    and pages name them by their id alone (``#12``), as they do records without a title."""
    form = load_form(session, app_key, form_key)
    title = form.title
    grant = form_grant(session, form, who)
    if title is None or not ids or "read" not in grant.actions or title.id not in grant.readable:
        return {}
    column = form.table.c[storage.column_name(title.id)]
    kind = REGISTRY[title.type]
    rows = session.connection().execute(
        select(form.table.c.id, column).where(form.table.c.id.in_(ids), grant.scope))
    return {rid: kind.to_text(title, kind.from_db(title, stored)) for rid, stored in rows if stored is not None}
