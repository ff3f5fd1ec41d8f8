"""Importing rows into a form through the record service, in batches.

Each batch is checked and written by the engine (``bulk_create``, or ``update`` for rows an
upsert finds), inside a savepoint, so a refused batch leaves no trace and the rest goes on.
A row the engine refuses is reported and left out; the batch is written without it. In
``all`` mode every row is still checked when one failed, so the report lists all of them, and
nothing is written: the caller's whole transaction is rolled back (``roll_back_at_end``), as it
is for a check or a dry run. Undoing thousands of rows with a plain ROLLBACK, rather than a
ROLLBACK TO an outer savepoint, is cheaper and stays clear of the SQLite defect that lost later
commits after a spilled savepoint was rolled back (docs/decisions/0010).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form import storage
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.forms import Form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.transfer.cells import from_cell
from brickwork.engines.form.transfer.lookups import Lookups
from brickwork.engines.form.transfer.mapping import Mapping
from brickwork.platform.db import can_roll_back_at_end, roll_back_at_end
from brickwork.platform.errors import Conflict, FieldError, Invalid
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.users import Principal
from brickwork.platform.import_problems import Problem

MODES = ("all", "valid")
MAX_PROBLEMS = 10_000  # kept for the report; beyond this only counted
PREVIEW_ROWS = 20
ROW_FIELD = re.compile(r"^\[(\d+)\]\.?(.*)$")


@dataclass
class Result:
    mode: str
    mapping: Mapping
    created: int = 0
    updated: int = 0
    failed: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    preview: list[dict[str, Any]] | None = None


@dataclass
class Row:
    number: int
    cells: dict[str, Any]  # field key → the cell as read
    data: dict[str, Any]  # field key → API value for the engine
    failed: bool = False
    blamed: set[str] = field(default_factory=set)  # keys already reported for this row
    existing: tuple[int, int] | None = None  # (id, version) of the record an upsert updates


def import_records(session: Session, form: Form, who: Principal, rows: Iterable[tuple[int, dict[str, Any]]],
                   mapping: Mapping, mode: str = "all", upsert_key: str | None = None, batch: int = 1000,
                   progress: Callable[[int], None] | None = None, dry_run: bool = False,
                   check: bool = False) -> Result:
    """``rows`` are (row number, cell by column header); ``mapping`` says which column fills
    which field (``check_mapping`` first). ``dry_run`` imports the first rows and rolls back;
    ``check`` imports every row and rolls back (the counts say what an import would do).
    ``progress`` is called after each batch with the rows done so far."""
    if mode not in MODES:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "mode", "enum", _("The mode is all (all or nothing) or valid (import the valid rows)."))])
    job = _Import(session, form, who, mapping, mode, upsert_key, dry_run or check)
    # A session from ``transaction`` is rolled back whole when nothing is kept; any other gets
    # an outer savepoint to roll back to.
    outer = None if can_roll_back_at_end(session) else session.begin_nested()
    try:
        pending: list[Row] = []
        for number, cells in rows:
            pending.append(job.row(number, cells))
            if len(pending) >= (PREVIEW_ROWS if dry_run else batch):
                job.batch(pending)
                pending = []
                if progress:
                    progress(job.result.rows)
                if dry_run:
                    break
        if pending:
            job.batch(pending)
            if progress:
                progress(job.result.rows)
    except BaseException:
        if outer is not None:
            outer.rollback()
        raise
    result = job.result
    if dry_run or check or (mode == "all" and result.failed):
        if outer is not None:
            outer.rollback()
        else:
            roll_back_at_end(session)
        if not (dry_run or check):
            result.created = result.updated = 0
    elif outer is not None:
        outer.commit()
    return result


class _Import:
    def __init__(self, session: Session, form: Form, who: Principal, mapping: Mapping, mode: str,
                 upsert_key: str | None, preview: bool):
        self.session, self.form, self.mapping, self.upsert_key = session, form, mapping, upsert_key
        self.service = RecordService(session, form, who)
        self.service.source = "import"  # rules see where the records came from (run_on_bulk)
        self.columns = {key: header for header, key in mapping.items() if key}
        self.lookups = Lookups(session, form, [form.by_key[k] for k in self.columns], self.service.who)
        self.result = Result(mode, mapping, preview=[] if preview else None)
        self.keys_seen: dict[Any, int] = {}  # upsert key value → the row that had it first
        if upsert_key and upsert_key not in self.columns:
            raise Invalid(_("The column mapping is not valid."), errors=[FieldError(
                "upsert_key", "unmapped", _("No column fills the key field %(name)s.", name=upsert_key))])

    def row(self, number: int, cells: dict[str, Any]) -> Row:
        by_key = {key: cells.get(header) for key, header in self.columns.items()}
        data = {key: from_cell(self.form.by_key[key], value) for key, value in by_key.items()}
        return Row(number, by_key, data)

    # --- a batch
    def batch(self, rows: list[Row]) -> None:
        self.result.rows += len(rows)
        for row, problems in zip(rows, self.lookups.resolve([r.data for r in rows]), strict=True):
            for key, message in problems.items():
                self.blame(row, key, message)
        if self.upsert_key:
            self.find_existing(rows)
        creates = [r for r in rows if r.existing is None]
        failed_already = [r for r in creates if r.failed]
        self.create([r for r in creates if not r.failed])
        self.check_only(failed_already)
        for row in rows:
            if row.existing is not None and not row.failed:
                self.update(row)
        if self.result.preview is not None:
            room = PREVIEW_ROWS - len(self.result.preview)
            self.result.preview += [{"row": r.number, "values": r.data, "ok": not r.failed} for r in rows[:room]]

    def create(self, rows: list[Row]) -> None:
        """Write the rows the engine accepts; report the others."""
        while rows:
            try:
                with self.session.begin_nested():
                    created = self.service.bulk_create([r.data for r in rows])
            except Invalid as exc:
                self.blame_all(rows, exc.errors)
                rows = [r for r in rows if not r.failed]
                continue
            except Conflict as exc:  # a unique value taken: find the rows one by one
                if len(rows) == 1:
                    self.blame_conflict(rows[0], exc)
                else:
                    for row in rows:
                        self.create([row])
                return
            self.result.created += len(created)
            for row, record in zip(rows, created, strict=True):
                row.data = {k: v for k, v in record.items() if k in row.data}
            return

    def check_only(self, rows: list[Row]) -> None:
        """Rows that already failed still get every other problem reported; nothing is kept."""
        if not rows:
            return
        savepoint = self.session.begin_nested()
        try:
            self.service.bulk_create([r.data for r in rows])
        except (Invalid, Conflict) as exc:
            self.blame_all(rows, [e for e in exc.errors if ROW_FIELD.match(e.field)])
        finally:
            savepoint.rollback()

    def update(self, row: Row) -> None:
        record_id, version = row.existing
        key_field = self.form.by_key[self.upsert_key]
        data = dict(row.data)
        if key_field.id not in self.service.grant.writable or REGISTRY[key_field.type].system:
            data.pop(self.upsert_key, None)  # only looked up
        try:
            with self.session.begin_nested():
                record = self.service.update(record_id, data, version)
        except (Invalid, Conflict) as exc:
            for error in exc.errors or [FieldError("", exc.code, exc.title)]:
                self.blame(row, error.field, error.message)
            if not row.failed:
                self.blame(row, "", exc.detail or exc.title)
            return
        self.result.updated += 1
        row.data = {k: v for k, v in record.items() if k in row.data}

    def find_existing(self, rows: list[Row]) -> None:
        """The live record each row's key names (in the caller's scope); a key repeated in
        the file is a problem of the later row."""
        f = self.form.by_key[self.upsert_key]
        kind = REGISTRY[f.type]
        stored: dict[Any, list[Row]] = {}
        for row in rows:
            try:
                value = kind.parse(f, row.data.get(f.key))
            except FieldValueError:
                continue  # the engine reports it
            if value is None:
                continue
            key = kind.to_db(f, value)
            if key in self.keys_seen:
                self.blame(row, f.key, _("This key is also in row %(row)s.", row=self.keys_seen[key]))
                continue
            self.keys_seen[key] = row.number
            stored.setdefault(key, []).append(row)
        if not stored:
            return
        t = self.service.table
        column = t.c[storage.column_name(f.id)]
        found = self.service.db.execute(select(column, t.c.id, t.c.version).where(
            column.in_(list(stored)), t.c.deleted_at.is_(None), self.service.grant.scope).order_by(t.c.id))
        for key, record_id, version in found:
            for row in stored.get(key, []):
                row.existing = row.existing or (record_id, version)

    # --- problems
    def blame_all(self, rows: list[Row], errors: list[FieldError]) -> None:
        placed = False
        for error in errors:
            found = ROW_FIELD.match(error.field)
            if found and int(found.group(1)) < len(rows):
                self.blame(rows[int(found.group(1))], found.group(2), error.message)
                placed = True
        if not placed:  # nothing names a row: every row of the batch carries it
            for row in rows:
                self.blame(row, "", errors[0].message if errors else _("Some records are not valid."))

    def blame_conflict(self, row: Row, exc: Conflict) -> None:
        for error in exc.errors or [FieldError("", exc.code, exc.title)]:
            self.blame(row, error.field, error.message)

    def blame(self, row: Row, key: str, message: str) -> None:
        if key and key in row.blamed:
            return
        row.blamed.add(key)
        if not row.failed:
            row.failed = True
            self.result.failed += 1
        self.result.problem_count += 1
        if len(self.result.problems) < MAX_PROBLEMS:
            f = self.form.by_key.get(key)
            column = self.columns.get(key) or (pick(f.label) if f else "")
            value = row.cells.get(key)
            self.result.problems.append(Problem(row.number, column, "" if value is None else str(value), message))
