"""Record values between the API (JSON keyed by field key) and the table (columns by id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form import storage, subforms
from brickwork.engines.form.access import Grant
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.fieldtypes.misc import AttachmentField
from brickwork.engines.form.forms import Form
from brickwork.platform.clock import now, today
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import Department, StoredFile, User

RESERVED = ("id", "version", "_meta")
MEGABYTE = 1024 * 1024


def to_api(form: Form, row: Any, readable: set[str], only: set[str] | None = None,
           links: dict[str, dict[int, list[int]]] | None = None) -> dict[str, Any]:
    """A stored row as the API shows it: only the fields the caller may read."""
    return serializer(form, readable, only, links)(row)


def serializer(form: Form, readable: set[str], only: set[str] | None = None,
               links: dict[str, dict[int, list[int]]] | None = None) -> Callable[[Any], dict[str, Any]]:
    """``to_api`` with the per-field work done once, for a page of rows. Values kept outside
    the row (links to many) come in ``links``: field id → record id → values."""
    plan = [(f.key, storage.column_name(f.id), f, REGISTRY[f.type]) for f in form.definition.fields
            if f.id in readable and (only is None or f.key in only)]
    outside = {f.id: (links or {}).get(f.id, {}) for _k, _c, f, kind in plan if not kind.has_column(f)}

    def convert(row: Any) -> dict[str, Any]:
        record: dict[str, Any] = {"id": row.id, "version": row.version}
        for key, column, f, kind in plan:
            if f.id in outside:
                record[key] = outside[f.id].get(row.id, None if f.type in ("lookup", "formula") else [])
            else:
                record[key] = kind.to_api(f, kind.from_db(f, getattr(row, column)))
        record["_meta"] = _meta(row)
        if regions:  # codes are the value; people (and programs showing it) want the names
            record["_meta"]["display"] = {key: kind.to_text(f, getattr(row, column)) for key, column, f, kind
                                          in regions if getattr(row, column) is not None}
        return record

    regions = [item for item in plan if item[2].type == "region"]
    return convert


def _meta(row: Any) -> dict[str, Any]:
    return {
        "created_at": _utc(row.created_at), "created_by": row.created_by,
        "updated_at": _utc(row.updated_at), "updated_by": row.updated_by,
        "owner": row.owner_id, "department": row.department_id,
        "deleted_at": _utc(row.deleted_at), "flow_state": getattr(row, "flow_state", None),
    }


def _utc(moment) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


def parse_input(form: Form, data: Any, grant: Grant, errors: list[FieldError], prefix: str = "",
                ) -> dict[str, Any]:
    """API values → logical values by field id. Unknown and read-only keys are errors,
    never silently dropped."""
    return input_parser(form, grant)(data, errors, prefix)


def input_parser(form: Form, grant: Grant) -> Callable[[Any, list[FieldError], str], dict[str, Any]]:
    """``parse_input`` with the per-field work (which keys may be written) done once, for a
    batch of rows."""
    plan = {f.key: (f, REGISTRY[f.type], f.id in grant.writable and not REGISTRY[f.type].system)
            for f in form.definition.fields}

    def parse(data: Any, errors: list[FieldError], prefix: str = "") -> dict[str, Any]:
        if not isinstance(data, dict):
            errors.append(FieldError(prefix.rstrip(".") or "$", "type", _("Send the record as a JSON object.")))
            return {}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in RESERVED:
                continue
            found = plan.get(key)
            if found is None:
                errors.append(FieldError(prefix + key, "unknown", _("The form has no such field.")))
                continue
            f, kind, writable = found
            if not writable:
                errors.append(FieldError(prefix + key, "read_only", _("This field cannot be changed here.")))
                continue
            try:
                parsed = kind.read(f, value)
            except FieldValueError as exc:
                for path, code, message in getattr(exc, "problems", [("", exc.code, exc.message)]):
                    errors.append(FieldError(prefix + key + path, code, message))
                if hasattr(exc, "rows"):  # a sub-form: its other rules are told in the same answer
                    values[f.id] = exc.rows
                continue
            values[f.id] = parsed
        return values

    return parse


def default_value(f: FieldDef, who: Principal, main_department: int | None) -> Any:
    """A new record's value where the caller gave none: a snapshot, never recomputed."""
    if f.default is None:
        return False if f.type == "boolean" else None
    dynamic = {"$me": who.user_id, "$my_department": main_department,
               "$today": today(), "$now": now()}
    if isinstance(f.default, str) and f.default in dynamic:
        return dynamic[f.default]
    kind = REGISTRY[f.type]
    return kind.parse(f, f.default)


def check_required(form: Form, values: dict[str, Any], errors: list[FieldError], prefix: str = "",
                   hidden: set[str] = frozenset()) -> None:
    """Fields hidden by a visibility rule (``hidden``) are not required. A field whose value
    was refused (a number that is not one) is not also said to be missing."""
    refused = {e.field for e in errors}
    for f in form.definition.fields:
        if f.id in hidden or prefix + f.key in refused:
            continue
        if f.required and not REGISTRY[f.type].system and values.get(f.id) is None:
            errors.append(FieldError(prefix + f.key, "required", _("This is required.")))
        elif f.type == "subform":
            subforms.check_rows(f, values.get(f.id) or [], errors, prefix)


def check_references(session: Session, form: Form, rows: list[dict[str, Any]], errors: list[FieldError],
                     prefixes: list[str]) -> None:
    """Users must be active, departments exist, files exist and suit the field: one query
    per kind of reference for the whole batch."""
    # Which fields refer to what, worked out once for the batch, not per row and field.
    refers = {f.id: getattr(REGISTRY[f.type], "references", None)
              or ("files" if isinstance(REGISTRY[f.type], AttachmentField) else None) for f in form.definition.fields}
    wanted: dict[str, set] = {"users": set(), "departments": set(), "files": set()}
    for values in rows:
        for fid, value in values.items():
            ref = refers[fid]
            if value is None or ref is None:
                continue
            if ref == "files":
                wanted["files"].update(value)
            else:
                wanted[ref].add(value)
    users = set(session.scalars(select(User.id).where(User.id.in_(wanted["users"]), User.is_active.is_(True)))) \
        if wanted["users"] else set()
    departments = set(session.scalars(select(Department.id).where(Department.id.in_(wanted["departments"])))) \
        if wanted["departments"] else set()
    files = {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(wanted["files"])))} \
        if wanted["files"] else {}
    for values, prefix in zip(rows, prefixes, strict=True):
        for fid, value in values.items():
            ref = refers[fid]
            if value is None or ref is None:
                continue
            f = form.by_id[fid]
            kind = REGISTRY[f.type]
            if ref == "users" and value not in users:
                errors.append(FieldError(prefix + f.key, "user", _("No active user has this id.")))
            elif ref == "departments" and value not in departments:
                errors.append(FieldError(prefix + f.key, "department", _("No department has this id.")))
            elif isinstance(kind, AttachmentField):
                for file_id in value:
                    stored = files.get(file_id)
                    if stored is None:
                        code, message = "file", _("No uploaded file has the id %(id)s.", id=file_id)
                    elif not kind.accepts(f, stored.mime):
                        code, message = "file_type", _("Files of type %(mime)s are not allowed here.", mime=stored.mime)
                    elif f.max_size_mb and stored.size > f.max_size_mb * MEGABYTE:
                        code, message = "file_size", _("%(name)s is larger than %(n)s MB.", name=stored.name,
                                                        n=f.max_size_mb)
                    else:
                        continue
                    errors.append(FieldError(prefix + f.key, code, message))


def to_columns(form: Form, values: dict[str, Any]) -> dict[str, Any]:
    """The columns of the values kept in the record's row (links to many are not)."""
    return {storage.column_name(fid): REGISTRY[form.by_id[fid].type].to_db(form.by_id[fid], v)
            for fid, v in values.items() if storage.has_column(form.by_id[fid])}


def columns_writer(form: Form) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``to_columns`` with the per-field work (which fields have a column) done once, for a
    batch of rows."""
    plan = {f.id: (storage.column_name(f.id), REGISTRY[f.type], f) for f in form.definition.fields
            if storage.has_column(f)}
    outside = {f.id for f in form.definition.fields} - plan.keys()

    def convert(values: dict[str, Any]) -> dict[str, Any]:
        columns = {}
        for fid, value in values.items():
            if fid in outside:
                continue
            column, kind, f = plan[fid]  # an unknown field is a KeyError, as in to_columns
            columns[column] = kind.to_db(f, value)
        return columns

    return convert


def api_value(form: Form, fid: str, value: Any) -> Any:
    f = form.by_id[fid]
    return REGISTRY[f.type].to_api(f, value)



def first_per_field(errors: list[FieldError]) -> list[FieldError]:
    """One message per field: the first found, which is the most telling (a value that does
    not parse is told before a rule it then fails)."""
    seen: set[str] = set()
    kept = []
    for error in errors:
        if error.field not in seen:
            seen.add(error.field)
            kept.append(error)
    return kept
