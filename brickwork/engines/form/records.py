"""The record service: the one write path for pages, the API, imports, flows and rules.

Save order: defaults → normalise → validate → optimistic-version write → unique index →
audit entry and outbox event, all in the caller's transaction. Bulk create does the same
steps set-wise, every row validated before any is written; bulk update applies its
changes in order; either keeps all or none.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brickwork.engines.form import (
    dependencies,
    duplicates,
    logic,
    lookup_fields,
    many_sql,
    merge,
    on_delete,
    onread,
    outside,
    owners,
    recompute,
    storage,
    subforms,
)
from brickwork.engines.form.access import Grant, form_grant, refusal
from brickwork.engines.form.computed_access import COMPUTED, hidden_computed
from brickwork.engines.form.conditions import compile_condition, condition_from_text, context
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form
from brickwork.engines.form.picker_links import check_links as check_picker_filters
from brickwork.engines.form.values import (
    api_value,
    check_references,
    check_required,
    columns_writer,
    default_value,
    first_per_field,
    input_parser,
    parse_input,
    serializer,
    to_api,
    to_columns,
)
from brickwork.platform.clock import app_zone, now
from brickwork.platform.db import utcnow, whole_id
from brickwork.platform.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import AuditEntry, Sequence
from brickwork.platform.outbox import NewEvent, delivered, emit_many

# On a session: its writes start no automation rules (an import with its explicit option off).
RULES_OFF = "brickwork.records.rules_off"
IN_APPROVAL = ("running", "returned")  # flow states that lock the record against normal edits
RESERVED = ("id", "version", "_meta")
ROW_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")  # lines[2].qty


class InApproval(Conflict):
    code = "in_approval"


def _drop(data: dict[str, Any], paths: list[str]) -> bool:
    """Take the values at the errors' paths out of ``data`` (``qty``, ``lines[2].qty``);
    whether any was."""
    dropped = False
    for path in paths:
        cell = ROW_CELL.match(path)
        rows = data.get(cell[1]) if cell else None
        if cell and isinstance(rows, list) and int(cell[2]) < len(rows) and isinstance(rows[int(cell[2])], dict):
            row = rows[int(cell[2])]
            if cell[3] in row:
                del row[cell[3]]
                dropped = True
            continue
        key = path.split("[")[0].split(".")[0]
        if key in data:
            del data[key]
            dropped = True
    return dropped


class RecordService:
    """Records of one form, as seen by one caller.

    What its events say of where a write came from (the rules engine reads it): ``source``
    (``ui|api|import|bulk|rule``; None: ``api``, or ``bulk`` for a batch), ``causation``
    (the rule runs that led to it and their depth: loop protection), ``rules`` (False: an
    import that explicitly turned automation off)."""

    source: str | None = None
    # How a write came when no user made it: "link" (a fill link, fill_links.py). The audit
    # entry keeps it as ``_via`` beside the changes, and has no actor.
    via: str | None = None
    causation: dict[str, Any] | None = None
    rules: bool = True
    # A record in approval (``flow_state`` running or returned) refuses normal edits and
    # deletes. The flow engine sets the fields (keys) the current node lets its caller edit:
    # a write through a task may change those and no other.
    flow_fields: frozenset[str] | None = None

    def __init__(self, session: Session, form: Form, who: Principal):
        self.session, self.form, self.who = session, form, who
        self.db = session.connection()  # record statements are Core: no ORM work per row
        self.table = form.table
        base = form_grant(session, form, who)
        self.grant: Grant = Grant(base.entries, set(base.readable), set(base.writable))
        if not who.is_admin and self.grant.actions and any(f.type in COMPUTED for f in form.definition.fields):
            # A computed value shows only what its inputs let this caller read (computed_access.py).
            self.grant.readable -= hidden_computed(self.graph, form.key, self.grant_of)

    def grant_of(self, form_key: str) -> Grant:
        """The caller's grant on another form of the app (this one: its own)."""
        if form_key == self.form.key:
            return form_grant(self.session, self.form, self.who)
        return form_grant(self.session, self.graph.forms[form_key], self.who)

    def compile_condition(self, data: Any, *, check_readable: bool = True) -> ColumnElement[bool]:
        """A filter from the caller: only over fields they may read."""
        return compile_condition(self.form, self.who, data,
                                 self.grant.readable if check_readable else None,
                                 extra={fid: (lk.value, lk.info) for fid, lk in self.lookups.items() if lk.info})

    def condition_from_text(self, text: str, param: str = "filter") -> dict[str, Any]:
        """A filter written as formula text, as a JSON tree: over the fields the caller may
        read, lookups included."""
        extra = {fid: lk.info for fid, lk in self.lookups.items() if lk.info}
        return condition_from_text(self.form, text, self.grant.readable, extra, param)

    # --- computed fields (recompute.py, onread.py)
    @cached_property
    def graph(self) -> dependencies.AppGraph:
        return dependencies.app_graph(self.session, self.form.app)

    def reach(self, form_key: str):
        """A linked form's table and the caller's read scope on it: what links may reach."""
        target = self.form if form_key == self.form.key else self.graph.forms.get(form_key)
        return None if target is None else (target.table, self.grant_of(form_key).scope)

    @cached_property
    def lookups(self) -> dict[str, lookup_fields.Lookup]:
        if not any(f.type == "lookup" for f in self.form.definition.fields):
            return {}
        # Each lookup reads its linked record through the caller's grant on the linked form.
        # (Over the graph's own Form objects: the scope must be over the table the sub-query aliases.)
        return lookup_fields.lookups(self.graph.forms, self.form, self.read_scope)

    def read_scope(self, form_key: str):
        """The caller's read scope on a form of the graph, over that Form's own table (the one
        a lookup's sub-query aliases): lookups, in rows too, read only what the caller may."""
        return form_grant(self.session, self.graph.forms[form_key], self.who).scope

    @cached_property
    def row_forms(self) -> dict[str, Form] | None:
        """The app's forms when sub-form rows hold lookups (read with the rows), else None."""
        return self.graph.forms if subforms.has_row_lookups(self.form) else None

    def shown_beside(self, rows: list[Any]) -> dict[str, dict[int, Any]]:
        """What records show besides their columns: links, sub-form rows (with their lookups),
        lookups and clock formulas, all read within the caller's grants."""
        ids = [row.id for row in rows]
        return outside.load(self.db, self.form, ids, self.row_forms, self.read_scope) | self.read_computed(rows)

    def read_computed(self, rows: list[Any]) -> dict[str, dict[int, Any]]:
        """Lookups and formulas over the clock of some rows: field id → record id → API value."""
        forms = self.graph.forms if onread.aggregates_on_read(self.form) else None
        return onread.load(self.db, self.form, self.lookups, rows, forms)

    def _before_write(self, ids: list[int]) -> dict:
        if not self.graph.touches(self.form.key):
            return {}
        return recompute.parents_before(self.db, self.graph, self.form.key, ids)

    def _recompute(self, ids: list[int], before: dict, created: bool = False) -> None:
        if self.graph.touches(self.form.key):
            recompute.after_write(self.db, self.graph, self.form.key, ids, before, created)

    # --- reads
    def get(self, record_id: int, *, deleted: bool = False) -> dict[str, Any]:
        self.grant.require("read")
        row = self.row(record_id, deleted=deleted)
        return to_api(self.form, row, self.grant.readable,
                      links=self.shown_beside([row]))

    def row(self, record_id: int, *, deleted: bool | None = False, lock: bool = False, action: str = "read"):
        """The stored row if it is in the caller's scope for ``action``: in the recycle bin
        (deleted=True), not in it (False), or either (None). A record the caller may read but
        not act on is 403; one they may not read is as absent as a missing one (404)."""
        t = self.table
        query = select(t).where(t.c.id == record_id)
        if deleted is not None:
            query = query.where(t.c.deleted_at.is_not(None) if deleted else t.c.deleted_at.is_(None))
        acted = query.where(self.grant.scope_for(action))
        row = self.db.execute(acted.with_for_update() if lock else acted).first()
        if row is None:
            if action != "read" and self.db.execute(query.with_only_columns(t.c.id).where(
                    self.grant.scope)).first() is not None:
                raise Forbidden(refusal(action))
            raise NotFound(_("No record %(id)s here.", id=record_id))
        return row

    def allowed(self, record_id: int) -> set[str]:
        """Which of update and delete the caller may do to this record (each within the scope
        of the entries granting it), in one query: what a page offers."""
        wanted = [a for a in ("update", "delete") if a in self.grant.actions]
        if not wanted:
            return set()
        t = self.table
        row = self.db.execute(select(*[case((self.grant.scope_for(a), 1), else_=0).label(a) for a in wanted])
                              .where(t.c.id == record_id)).first()
        return {a for a in wanted if row is not None and row._mapping[a]}

    # --- writes
    def create(self, data: Any) -> dict[str, Any]:
        return self.bulk_create([data], single=True)[0]

    def bulk_create(self, rows: list[Any], *, single: bool = False, enforce: bool = True) -> list[dict[str, Any]]:
        """``enforce=False`` (``compute``): required fields and rules do not refuse."""
        self.grant.require("create")
        errors: list[FieldError] = []
        prefixes = [""] if single else [f"[{i}]." for i in range(len(rows))]
        main_department = self.who.main_department
        parsed = []
        settable = [f for f in self.form.definition.fields if not REGISTRY[f.type].system]
        parse = input_parser(self.form, self.grant)  # its per-field work once, not per row
        for data, prefix in zip(rows, prefixes, strict=True):
            given = parse(data, errors, prefix)
            values = {f.id: default_value(f, self.who, main_department) for f in settable if f.id not in given}
            values.update(given)
            self._row_defaults(values)
            parsed.append(values)
        check_references(self.session, self.form, parsed, errors, prefixes)
        outside.check(self.session, self.form, parsed, errors, prefixes, self.reach)
        check_picker_filters(self, parsed, errors, prefixes)
        if not errors and enforce:
            duplicates.refuse(self, parsed, prefixes)
        if errors:  # values that cannot be stored: what else is missing is said too
            for values, prefix in zip(parsed, prefixes, strict=True):
                hidden = logic.visibility(self.form.definition, values, self._ctx).hidden_fields
                check_required(self.form, values, errors, prefix, hidden)
            raise Invalid(_("The record is not valid.") if single else _("Some records are not valid."),
                          errors=first_per_field(errors))
        moment = utcnow()
        meta = {"created_at": moment, "updated_at": moment, "created_by": self.who.user_id,
                "updated_by": self.who.user_id, "owner_id": self.who.user_id,
                "department_id": main_department, "version": 1}
        to_row = columns_writer(self.form)  # its per-field work once, not per row
        # Written and computed first, then checked: the rules see the values the record will
        # have (formulas, rollups, sums of rows). A refusal rolls the savepoint back.
        savepoint = self.session.begin_nested()
        try:
            self._number(parsed)
            columns = [{**meta, **to_row(values), **self._owner(values)} for values in parsed]
            try:
                ids = self._insert(columns)
            except IntegrityError as exc:
                raise self._unique_conflict(exc) from None
            outside.write(self.db, self.form, list(zip(ids, parsed, strict=True)))
            self._recompute(ids, {}, created=True)
            seen = self._as_computed(ids, parsed)
            cleared = self._clear_hidden(ids, seen, prefixes, errors)
            if cleared:
                for values, gone in zip(parsed, cleared, strict=True):
                    values.update(dict.fromkeys(gone))
                columns = [{**meta, **to_row(values), **self._owner(values)} for values in parsed]
            for values, prefix in zip(seen, prefixes, strict=True):
                logic.check_rules(self.form.definition, values, errors, self._ctx, prefix)
            if errors and enforce:
                raise Invalid(_("The record is not valid.") if single else _("Some records are not valid."),
                              errors=first_per_field(errors))
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        computed = recompute.stored_values(self.db, self.form, ids)
        everything = {f.id for f in self.form.definition.fields}
        made = [SimpleNamespace(id=rid, flow_state=None, deleted_at=None, **stored, **computed.get(rid, {}))
                for rid, stored in zip(ids, columns, strict=True)]
        links = self.shown_beside(made)
        convert = serializer(self.form, everything, links=links)  # its per-field work once, not per row
        full = [convert(row) for row in made]
        live = {f.key for f in self.form.definition.fields
                if f.type == "lookup" or (f.type == "formula" and not storage.has_column(f))}
        # Values read live (lookups, clock formulas) are not the record's: history keeps none of them.
        self._log("record.created", [(record["id"], {}, {k: v for k, v in record.items()
                                                         if k != "_meta" and k not in live}) for record in full])
        hidden = {f.key for f in self.form.definition.fields if f.id not in self.grant.readable}
        return [{k: v for k, v in record.items() if k not in hidden} for record in full]

    def update(self, record_id: int, data: Any, version: Any, *, enforce: bool = True,
               full: bool = True) -> dict[str, Any]:
        """The record as changed; ``full=False``: only its id and new version (a minimal
        answer reads nothing back)."""
        self.grant.require("update")
        if whole_id(version) is None or isinstance(version, str):
            raise Invalid(_("The record is not valid."), errors=[FieldError(
                "version", "required", _("Send the version you read, so a newer change is not overwritten."))])
        row = self.row(record_id, lock=True, action="update")
        self._check_flow(row, data)
        if row.version != version:
            raise self._stale(row)
        errors: list[FieldError] = []
        given = parse_input(self.form, data, self.grant, errors)
        self._row_defaults(given)
        current = self.logical(row)
        for f in subforms.subforms(self.form):
            if given.get(f.id):
                subforms.merge(f, given[f.id], current.get(f.id) or [])
        merged = {**current, **given}
        check_references(self.session, self.form, [given], errors, [""])
        outside.check(self.session, self.form, [given], errors, [""], self.reach, current)
        check_picker_filters(self, [merged], errors, [""], touched=set(given))
        if not errors and enforce:  # only a change of a field that identifies duplicates
            duplicates.refuse(self, [merged], [""], exclude=record_id, touched=set(given))
        if errors:
            check_required(self.form, merged, errors,
                           hidden=logic.visibility(self.form.definition, merged, self._ctx).hidden_fields)
            raise Invalid(_("The record is not valid."), errors=first_per_field(errors))
        changed = {fid: v for fid, v in given.items() if v != current.get(fid)}
        t = self.table
        # Written and computed first, then checked (as bulk_create): a refusal rolls back.
        savepoint = self.session.begin_nested()
        try:
            if changed:
                before_links = self._before_write([record_id])
                try:
                    result = self.db.execute(
                        update(t).where(t.c.id == record_id, t.c.version == version).values(
                            version=version + 1, updated_at=utcnow(), updated_by=self.who.user_id,
                            **self._columns(changed)))
                except IntegrityError as exc:
                    raise self._unique_conflict(exc) from None
                if result.rowcount != 1:  # someone else's update won between our read and write
                    raise self._stale(self.row(record_id))
                outside.write(self.db, self.form, [(record_id, changed)])
                self._recompute([record_id], before_links)
            seen = [self.logical(self.db.execute(select(t).where(t.c.id == record_id)).one())
                    if self._has_rules else dict(merged)]
            cleared = self._clear_hidden([record_id], seen, [""], errors)
            if cleared and not changed:  # a value its rule hides now, stored before the rule was
                self.db.execute(update(t).where(t.c.id == record_id).values(
                    version=version + 1, updated_at=utcnow(), updated_by=self.who.user_id))
            if cleared:
                changed.update(dict.fromkeys(cleared[0]))
            logic.check_rules(self.form.definition, seen[0], errors, self._ctx)
            if errors and enforce:
                raise Invalid(_("The record is not valid."), errors=first_per_field(errors))
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        if not changed:
            return to_api(self.form, row, self.grant.readable) if full else {"id": record_id, "version": version}
        before = {self.form.by_id[f].key: api_value(self.form, f, current.get(f)) for f in changed}
        after = {self.form.by_id[f].key: api_value(self.form, f, v) for f, v in changed.items()}
        for fid, by_record in outside.load(self.db, self.form, [record_id], self.row_forms, self.read_scope).items():
            if fid in changed:  # as stored: sub-form rows with their ids, links in order
                after[self.form.by_id[fid].key] = by_record.get(record_id) or None
        self._log("record.updated", [(record_id, before, after)])
        return self.get(record_id) if full else {"id": record_id, "version": version + 1}

    def compute(self, data: Any, record_id: int | None = None) -> dict[str, Any]:
        """What saving ``data`` (API values by key) would give, keeping nothing: the very
        create or update a save runs (defaults, recomputation in SQL, lookups, visibility),
        in a savepoint that is always rolled back. Values not valid (yet) count as BLANK;
        required fields and rules do not refuse but are listed (``errors``)."""
        if not isinstance(data, dict):
            raise Invalid(_("The record is not valid."), errors=[FieldError(
                "$", "type", _("Send the record as an object of field values."))])
        data = {k: v for k, v in data.items() if k not in ("id", "version", "_meta")}
        for _attempt in range(6):  # each round drops the values a save would refuse outright
            savepoint = self.session.begin_nested()
            try:
                return self._computed(data, record_id)
            except (Invalid, Conflict) as exc:
                if not _drop(data, [e.field for e in exc.errors]):
                    raise
            finally:
                savepoint.rollback()
        raise Invalid(_("The record is not valid."))

    def _computed(self, data: dict[str, Any], record_id: int | None) -> dict[str, Any]:
        if record_id is None:
            record = self.bulk_create([data], single=True, enforce=False)[0]
        else:
            record = self.update(record_id, data, self.row(record_id).version, enforce=False)
        t = self.table
        row = self.db.execute(select(t).where(t.c.id == record["id"])).one()
        values = self.logical(row)
        found = logic.visibility(self.form.definition, values, self._ctx)
        errors: list[FieldError] = []
        check_required(self.form, values, errors, hidden=found.hidden_fields)
        logic.check_rules(self.form.definition, values, errors, self._ctx)
        readable = self.grant.readable
        return {"values": {k: v for k, v in record.items() if k not in ("id", "version", "_meta")},
                "hidden_fields": sorted(self.form.by_id[fid].key for fid in found.hidden_fields if fid in readable),
                "hidden_sections": sorted(found.hidden_sections),
                "errors": [{"field": e.field, "code": e.code, "message": e.message} for e in errors]}

    def bulk_update(self, changes: list[Any], *, full: bool = True) -> list[dict[str, Any]]:
        """Each change is ``{"id": .., "version": .., field: value...}``; all or nothing."""
        return self._each(changes, lambda change: self.update(change["id"], change, change.get("version"), full=full))

    def set_many(self, ids: Any, data: Any, *, compact: bool = False, also: dict[str, Any] | None = None) -> list[int]:
        """The same values into many records (a rule's sweep, a bulk edit), set-wise: one
        read of the old values, one UPDATE, one audit insert and one outbox insert for the
        batch. Records it would not change are left alone (no event). Only for values that
        need no per-record work: a form with rules, computed dependants, or a field that is
        required, unique, computed or not in the row takes the per-record ``update`` path.
        ``ids``: a list, a SELECT of ids (a sweep's markers), or a condition on the table
        (a sweep's id range). ``compact``: no read of the
        old values, one ``UPDATE … RETURNING``, then ONE audit entry and ONE
        ``record.updated_many`` event for the batch, listing the ids (for callers that know
        nobody needs an event per record: decision 0036). ``also``: system columns the
        UPDATE sets too on the records it changes (a sweep's marks, marks.py); the
        per-record path leaves them to the caller. Returns the ids changed."""
        given = self._settable(data)
        t = self.table
        chosen = ids if isinstance(ids, ColumnElement) else t.c.id.in_(ids)
        live = self._live_for_update(chosen)
        if self._per_record(given):
            rows = self.db.execute(live.with_only_columns(t.c.id, t.c.version).order_by(t.c.id)).all()
            done = self.bulk_update([{**data, "id": row.id, "version": row.version} for row in rows])
            return [record["id"] for record in done]
        columns = self._columns(given)
        stored = self._stored(given)
        written = {**columns, **(also or {})}
        if compact:
            return self._set_compact(live, given, written, stored)
        changes, changed = [], []
        for row in self.db.execute(live.with_only_columns(t.c.id, *[t.c[c] for c in columns]).order_by(t.c.id)):
            old = {fid: getattr(row, storage.column_name(fid)) for fid in given}
            moved = [fid for fid in given if old[fid] != stored[fid]]
            if moved:
                changed.append(row.id)
                changes.append((row.id, {self.form.by_id[f].key: api_value(self.form, f, REGISTRY[
                    self.form.by_id[f].type].from_db(self.form.by_id[f], old[f])) for f in moved},
                    {self.form.by_id[f].key: api_value(self.form, f, given[f]) for f in moved}))
        if changed:
            self.db.execute(update(t).where(t.c.id.in_(changed)).values(
                **written, version=t.c.version + 1, updated_at=utcnow(), updated_by=self.who.user_id))
            self._log("record.updated", changes)
        return changed

    def _settable(self, data: Any) -> dict[str, Any]:
        """The values of a set_many, parsed by field id; refused as a whole (403, 422)."""
        self.grant.require("update")
        errors: list[FieldError] = []
        given = parse_input(self.form, data, self.grant, errors)
        if errors:
            raise Invalid(_("The record is not valid."), errors=first_per_field(errors))
        return given

    def _live_for_update(self, chosen: ColumnElement[bool]) -> Select:
        """The chosen records a set_many may write: not deleted, in the caller's update scope,
        not in approval (those are left as they are)."""
        t = self.table
        return select(t).where(chosen, t.c.deleted_at.is_(None), self.grant.scope_for("update"),
                               or_(t.c.flow_state.is_(None), t.c.flow_state.not_in(IN_APPROVAL)))

    def _per_record(self, given: dict[str, Any]) -> bool:
        """Whether these values need the per-record ``update`` (rules, computed dependants,
        sub-forms, or a field that is required, unique, computed or not in the row)."""
        fields = [self.form.by_id[fid] for fid in given]
        return bool(self._has_rules or self.graph.touches(self.form.key) or subforms.subforms(self.form) or any(
            f.required or f.unique or not storage.has_column(f) or f.type in COMPUTED for f in fields))

    def _columns(self, given: dict[str, Any]) -> dict[str, Any]:
        """The columns an UPDATE of ``given`` (by field id) sets: the fields', and the owner's
        and department when the form's owner field is among them (owners.py)."""
        return {**to_columns(self.form, given), **self._owner(given)}

    def _owner(self, values: dict[str, Any]) -> dict[str, Any]:
        return owners.owner_columns(self.session, self.form.definition, self.who, values)

    def _stored(self, given: dict[str, Any]) -> dict[str, Any]:
        return {fid: REGISTRY[self.form.by_id[fid].type].to_db(self.form.by_id[fid], v) for fid, v in given.items()}

    def _moved(self, stored: dict[str, Any]) -> ColumnElement[bool]:
        """The records a set_many would change: those not holding every value already."""
        return or_(*[self.table.c[storage.column_name(fid)].is_distinct_from(v) for fid, v in stored.items()])

    def _set_compact(self, live, given: dict[str, Any], columns: dict[str, Any], stored: dict[str, Any]) -> list[int]:
        t = self.table
        changed = sorted(self.db.execute(update(t).where(live.whereclause, self._moved(stored)).values(
            **columns, version=t.c.version + 1, updated_at=utcnow(), updated_by=self.who.user_id)
            .returning(t.c.id)).scalars().all())
        if changed:
            self._log_many(changed, self._after(given))
        return changed

    def _after(self, given: dict[str, Any]) -> dict[str, Any]:
        return {self.form.by_id[f].key: api_value(self.form, f, given[f]) for f in given}

    def _many_origin(self) -> dict[str, Any]:
        """Where a ``record.updated_many`` came from, as its event says."""
        origin: dict[str, Any] = {"source": self.source or "bulk"}
        if self.causation:
            origin["causation"] = self.causation
        if not self.rules or self.session.info.get(RULES_OFF):
            origin["rules"] = False
        return origin

    def _log_many(self, ids: list[int], after: dict[str, Any]) -> None:
        """One audit entry and one ``record.updated_many`` event for a batch given the same values."""
        form, who = self.form, self.who
        subject, moment = f"{form.app.key}/{form.key}", utcnow()
        self.db.execute(insert(AuditEntry.__table__).values(
            actor_id=who.user_id, action="record.updated_many", subject_type=subject, subject_id=f"{ids[0]}-{ids[-1]}",
            changes={"ids": ids, "after": after}, at=moment))
        emit_many(self.db, [NewEvent("record.updated_many", {
            "app": form.app.key, "form": form.key, "ids": ids, "actor": who.user_id, "after": after,
            "changed": sorted(after), **self._many_origin()}, order_key=subject)], moment)

    def set_many_within(self, chosen: ColumnElement[bool], data: Any,
                        also: dict[str, Any] | None = None) -> many_sql.Written | None:
        """``set_many(…, compact=True)`` as parts of ONE statement (PostgreSQL's
        data-modifying ``WITH``), for a caller that writes something else in it too (a
        sweep's markers and run row): the UPDATE over the records ``chosen`` picks, then its
        audit entry and ``record.updated_many`` event built in SQL from the UPDATE's
        ``RETURNING``, so no id comes back to Python (many_sql.py). Its parameters
        (``many_sql.NOW``, ``many_sql.EVENT_KEY``) are given per execution. None: the
        values need the per-record path, or the event would need a delivery job (a
        subscriber wants it): use ``set_many``. ``also`` as set_many's. Refusals raise as
        set_many's do."""
        given = self._settable(data)
        if self._per_record(given) or delivered(self.session, "record.updated_many", self.form.app.key, self.form.key):
            return None
        where = self._live_for_update(chosen).whereclause & self._moved(self._stored(given))
        return many_sql.updated_many(self.form, self.who.user_id, where, {**self._columns(given), **(also or {})},
                                     self._after(given), self._many_origin())

    def delete(self, record_id: int, version: int | None = None) -> None:
        """To the recycle bin: the row stays, restorable, until purged."""
        self.grant.require("delete")
        row = self.row(record_id, lock=True, action="delete")
        self._check_flow(row, None)
        if version is not None and row.version != version:
            raise self._stale(row)
        counted_in = self._before_write([record_id])  # before links to it are cleared
        on_delete.before_delete(self, [record_id])
        t = self.table
        moment = utcnow()
        self.db.execute(update(t).where(t.c.id == record_id).values(
            deleted_at=moment, version=row.version + 1, updated_at=moment, updated_by=self.who.user_id))
        self._recompute([record_id], counted_in)
        self._log("record.deleted", [(record_id, {}, {})])

    def bulk_delete(self, items: list[Any]) -> list[int]:
        """Each item is ``{"id": .., "version": ..}`` (version optional); to the recycle bin,
        all or nothing."""
        return self._each(items, lambda item: self.delete(item["id"], item.get("version")) or item["id"])

    def _each(self, items: list[Any], act) -> list[Any]:
        """``act`` on each item in order. The first refusal names its row (``[3].amount``)
        and, raised through the caller's transaction, rolls back every earlier row."""
        results = []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or isinstance(item.get("id"), str) or whole_id(item.get("id")) is None:
                raise Invalid(_("Some records are not valid."), errors=[FieldError(
                    f"[{index}].id", "required", _("Give the id of each record to change."))])
            try:
                results.append(act(item))
            except (Invalid, Conflict) as exc:
                for e in exc.errors:
                    e.field = f"[{index}].{e.field}"
                raise
        return results

    def restore(self, record_id: int) -> dict[str, Any]:
        self.grant.require("delete")
        row = self.row(record_id, deleted=True, lock=True, action="delete")
        merge.undo(self, record_id)  # a merge's loser: its links and values come back first
        t = self.table
        try:
            self.db.execute(update(t).where(t.c.id == record_id).values(
                deleted_at=None, version=row.version + 1, updated_at=utcnow(), updated_by=self.who.user_id))
        except IntegrityError as exc:  # its unique value was taken while it was in the bin
            raise self._unique_conflict(exc) from None
        self._recompute([record_id], {})
        self._log("record.restored", [(record_id, {}, {})])
        return self.get(record_id)

    def set_flow_state(self, record_id: int, state: str | None) -> None:
        """The record's approval state, written by the flow engine: the version goes up and
        the record's ``record.updated`` event says ``flow_state`` changed (views filter by it)."""
        t = self.table
        row = self.db.execute(select(t.c.id, t.c.version, t.c.flow_state).where(t.c.id == record_id)).first()
        if row is None:
            raise NotFound(_("No record %(id)s here.", id=record_id))
        if row.flow_state == state:
            return
        self.db.execute(update(t).where(t.c.id == record_id).values(
            flow_state=state, version=row.version + 1, updated_at=utcnow(), updated_by=self.who.user_id))
        self._log("record.updated", [(record_id, {"flow_state": row.flow_state}, {"flow_state": state})])

    # --- helpers
    def _check_flow(self, row, data: Any) -> None:
        """A record in approval changes only through its current task, and only where the
        node allows: otherwise 409 ``in_approval``; a field outside the node's 403."""
        if getattr(row, "flow_state", None) not in IN_APPROVAL:
            return
        if self.flow_fields is None or data is None:
            raise InApproval(_("This record is in approval and cannot be changed now."),
                             detail=_("Change it through your approval task, or withdraw it first."))
        touched = sorted(k for k in (data if isinstance(data, dict) else {}) if k not in RESERVED)
        refused = [k for k in touched if k not in self.flow_fields]
        if refused:
            raise Forbidden(_("This step of the approval does not let you change these fields."), errors=[
                FieldError(k, "not_editable", _("Not editable at this step.")) for k in refused])

    def _as_computed(self, ids: list[int], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Written records as the rules see them: their values with the computed fields and
        sub-form rows as the write left them (recomputed, in this transaction). A form
        without rules reads nothing back: required fields are never computed ones."""
        if not self._has_rules:
            return [dict(values) for values in records]
        computed = [f for f in self.form.definition.fields if f.type in ("formula", "rollup") and storage.has_column(f)]
        stored = recompute.stored_values(self.db, self.form, ids)
        rows = subforms.load_rows(self.db, self.form, ids) if subforms.subforms(self.form) else {}
        seen = []
        for rid, values in zip(ids, records, strict=True):
            one = dict(values)
            raw = stored.get(rid, {})
            for f in computed:
                one[f.id] = REGISTRY[f.type].from_db(f, raw.get(storage.column_name(f.id)))
            for fid, by_record in rows.items():
                kept = by_record.get(rid)
                one[fid] = subforms.to_logical(self.form.by_id[fid], kept) if kept else None
            seen.append(one)
        return seen

    def _clear_hidden(self, ids: list[int], seen: list[dict[str, Any]], prefixes: list[str],
                      errors: list[FieldError]) -> list[set[str]]:
        """Visibility over the computed values: hidden fields are cleared (written, then
        recomputed, ``seen`` read anew) and not required. The fields cleared per record, or
        [] when none was."""
        cleared: list[set[str]] = []
        hidden: list[set[str]] = []
        for values in seen:
            before = dict(values)
            hidden.append(logic.clear_hidden(self.form.definition, values, self.grant.readable, self._ctx))
            cleared.append({fid for fid, v in values.items() if v is None and before.get(fid) is not None})
        if any(cleared):
            t = self.table
            for rid, gone in zip(ids, cleared, strict=True):
                if gone:
                    blank = dict.fromkeys(gone)
                    inline = {fid: v for fid, v in blank.items() if storage.has_column(self.form.by_id[fid])}
                    if inline:
                        self.db.execute(update(t).where(t.c.id == rid).values(**to_columns(self.form, inline)))
                    outside.write(self.db, self.form, [(rid, blank)])
            self._recompute(ids, {})
            seen[:] = self._as_computed(ids, seen)
            hidden = [logic.visibility(self.form.definition, values, self._ctx).hidden_fields for values in seen]
        for values, prefix, gone in zip(seen, prefixes, hidden, strict=True):
            check_required(self.form, values, errors, prefix, gone)
        return cleared if any(cleared) else []

    @cached_property
    def _has_rules(self) -> bool:
        """Whether the form has validation or visibility rules (that may read computed values)."""
        return bool(self.form.definition.rules) or logic.has_visibility_rules(self.form.definition)

    @cached_property
    def _ctx(self):
        """What rules see of the caller and the clock."""
        return context(self.who)

    def logical(self, row) -> dict[str, Any]:
        """A stored row as logical values by field id, with its links and sub-form rows."""
        values = {f.id: REGISTRY[f.type].from_db(f, getattr(row, storage.column_name(f.id)))
                  for f in self.form.definition.fields if storage.has_column(f)}
        for fid, by_record in outside.load(self.db, self.form, [row.id]).items():
            f = self.form.by_id[fid]
            stored = by_record.get(row.id) or None
            values[fid] = subforms.to_logical(f, stored) if stored and f.type == "subform" else stored
        return values

    def _row_defaults(self, values: dict[str, Any]) -> None:
        """New sub-form rows get their fields' defaults, as a new record does."""
        for f in subforms.subforms(self.form):
            if values.get(f.id):
                subforms.with_defaults(f, values[f.id], lambda child: default_value(
                    child, self.who, self.who.main_department))

    def _stale(self, row) -> Conflict:
        return Conflict(_("Someone else changed this record first."),
                        detail=_("The record is at version %(version)s. Reload it and apply your change again.",
                                 version=row.version),
                        errors=[FieldError("version", "stale", _("The current version is %(v)s.", v=row.version))])

    def _unique_conflict(self, exc: IntegrityError) -> Conflict:
        message = str(exc.orig)
        hits = [f for f in self.form.definition.fields
                if f.unique and (storage.index_name("ux", self.table.name, f.id) in message
                                 or storage.column_name(f.id) in message)]
        return Conflict(_("Another record has this value already."), errors=[
            FieldError(f.key, "unique", _("This value is taken by another record.")) for f in hits])

    def _insert(self, columns: list[dict[str, Any]]) -> list[int]:
        """Write the rows; their ids, in order."""
        t = self.table
        if self.db.dialect.name != "sqlite":
            return list(self.db.scalars(insert(t).returning(t.c.id, sort_by_parameter_order=True), columns))
        # SQLite cannot say which RETURNING row is whose, so SQLAlchemy would send one INSERT per
        # row. Every writer holds the database's write lock from BEGIN (db.py), so the ids SQLite
        # would give (the largest so far + 1, + 2, ...) are given here, in one executemany.
        first = (self.db.scalar(_largest_id(t)) or 0) + 1
        ids = list(range(first, first + len(columns)))
        self.db.execute(insert(t), [{**row, "id": rid} for rid, row in zip(ids, columns, strict=True)])
        return ids

    def _number(self, rows: list[dict[str, Any]]) -> None:
        """Fill auto-numbers from a counter bumped in this transaction (no gaps on rollback):
        one bump by the batch's size per field, the rows numbered in order. The bump holds
        the counter's row (PostgreSQL) or the database (SQLite) until commit, so a
        concurrent create numbers after the whole batch."""
        fields = [f for f in self.form.definition.fields if f.type == "autonumber"]
        if not fields or not rows:
            return
        local_today = now().astimezone(app_zone()).date()
        for f in fields:
            kind = REGISTRY[f.type]
            last = self._bump(f"{self.table.name}.{f.id}", kind.period(f, local_today), len(rows))
            for counter, values in enumerate(rows, start=last - len(rows) + 1):
                values[f.id] = kind.render(f, local_today, counter)

    def _bump(self, name: str, period: str, by: int = 1) -> int:
        """The counter after adding ``by``: the numbers ``value - by + 1 .. value`` are ours."""
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(Sequence).values(name=name, period=period, value=by)
        statement = statement.on_conflict_do_update(
            index_elements=["name", "period"], set_={"value": Sequence.value + by}).returning(Sequence.value)
        return self.db.scalar(statement)

    def _log(self, topic: str, changes: list[tuple[int, dict, dict]]) -> None:
        """One audit entry and one outbox event per record, written set-wise."""
        form, who = self.form, self.who
        subject = f"{form.app.key}/{form.key}"
        moment = utcnow()  # one moment for the batch, as its records' created_at
        via = {"_via": self.via} if self.via else {}
        self.db.execute(insert(AuditEntry.__table__), [
            {"actor_id": who.user_id or None, "action": topic, "subject_type": subject, "subject_id": str(rid),
             "changes": {**({k: [before.get(k), after.get(k)] for k in after if k not in ("id", "version")}
                            if before else {k: v for k, v in after.items() if k not in ("id", "version")}), **via},
             "at": moment}
            for rid, before, after in changes])
        origin = {"source": self.source or ("bulk" if len(changes) > 1 else "api")}
        if self.causation:
            origin["causation"] = self.causation
        if not self.rules or self.session.info.get(RULES_OFF):
            origin["rules"] = False
        # Set-wise too: one outbox insert and one job insert for the batch (platform.outbox).
        emit_many(self.db, [
            NewEvent(topic, {"app": form.app.key, "form": form.key, "id": rid, "actor": who.user_id,
                             "before": before, "after": after, "changed": sorted(after), **origin},
                     order_key=f"{subject}/{rid}")
            for rid, before, after in changes], moment)


@lru_cache(maxsize=1024)
def _largest_id(table: Table) -> Select:
    """``SELECT max(id)`` of a record table, built once per table (building costs more than running)."""
    return select(func.max(table.c.id))
