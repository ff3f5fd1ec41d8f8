"""Merging two records of one form into one: the survivor takes the values chosen per
field (by default its own, its blanks filled from the loser), every link to the loser in
the app moves to the survivor (relation fields of any form, links to many, sub-form rows),
and the loser goes to the recycle bin. All in the caller's transaction, under the record
service's own checks: both versions as read (409 when stale), update on both, delete on
the loser (403), neither in approval.

What moved is kept in ``record_merges``: restoring the loser from the bin (``undo``) moves
the links back, and the survivor's values too where nobody changed them since. Both
histories stay: the survivor's history lists the loser's entries (``merged_histories``),
and the merge itself is an audit entry and a ``record.merged`` event.

Flow instances started on the loser stay with it (the flow engine sits above this one);
its approval history is reachable from the survivor's history through the loser.

The service is ``records.RecordService``, passed in (this module is below it, as
``on_delete`` is); linking records change through a service of their own form.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from brickwork.engines.form import storage, subforms
from brickwork.engines.form.computed_access import COMPUTED
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form, load_app_forms
from brickwork.engines.form.relations import linking, load_links
from brickwork.platform.db import utcnow, whole_id
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.models import AuditEntry, RecordMerge

CHOICES = ("survivor", "loser")


def mergeable(service) -> list[FieldDef]:
    """The fields a merge carries over: set by people, stored with the record, writable by
    the caller. Sub-form rows stay with their record (the loser's in the bin with it)."""
    return [f for f in service.form.definition.fields
            if not REGISTRY[f.type].system and f.type not in COMPUTED and f.type != "subform"
            and f.id in service.grant.writable]


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def chosen_values(fields: list[FieldDef], survivor: dict[str, Any], loser: dict[str, Any],
                  choose: dict[str, str]) -> dict[str, Any]:
    """The survivor's changes (API values by key): the loser's value where ``choose`` says
    ``loser``, or where it says nothing and the survivor's is blank."""
    changes = {}
    for f in fields:
        pick = choose.get(f.key)
        takes = pick == "loser" or (pick is None and _blank(survivor.get(f.key)) and not _blank(loser.get(f.key)))
        if takes and loser.get(f.key) != survivor.get(f.key):
            changes[f.key] = loser.get(f.key)
    return changes


def _version(value: Any, name: str) -> int:
    if whole_id(value) is None or isinstance(value, (str, bool)):
        raise Invalid(_("The merge is not valid."), errors=[FieldError(
            name, "required", _("Send the version you read, so a newer change is not overwritten."))])
    return value


def merge(service, survivor_id: int, body: Any) -> dict[str, Any]:
    """``body``: ``{"version", "loser", "loser_version", "values": {key: "survivor"|"loser"}}``."""
    if not isinstance(body, dict):
        raise Invalid(_("The merge is not valid."), errors=[FieldError(
            "$", "type", _("Send the merge as an object."))])
    loser_id = body.get("loser")
    if whole_id(loser_id) is None or isinstance(loser_id, (str, bool)) or loser_id == survivor_id:
        raise Invalid(_("The merge is not valid."), errors=[FieldError(
            "loser", "required", _("Give the id of another record of this form to merge into this one."))])
    version, loser_version = _version(body.get("version"), "version"), _version(body.get("loser_version"),
                                                                                 "loser_version")
    fields = mergeable(service)
    choose = body.get("values") or {}
    by_key = {f.key: f for f in fields}
    bad = ([k for k, v in choose.items() if k not in by_key or v not in CHOICES]
           if isinstance(choose, dict) else ["values"])
    if bad:
        raise Invalid(_("The merge is not valid."), errors=[FieldError(
            f"values.{k}" if k != "values" else k, "choice",
            _("Choose survivor or loser for a field you may change.")) for k in bad])
    service.grant.require("update")
    service.grant.require("delete")
    survivor_row = service.row(survivor_id, lock=True, action="update")
    loser_row = service.row(loser_id, lock=True, action="update")
    service.row(loser_id, action="delete")
    for row, given, name in ((survivor_row, version, "version"), (loser_row, loser_version, "loser_version")):
        service._check_flow(row, None)
        if row.version != given:
            stale = service._stale(row)
            for e in stale.errors:
                e.field = name
            raise stale
    survivor, loser = service.get(survivor_id), service.get(loser_id)
    changes = chosen_values(fields, survivor, loser, choose)
    moved = repoint(service, loser_id, survivor_id)
    service.delete(loser_id)  # nothing links to it now: no on_delete rule applies
    if changes:
        current = service.row(survivor_id).version  # a link of the survivor to the loser moved too
        service.update(survivor_id, changes, current)
    moved["values"] = {"before": {k: survivor.get(k) for k in changes}, "after": changes}
    record = RecordMerge(app=service.form.app.key, form=service.form.key, survivor_id=survivor_id,
                         loser_id=loser_id, moved=moved, merged_by=service.who.user_id)
    service.session.add(record)
    service.session.flush()
    counted = _count(moved)
    service._log("record.merged", [(survivor_id, {}, {"loser": loser_id, "fields": sorted(changes),
                                                       "moved": counted})])
    _note(service, loser_id, "record.merged_into", {"survivor": survivor_id})
    return {"record": service.get(survivor_id), "loser": loser_id, "moved": counted, "merge": record.id}


def undo(service, loser_id: int) -> None:
    """As the loser is restored from the bin (before it leaves the bin, so that a unique
    value the survivor took from it is given back first): the links that moved to the survivor and
    still point at it move back; the survivor's values the merge set and nobody changed
    since go back to what they were."""
    merged = service.session.scalars(select(RecordMerge).where(
        RecordMerge.app == service.form.app.key, RecordMerge.form == service.form.key,
        RecordMerge.loser_id == loser_id, RecordMerge.undone_at.is_(None)).order_by(RecordMerge.id.desc())).first()
    if merged is None:
        return
    survivor_id, moved = merged.survivor_id, merged.moved
    forms = {f.key: f for f in load_app_forms(service.session, service.form.app)}
    for item in moved.get("links", []):
        source = forms.get(item["form"])
        if source is not None and item["field"] in source.by_id:
            _move_one(_service_of(service, source), source.by_id[item["field"]], survivor_id, loser_id, item["ids"])
    for item in moved.get("many", []):
        source = forms.get(item["form"])
        if source is not None and item["field"] in source.by_id:
            _move_back_many(_service_of(service, source), source.by_id[item["field"]], survivor_id, loser_id, item)
    for item in moved.get("rows", []):
        source = forms.get(item["form"])
        sub = source.by_id.get(item["subform"]) if source is not None else None
        inner = {f.id: f for f in (sub.fields or [])} if sub is not None else {}
        if item["field"] in inner:
            _move_rows(_service_of(service, source), sub, inner[item["field"]], survivor_id, loser_id, item["ids"])
    values = moved.get("values", {})
    t = service.table
    if values.get("after") and service.db.scalar(select(t.c.id).where(t.c.id == survivor_id,
                                                                     t.c.deleted_at.is_(None))):
        now = service.get(survivor_id)
        back = {k: values["before"].get(k) for k, v in values["after"].items() if now.get(k) == v}
        if back:
            service.update(survivor_id, back, now["version"])
    merged.undone_at = utcnow()
    service._log("record.unmerged", [(survivor_id, {}, {"loser": loser_id})])
    _note(service, loser_id, "record.unmerged_from", {"survivor": survivor_id})


def merged_histories(session, app: str, form: str, record_id: int) -> list[int]:
    """The records merged into this one (and not undone): their histories are its too."""
    return list(session.scalars(select(RecordMerge.loser_id).where(
        RecordMerge.app == app, RecordMerge.form == form, RecordMerge.survivor_id == record_id,
        RecordMerge.undone_at.is_(None)).order_by(RecordMerge.id)))


def repoint(service, loser_id: int, survivor_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every link in the app to the loser now points at the survivor; what moved, to undo it."""
    moved: dict[str, list[dict[str, Any]]] = {"links": [], "many": [], "rows": []}
    for source, f in linking(service.session, service.form):
        other = _service_of(service, source)
        if f.multiple:
            item = _move_many(other, f, loser_id, survivor_id)
            if item:
                moved["many"].append(item)
        else:
            ids = _move_one(other, f, loser_id, survivor_id)
            if ids:
                moved["links"].append({"form": source.key, "field": f.id, "ids": ids})
    for source in load_app_forms(service.session, service.form.app):
        for sub in subforms.subforms(source):
            for f in sub.fields or []:
                if f.type == "relation" and f.target == service.form.key:
                    ids = _move_rows(_service_of(service, source), sub, f, loser_id, survivor_id)
                    if ids:
                        moved["rows"].append({"form": source.key, "subform": sub.id, "field": f.id, "ids": ids})
    return moved


def _service_of(service, source: Form):
    return service if source.key == service.form.key else type(service)(service.session, source, service.who)


def _touched(other, ids: list[int], before: dict, changes: list[tuple[int, dict, dict]]) -> None:
    """The linking records changed: a new version each, their rollups followed, a history entry."""
    table = other.table
    other.db.execute(update(table).where(table.c.id.in_(ids)).values(
        version=table.c.version + 1, updated_at=utcnow(), updated_by=other.who.user_id))
    other._recompute(ids, before)
    other._log("record.updated", changes)


def _move_one(other, f: FieldDef, old: int, new: int, only: list[int] | None = None) -> list[int]:
    """A relation to one: the records (in the bin too) that link to ``old`` link to ``new``."""
    table, db = other.table, other.db
    column = table.c[storage.column_name(f.id)]
    query = select(table.c.id).where(column == old)
    if only is not None:
        query = query.where(table.c.id.in_(only))
    ids = sorted(db.scalars(query))
    if ids:
        before = other._before_write(ids)
        db.execute(update(table).where(table.c.id.in_(ids)).values({column.name: new}))
        _touched(other, ids, before, [(rid, {f.key: old}, {f.key: new}) for rid in ids])
    return ids


def _move_many(other, f: FieldDef, old: int, new: int) -> dict[str, Any] | None:
    """A relation to many: each link to ``old`` becomes one to ``new`` in its place; a record
    linking to both keeps its link to ``new`` and drops the other (kept here, to undo)."""
    db = other.db
    junction = storage.junction_table(other.form.app.id, other.form.key, f.id)
    sources = sorted(db.scalars(select(junction.c.source_id).where(junction.c.target_id == old)))
    if not sources:
        return None
    links_before = load_links(db, other.form, sources)[f.id]
    both = set(db.scalars(select(junction.c.source_id).where(
        junction.c.target_id == new, junction.c.source_id.in_(sources))))
    dropped = [[s, p] for s, p in db.execute(select(junction.c.source_id, junction.c.position).where(
        junction.c.target_id == old, junction.c.source_id.in_(both)))]
    before = other._before_write(sources)
    db.execute(delete(junction).where(junction.c.target_id == old, junction.c.source_id.in_(both)))
    db.execute(update(junction).where(junction.c.target_id == old).values(target_id=new))
    links_after = load_links(db, other.form, sources)[f.id]
    _touched(other, sources, before, [(rid, {f.key: links_before.get(rid, [])}, {f.key: links_after.get(rid, [])})
                                      for rid in sources])
    return {"form": other.form.key, "field": f.id, "moved": [s for s in sources if s not in both],
            "dropped": dropped}


def _move_back_many(other, f: FieldDef, survivor: int, loser: int, item: dict[str, Any]) -> None:
    db = other.db
    junction = storage.junction_table(other.form.app.id, other.form.key, f.id)
    sources = sorted(set(item["moved"]) | {s for s, _p in item["dropped"]})
    links_before = load_links(db, other.form, sources)[f.id]
    before = other._before_write(sources)
    db.execute(update(junction).where(junction.c.target_id == survivor,
                                      junction.c.source_id.in_(item["moved"])).values(target_id=loser))
    for source, position in item["dropped"]:
        there = db.scalar(select(junction.c.source_id).where(and_(
            junction.c.source_id == source, junction.c.target_id == loser)))
        if there is None:
            db.execute(insert(junction).values(source_id=source, target_id=loser, position=position))
    links_after = load_links(db, other.form, sources)[f.id]
    _touched(other, sources, before, [(rid, {f.key: links_before.get(rid, [])}, {f.key: links_after.get(rid, [])})
                                      for rid in sources])


def _move_rows(other, sub: FieldDef, f: FieldDef, old: int, new: int, only: list[int] | None = None) -> list[int]:
    """Sub-form rows whose relation links to ``old`` link to ``new``; their records change."""
    db, source = other.db, other.form
    rows = storage.child_table(source.app.id, source.key, sub)
    column = rows.c[storage.column_name(f.id)]
    query = select(rows.c.id, rows.c.parent_id).where(column == old)
    if only is not None:
        query = query.where(rows.c.id.in_(only))
    found = db.execute(query.order_by(rows.c.id)).all()
    if not found:
        return []
    row_ids = [row for row, _parent in found]
    parents = sorted({parent for _row, parent in found})
    before = other._before_write(parents)
    rows_before = subforms.load_rows(db, source, parents)[sub.id]
    db.execute(update(rows).where(rows.c.id.in_(row_ids)).values({column.name: new}))
    rows_after = subforms.load_rows(db, source, parents)[sub.id]
    _touched(other, parents, before, [(pid, {sub.key: rows_before.get(pid) or None},
                                       {sub.key: rows_after.get(pid) or None}) for pid in parents])
    return row_ids


def _count(moved: dict[str, list[dict[str, Any]]]) -> int:
    return (sum(len(i["ids"]) for i in moved["links"]) + sum(len(i["moved"]) + len(i["dropped"])
                                                              for i in moved["many"])
            + sum(len(i["ids"]) for i in moved["rows"]))


def _note(service, record_id: int, action: str, changes: dict[str, Any]) -> None:
    """An audit entry in the loser's own history (its event is the survivor's)."""
    service.db.execute(insert(AuditEntry.__table__).values(
        actor_id=service.who.user_id, action=action, subject_type=f"{service.form.app.key}/{service.form.key}",
        subject_id=str(record_id), changes=changes, at=utcnow()))
