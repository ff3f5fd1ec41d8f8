"""What a link does when its record goes to the recycle bin. A relation's ``on_delete``
decides whether a record may go to the bin while live records link to it: ``block``
refuses, ``clear`` unlinks them, ``cascade`` sends them to the bin as well (and so on down
their own relations).

The record service (records.py) calls this module with itself (``service``) as it deletes;
the linking records change through a record service of their own form, made as
``type(service)(...)``, so that they are audited and recomputed like any other change.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from brickwork.engines.form import storage, subforms
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.forms import Form, load_app_forms
from brickwork.engines.form.relations import linked_from, linking, load_links
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Conflict, FieldError
from brickwork.platform.i18n import _, pick


def before_delete(service, ids: list[int]) -> None:
    """Apply every linking relation's ``on_delete`` before ``ids`` go to the bin."""
    _rows_before_delete(service, ids)
    for source, f in linking(service.session, service.form):
        found = [i for i in linked_from(service.db, source, f, ids) if not (source.key == service.form.key
                                                                              and i in ids)]
        if not found:
            continue
        rule = f.on_delete or "block"
        if rule == "block":
            raise _blocked(service, source, f, found)
        other = type(service)(service.session, source, service.who)
        if rule == "cascade":
            for rid in found:
                other.delete(rid)
        else:
            _unlink(other, f, found, ids)


def _blocked(service, source: Form, f: FieldDef, linking: list[int]) -> Conflict:
    """The refusal of a delete that ``block`` links stop. As examples it names only linking
    records the caller may read: the others are counted, never identified."""
    reach = service.reach(source.key)
    shown: list[int] = []
    if reach is not None:
        table, scope = reach
        shown = sorted(service.db.scalars(select(table.c.id).where(table.c.id.in_(linking[:100]), scope)))[:5]
    said = (_("Linked from %(n)s records, e.g. %(ids)s.", n=len(linking), ids=", ".join(map(str, shown)))
            if shown else _("Linked from %(n)s records.", n=len(linking)))
    return Conflict(_("Records of %(form)s link to this record.", form=pick(source.definition.label)),
                    detail=_("Unlink them first, or change what the field %(field)s does on delete.",
                             field=pick(f.label)),
                    errors=[FieldError("id", "linked", said)])


def _rows_before_delete(service, ids: list[int]) -> None:
    """Sub-form rows that link here follow their relation's ``on_delete`` too: ``block``
    refuses, ``clear`` unlinks the rows, ``cascade`` removes them from their records."""
    for source in load_app_forms(service.session, service.form.app):
        for sub in [f for f in source.definition.fields if f.type == "subform"]:
            for f in sub.fields or []:
                if f.type != "relation" or f.target != service.form.key:
                    continue
                rows = storage.child_table(source.app.id, source.key, sub)
                column = rows.c[storage.column_name(f.id)]
                found = service.db.execute(
                    select(rows.c.id, rows.c.parent_id).join(source.table, source.table.c.id == rows.c.parent_id)
                    .where(column.in_(ids), source.table.c.deleted_at.is_(None))
                    .order_by(rows.c.parent_id, rows.c.id)).all()
                if not found:
                    continue
                parents = sorted({parent for _row, parent in found})
                rule = f.on_delete or "block"
                if rule == "block":
                    raise _blocked(service, source, f, parents)
                other = type(service)(service.session, source, service.who)
                before = other._before_write(parents)
                rows_before = subforms.load_rows(service.db, source, parents)[sub.id]
                row_ids = [row for row, _parent in found]
                if rule == "cascade":
                    service.db.execute(delete(rows).where(rows.c.id.in_(row_ids)))
                else:
                    service.db.execute(update(rows).where(rows.c.id.in_(row_ids)).values({column.name: None}))
                table, moment = source.table, utcnow()
                service.db.execute(update(table).where(table.c.id.in_(parents)).values(
                    version=table.c.version + 1, updated_at=moment, updated_by=service.who.user_id))
                other._recompute(parents, before)
                rows_after = subforms.load_rows(service.db, source, parents)[sub.id]
                other._log("record.updated", [(pid, {sub.key: rows_before.get(pid) or None},
                                               {sub.key: rows_after.get(pid) or None}) for pid in parents])


def _unlink(service, f: FieldDef, sources: list[int], targets: list[int]) -> None:
    """``clear``: the linking records lose the link, each gets a new version and a history entry."""
    table, db, moment = service.table, service.db, utcnow()
    computed_before = service._before_write(sources)
    if f.multiple:
        before = load_links(db, service.form, sources)[f.id]
        junction = storage.junction_table(service.form.app.id, service.form.key, f.id)
        db.execute(delete(junction).where(junction.c.source_id.in_(sources), junction.c.target_id.in_(targets)))
        changes = [(rid, {f.key: before[rid]}, {f.key: [t for t in before[rid] if t not in targets]})
                   for rid in sources]
    else:
        column = table.c[storage.column_name(f.id)]
        before = dict(db.execute(select(table.c.id, column).where(table.c.id.in_(sources))).all())
        db.execute(update(table).where(table.c.id.in_(sources)).values({column.name: None}))
        changes = [(rid, {f.key: before[rid]}, {f.key: None}) for rid in sources]
    db.execute(update(table).where(table.c.id.in_(sources)).values(
        version=table.c.version + 1, updated_at=moment, updated_by=service.who.user_id))
    service._recompute(sources, computed_before)  # formulas and rollups that follow the link
    service._log("record.updated", changes)
