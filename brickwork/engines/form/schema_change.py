"""Publishing a form changes its table in the same transaction as the definition.

Compared by field id, a new version may add fields (the column is added and the default
filled in), rename them (metadata only), delete them (to the form's trash, data kept),
restore or purge them, change their type (converted in place, the old column kept as a
backup, every value that does not convert reported) and change uniqueness (refused while
duplicates exist). A dry run reports all of it and changes nothing.

The DDL used (ADD / RENAME / DROP COLUMN, CREATE INDEX, CREATE VIEW) is the same on
SQLite (3.35+) and PostgreSQL, and both run it inside the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, func, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex

from brickwork.engines.form import (
    computed_publish,
    derived_indexes,
    duplicate_keys,
    owners,
    required_publish,
    storage,
)
from brickwork.engines.form.definition import BackupColumn, FieldDef, FormDefinition, TrashedField
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.fieldtypes.numeric import NumberField
from brickwork.engines.form.fieldtypes.text import TextField
from brickwork.engines.form.forms import title_of
from brickwork.platform.definitions.store import PUBLISHED
from brickwork.platform.errors import Conflict, FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.models import Definition

BATCH = 1000
SHOWN = 50  # failures or duplicates listed per field; the count is always complete
DYNAMIC_DEFAULTS = ("$me", "$my_department", "$today", "$now")
# Session.info key: forms an app file is installing in this transaction. A relation may
# link to one before it is published (forms that link to each other arrive together).
ARRIVING = "brickwork.arriving_forms"


@dataclass
class PublishReport:
    created: bool = False
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    converted: dict[str, dict[str, Any]] = field(default_factory=dict)
    unique_added: list[str] = field(default_factory=list)
    unique_dropped: list[str] = field(default_factory=list)
    index_added: list[str] = field(default_factory=list)
    index_dropped: list[str] = field(default_factory=list)
    backups_purged: list[str] = field(default_factory=list)
    duplicates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    recomputed: list[str] = field(default_factory=list)
    required_blank: dict[str, int] = field(default_factory=dict)  # field id → records without a value
    filled: dict[str, dict[str, Any]] = field(default_factory=dict)  # field id → {value, records}

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


def storage_signature(f: FieldDef) -> tuple:
    """What the stored values depend on: a change of it is a conversion."""
    kind = REGISTRY[f.type]
    return (f.type, kind.scale(f) if isinstance(kind, NumberField) else None, f.target, bool(f.multiple),
            kind.value_type(f), kind.value_scale(f), kind.has_column(f))


def publish_form(conn: Connection, app_id: int, app_key: str, form_key: str, previous: FormDefinition | None,
                 new: FormDefinition, version: int, *, dry_run: bool = False, force: bool = False,
                 arriving: frozenset[str] = frozenset(), fill: dict[str, Any] | None = None,
                 ) -> tuple[FormDefinition, PublishReport]:
    """Returns the definition as published (deleted fields moved to the trash) and the report.
    ``fill`` (field id or key → value) fills the records a newly required field leaves blank."""
    report = PublishReport()
    new = new.model_copy(deep=True)
    name = storage.table_name(app_id, form_key)
    _check_targets(conn, app_id, form_key, new, arriving)
    if previous is None:
        _check_view_name(conn, app_key, form_key)
        report.created = True
        report.added = [f.id for f in new.fields]
        if not dry_run:
            table = storage.record_table(app_id, form_key, new)
            table.create(conn)
            for f in new.fields:
                _add_column(conn, app_id, form_key, f, only_elsewhere=True)
            storage.create_view(conn, app_key, form_key, table, new)
            _title_index(conn, name, None, new, set())
            _key_indexes(conn, name, None, new, set())
        return new, report

    old_table = storage.record_table(app_id, form_key, previous)
    before = {f.id: f for f in previous.fields}
    trashed = {t.field.id: t for t in previous.trash}
    now_fields = {f.id: f for f in new.fields}

    # The server keeps the trash and the backups; a client can only purge from them. A field
    # the new version lacks goes to the trash with its data, whatever the client sent.
    kept_trash = {t.field.id for t in new.trash}
    report.deleted = [fid for fid in before if fid not in now_fields]
    purged = [t for fid, t in trashed.items() if fid not in now_fields and fid not in kept_trash]
    report.purged = [t.field.id for t in purged]
    new.trash = [t for fid, t in trashed.items() if fid not in now_fields and fid in kept_trash]
    new.trash += [TrashedField(field=before[fid], deleted_in=version) for fid in report.deleted]
    kept_backups = {b.column for b in new.backups}
    new.backups = [b for b in previous.backups if b.column in kept_backups]
    purged_backups = [b for b in previous.backups if b.column not in kept_backups]
    report.backups_purged = [b.column for b in purged_backups]

    conversions: list[tuple[FieldDef, FieldDef]] = []
    recreated: list[tuple[FieldDef, FieldDef]] = []
    for f in new.fields:
        old = before.get(f.id) or (trashed[f.id].field if f.id in trashed else None)
        if old is None:
            report.added.append(f.id)
            continue
        if f.id in trashed:
            report.restored.append(f.id)
        if storage_signature(old) != storage_signature(f):
            # A computed value is not converted: its column is made anew and recomputed.
            (recreated if f.type in computed_publish.DERIVED else conversions).append((old, f))
        elif (old.key, old.label) != (f.key, f.label) and f.id in before:
            report.renamed.append(f.id)
    child_changes = _child_changes(before, new.fields)
    report.added += [f"{f.id}.{child.id}" for f, child in child_changes]
    for old, f in conversions:
        if {"relation", "subform"} & {old.type, f.type}:
            raise Invalid(_("A relation cannot change its type, its form or between one and many."),
                          detail=_("Add a new field instead, and delete this one when it is no longer needed."),
                          errors=[FieldError(f.key, "conversion", _("This change would lose the links."))])
        report.converted[f.id] = _conversion_preview(conn, old_table, old, f)

    converted = {f.id for _old, f in conversions + recreated}
    gone = [*report.deleted, *converted]  # their indexes go; a converted column gets new ones
    report.unique_added, report.unique_dropped = _index_changes("unique", before, new.fields, converted, gone)
    report.index_added, report.index_dropped = _index_changes("indexed", before, new.fields, converted, gone)

    for fid in report.unique_added:
        if fid not in converted and (fid in before or fid in trashed):  # a column with data already
            found = _duplicates(conn, old_table, now_fields[fid])
            if found:
                report.duplicates[fid] = [{"value": v, "count": n} for v, n in found]

    failures = {fid: c for fid, c in report.converted.items() if c["failed"]}
    required = required_publish.newly_required(before, new.fields, converted)
    stored = {**{fid: t.field for fid, t in trashed.items()}, **before}
    report.required_blank = required_publish.count_blank(conn, name, required, stored,
                                                         {fid: c["failed"] for fid, c in failures.items()})
    if dry_run:
        return new, report
    fills = required_publish.parse_fills(now_fields, report.required_blank, fill)
    if report.duplicates:
        _refuse(now_fields, report.duplicates)
    if failures and not force:
        raise Invalid(_("Some values cannot be converted to the new type."),
                      detail=_("Check the report, then publish with force to keep them only in the backup column."),
                      errors=[FieldError(now_fields[fid].key, "conversion",
                                         _("%(n)s values do not convert.", n=c["failed"]))
                              for fid, c in failures.items()])

    quote = conn.dialect.identifier_preparer.quote
    derived_indexes.drop_touching(conn, name, {
        *[storage.column_name(t.field.id) for t in purged], *[b.column for b in purged_backups],
        *[storage.column_name(fid) for fid in converted]})
    for fid in report.unique_dropped:
        conn.execute(text(f"DROP INDEX IF EXISTS {quote(storage.index_name('ux', name, fid))}"))
    for fid in report.index_dropped:
        conn.execute(text(f"DROP INDEX IF EXISTS {quote(storage.index_name('ix', name, fid))}"))
    for t in purged:
        if storage.has_column(t.field):
            conn.execute(text(f"ALTER TABLE {quote(name)} DROP COLUMN {quote(storage.column_name(t.field.id))}"))
        for table in storage.tables_of(app_id, form_key, t.field):
            conn.execute(text(f"DROP TABLE {quote(table.name)}"))
    for b in purged_backups:
        conn.execute(text(f"ALTER TABLE {quote(name)} DROP COLUMN {quote(b.column)}"))
    if recreated:
        storage.drop_view(conn, app_key, form_key)  # it reads the columns made anew; made again below
    for old, f in recreated:
        _recreate(conn, app_id, form_key, old, f, version, new)
    for old, f in conversions:
        backup = storage.backup_name(f.id, version)
        conn.execute(text(f"ALTER TABLE {quote(name)} RENAME COLUMN {quote(storage.column_name(f.id))} "
                          f"TO {quote(backup)}"))
        new.backups.append(BackupColumn(field=old, column=backup, version=version))
        _add_column(conn, app_id, form_key, f)
    for fid in report.added:
        if fid in now_fields:
            _add_column(conn, app_id, form_key, now_fields[fid])
    for f, child in child_changes:
        if storage.has_column(child):  # a lookup in the rows is read live: no column
            _add_child_column(conn, storage.child_name(app_id, form_key, f.id), child)
    table = storage.record_table(app_id, form_key, new)
    for old, f in conversions:
        _convert(conn, table, old, f, table.c[storage.backup_name(f.id, version)])
    for fid in report.added:
        if fid in now_fields:
            _fill_default(conn, table, now_fields[fid])
    filled = required_publish.fill_blank(conn, table, now_fields, fills)
    report.filled = {fid: {"value": fill_value(fill, now_fields[fid]), "records": n} for fid, n in filled.items()}
    for fid in report.unique_added:
        found = _duplicates(conn, table, now_fields[fid])  # converted values may repeat too
        if found:
            _refuse(now_fields, {fid: [{"value": v, "count": n} for v, n in found]})
        storage.unique_index(table, now_fields[fid]).create(conn)
    for fid in report.index_added:
        storage.plain_index(table, now_fields[fid]).create(conn)
    _title_index(conn, name, previous, new, converted)
    _key_indexes(conn, name, previous, new, converted)
    storage.create_view(conn, app_key, form_key, table, new)
    derived_indexes.sync(conn, app_id, form_key, new)  # remade on converted columns; gone with fields
    return new, report


def _recreate(conn: Connection, app_id: int, form_key: str, old: FieldDef, f: FieldDef, version: int,
              new: FormDefinition) -> None:
    """A computed field's column made anew (its value is recomputed after publish). A stored
    field turned computed keeps its values in a backup column, as a type change does."""
    quote = conn.dialect.identifier_preparer.quote
    name = storage.table_name(app_id, form_key)
    if storage.has_column(old):
        if old.type in computed_publish.DERIVED:
            conn.execute(text(f"ALTER TABLE {quote(name)} DROP COLUMN {quote(storage.column_name(f.id))}"))
        else:
            backup = storage.backup_name(f.id, version)
            conn.execute(text(f"ALTER TABLE {quote(name)} RENAME COLUMN {quote(storage.column_name(f.id))} "
                              f"TO {quote(backup)}"))
            new.backups.append(BackupColumn(field=old, column=backup, version=version))
    if storage.has_column(f):
        _alter_add(conn, name, f)


def _title_index(conn: Connection, name: str, previous: FormDefinition | None, new: FormDefinition,
                 converted: set[str]) -> None:
    """Pickers find records by the start of their title: an index on lower(title) follows
    the title field (the chosen one, else the first text field) from version to version.
    Made if missing, so forms published before it existed get it on their next publish."""
    old, now = title_of(previous) if previous else None, title_of(new)
    if old is not None and (now is None or old.id != now.id or old.id in converted):
        quote = conn.dialect.identifier_preparer.quote
        conn.execute(text(f"DROP INDEX IF EXISTS {quote(storage.index_name('tx', name, old.id))}"))
    if storage.searchable_title(now):
        conn.execute(CreateIndex(storage.title_index(name, now, conn.dialect.name), if_not_exists=True))


def _keyed(definition: FormDefinition | None) -> dict[str, str]:
    """The fields duplicate detection names: field id → how."""
    rules = definition.duplicates if definition is not None else None
    return {m.field: m.how for m in (rules.match if rules else [])}


def _key_indexes(conn: Connection, name: str, previous: FormDefinition | None, new: FormDefinition,
                 converted: set[str]) -> None:
    """Duplicate detection looks exact keys up, and groups them, by an index on the key's
    expression (``duplicate_keys.key_sql``), and reads a fuzzy name's block by an index on
    the lower-cased name: made for each field the setting names, dropped when it names it
    no more (or differently, or the field's type changed)."""
    quote = conn.dialect.identifier_preparer.quote
    old, now = _keyed(previous), _keyed(new)
    for fid, how in old.items():
        if now.get(fid) != how or fid in converted:
            conn.execute(text(f"DROP INDEX IF EXISTS {quote(storage.index_name('dx', name, fid))}"))
    fields = {f.id: f for f in new.fields}
    for fid, how in now.items():
        f = fields[fid]
        index = duplicate_keys.key_index(name, storage.column_name(fid), REGISTRY[f.type].column_type(f), how,
                                         storage.index_name("dx", name, fid), conn.dialect.name)
        conn.execute(CreateIndex(index, if_not_exists=True))


def _index_changes(flag: str, before: dict[str, FieldDef], fields: list[FieldDef], converted: set[str],
                   gone: list[str]) -> tuple[list[str], list[str]]:
    """The fields whose index (unique or plain) must be made, and those whose must go."""
    added, dropped = [], []
    for f in fields:
        had = getattr(before[f.id], flag) if f.id in before and f.id not in converted else False
        if getattr(f, flag) and not had:
            added.append(f.id)
        elif had and not getattr(f, flag):
            dropped.append(f.id)
    return added, dropped + [fid for fid in gone if fid in before and getattr(before[fid], flag)]


def _child_changes(before: dict[str, FieldDef], fields: list[FieldDef]) -> list[tuple[FieldDef, FieldDef]]:
    """The sub-form fields a new version adds (a column each on the child table). A child
    field left out keeps its column and data, so adding it back brings its values back; a
    child field cannot change type (add a new one instead)."""
    added = []
    for f in fields:
        old = before.get(f.id)
        if f.type != "subform" or old is None or old.type != "subform":
            continue
        had = {c.id: c for c in old.fields or []}
        for child in f.fields or []:
            if child.id not in had:
                added.append((f, child))
            elif storage_signature(had[child.id]) != storage_signature(child):
                raise Invalid(_("A sub-form field cannot change its type."),
                              detail=_("Add a new field to the sub-form instead."),
                              errors=[FieldError(f"{f.key}.{child.key}", "conversion",
                                                 _("This change would lose the values."))])
    return added


def _add_child_column(conn: Connection, table_name: str, child: FieldDef) -> None:
    if storage.column_name(child.id) in {c["name"] for c in inspect(conn).get_columns(table_name)}:
        return  # the field was left out before and is back: its values are still there
    _alter_add(conn, table_name, child)


def _check_targets(conn: Connection, app_id: int, form_key: str, new: FormDefinition,
                   arriving: frozenset[str]) -> None:
    """A relation links to this form or to a published form of the same app."""
    targets = {f.target for f in new.fields if f.type == "relation"} - {form_key} - arriving
    if not targets:
        return
    published = set(conn.scalars(select(Definition.key).where(
        Definition.app_id == app_id, Definition.kind == "form", Definition.state == PUBLISHED,
        Definition.key.in_(targets))))
    errors = [FieldError(f"fields[{i}].target", "target", _("The app has no published form %(form)s.", form=f.target))
              for i, f in enumerate(new.fields) if f.type == "relation" and f.target in targets - published]
    if errors:
        raise Invalid(_("A relation links to a form that is not published."), errors=errors)


def _check_view_name(conn: Connection, app_key: str, form_key: str) -> None:
    """The readable view must not replace a table or another form's view (``a_b`` + ``c``
    and ``a`` + ``b_c`` would meet), nor be cut short by PostgreSQL's 63-byte names."""
    name = storage.view_name(app_key, form_key)
    catalogue = inspect(conn)
    if len(name.encode()) > 63 or name in catalogue.get_table_names() or name in catalogue.get_view_names():
        raise Conflict(_("The name %(name)s is taken by another table; choose another form key.", name=name),
                       errors=[FieldError("$.key", "taken", _("This key is taken."))])


def _add_column(conn: Connection, app_id: int, form_key: str, f: FieldDef, only_elsewhere: bool = False) -> None:
    """The field's column, or for a field kept elsewhere (links to many) its own table."""
    table_name = storage.table_name(app_id, form_key)
    if not storage.has_column(f):
        for table in storage.tables_of(app_id, form_key, f):
            table.create(conn)
        return
    if not only_elsewhere:
        _alter_add(conn, table_name, f)


def _alter_add(conn: Connection, table_name: str, f: FieldDef) -> None:
    quote = conn.dialect.identifier_preparer.quote
    column = storage.field_column(f)
    ddl = f"{quote(column.name)} {column.type.compile(dialect=conn.dialect)}"
    if not column.nullable:
        ddl += " NOT NULL DEFAULT false"
    conn.execute(text(f"ALTER TABLE {quote(table_name)} ADD COLUMN {ddl}"))


def _fill_default(conn: Connection, table: Table, f: FieldDef) -> None:
    if f.default is None or f.default in DYNAMIC_DEFAULTS:
        return
    kind = REGISTRY[f.type]
    value = kind.to_db(f, kind.parse(f, f.default))
    conn.execute(update(table).values({storage.column_name(f.id): value}))


def _convert_one(old: FieldDef, new: FieldDef, stored: Any) -> Any:
    """Old stored value → new stored value, through text; raises FieldValueError."""
    old_kind, new_kind = REGISTRY[old.type], REGISTRY[new.type]
    value = new_kind.from_text(new, old_kind.to_text(old, old_kind.from_db(old, stored)))
    if value is not None:
        new_kind.check(new, value)
    return new_kind.to_db(new, value)


def _batches(conn: Connection, table: Table, source):
    last = 0
    while True:
        rows = conn.execute(select(table.c.id, source).where(table.c.id > last, source.is_not(None))
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _conversion_preview(conn: Connection, table: Table, old: FieldDef, new: FieldDef) -> dict[str, Any]:
    source = table.c[storage.column_name(old.id)]
    failed, examples, values = 0, [], 0
    for rows in _batches(conn, table, source):
        values += len(rows)  # non-blank values only
        for record_id, stored in rows:
            try:
                _convert_one(old, new, stored)
            except (FieldValueError, ValueError) as exc:
                failed += 1
                if len(examples) < SHOWN:
                    old_kind = REGISTRY[old.type]
                    examples.append({"id": record_id, "value": old_kind.to_text(old, old_kind.from_db(old, stored)),
                                     "reason": getattr(exc, "message", str(exc))})
    return {"from": old.type, "to": new.type, "values": values, "failed": failed, "failures": examples}


def _convert(conn: Connection, table: Table, old: FieldDef, new: FieldDef, source) -> None:
    target = storage.column_name(new.id)
    for rows in _batches(conn, table, source):
        values = []
        for record_id, stored in rows:
            try:
                values.append({"rid": record_id, "value": _convert_one(old, new, stored)})
            except (FieldValueError, ValueError):
                continue  # reported by the preview; the value stays in the backup column
        if values:
            conn.execute(update(table).where(table.c.id == bindparam("rid"))
                         .values({target: bindparam("value")}), values)


def _duplicates(conn: Connection, table: Table, f: FieldDef) -> list[tuple[Any, int]]:
    """Values that repeat among live records (lower-cased for text kinds), most first."""
    column = table.c[storage.column_name(f.id)]
    value = func.lower(column) if isinstance(REGISTRY[f.type], TextField) else column
    return [tuple(row) for row in conn.execute(
        select(value.label("v"), func.count().label("n")).where(table.c.deleted_at.is_(None), column.is_not(None))
        .group_by(value).having(func.count() > 1).order_by(func.count().desc()).limit(SHOWN))]


def _refuse(fields: dict[str, FieldDef], duplicates: dict[str, list[dict[str, Any]]]) -> None:
    raise Conflict(_("The field cannot be unique: some values repeat."), errors=[
        FieldError(fields[fid].key, "duplicate", _("%(value)s appears %(n)s times.", value=d["value"], n=d["count"]))
        for fid, found in duplicates.items() for d in found])


def fill_value(fill: dict[str, Any] | None, f: FieldDef) -> Any:
    """The fill value as it was given (by id or by key)."""
    return (fill or {}).get(f.id, (fill or {}).get(f.key))


def publish_hook(session, app, key: str, previous: dict | None, body: dict, version: int, *,
                 dry_run: bool, force: bool, fill: dict[str, Any] | None = None) -> tuple[dict, dict]:
    """The definitions store calls this when a form is published (or previewed)."""
    old = FormDefinition.model_validate(previous) if previous else None
    wanted = computed_publish.prepare(session, app, key, FormDefinition.model_validate(body), version)
    computed_publish.check_graph(session, app, key, old, wanted, version, storage_signature)
    new, report = publish_form(session.connection(), app.id, app.key, key, old, wanted, version,
                               dry_run=dry_run, force=force, arriving=session.info.get(ARRIVING, frozenset()),
                               fill=fill)
    if not dry_run:
        owners.backfill(session.connection(), app.id, key, old, new)
        report.recomputed = computed_publish.finish(session.connection(), session, app, key, old, new, version,
                                                    storage_signature)
    return new.model_dump(mode="json", exclude_none=True), report.as_dict()
