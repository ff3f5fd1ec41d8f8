"""What the record pages share: the form and its records for the caller, the form's rows as
cells (an input, or the value as people read it), moments, and friendly error pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime
from fastapi import Request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.builder_ui.links import SubTable, record_links, sub_table
from brickwork.builder_ui.record_values import input_value
from brickwork.builder_ui.widgets import render_field
from brickwork.engines.form.definition import FieldDef, Section
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.layout import rows
from brickwork.engines.form.records import RecordService
from brickwork.platform.apps import get_app
from brickwork.platform.clock import app_zone
from brickwork.platform.errors import BrickworkError, FieldError
from brickwork.platform.i18n import _, current_locale
from brickwork.platform.identity.users import Principal, shown_name
from brickwork.platform.models import Department, User

PEOPLE_LIMIT = 500


def wants_fragment(request: Request) -> bool:
    """record.js submits with this header and swaps in only a part of the page."""
    return request.headers.get("x-fragment") == "1"


def records_of(session: Session, app: str, form: str, who: Principal) -> RecordService:
    return RecordService(session, load_form(session, app, form), who)


def base_url(service: RecordService) -> str:
    return f"/apps/{service.form.app.key}/forms/{service.form.key}"


def page_context(session: Session, service: RecordService) -> dict[str, Any]:
    """What _form_nav.html and every record page's header need."""
    return {"app": service.form.app.key, "app_label": get_app(session, service.form.app.key).label,
            "form": service.form, "base": base_url(service), "grant": service.grant}


def writable(service: RecordService) -> list[FieldDef]:
    return [f for f in service.form.definition.fields
            if f.id in service.grant.writable and not REGISTRY[f.type].system]


def readable(service: RecordService) -> list[FieldDef]:
    return [f for f in service.form.definition.fields if f.id in service.grant.readable]


@dataclass
class Cell:
    field: FieldDef
    text: str  # the value as people read it
    value: Any = None  # the API value
    input: Markup | None = None  # the field's widget, where the person may write it
    theirs: str | None = None  # in a conflict: what the other person saved here
    links: list[tuple[str, str]] | None = None  # a relation's linked records: (href, title)
    table: SubTable | None = None  # a sub-form's rows, read-only
    errors: tuple[str, ...] = ()  # on a form page: messages about a field without an input (a rule on a total)


@dataclass
class Line:
    section: Section | None
    cells: list[Cell]


def lines(service: RecordService, values: dict[str, Any], names: Names, *, inputs: set[str] = frozenset(),
          errors: dict[str, list[str]] | None = None, theirs: dict[str, str] | None = None,
          people: dict[str, list[tuple[int, str]]] | None = None) -> list[Line]:
    """The form's rows over one record's values: inputs for the fields in ``inputs`` (keys),
    the readable others as text."""
    errors, theirs, people = errors or {}, theirs or {}, people or {}
    result = []
    for row in rows(service.form.definition, service.grant.readable):
        cells = []
        for f in row.fields:
            value = values.get(f.key)
            cell = Cell(f, "", value, theirs=theirs.get(f.key))
            if f.key in inputs:
                cell.input = render_field(f, input_value(f, value), errors.get(f.key), people.get(f.type),
                                          app=service.form.app.key, titles=names.titles, cell_errors=errors)
            else:
                cell.text, cell.errors = shown(f, value, names), tuple(errors.get(f.key, ()))
                if f.type == "relation":
                    cell.links = record_links(f, value, names, service.form.app.key)
                elif f.type == "subform":
                    cell.table = sub_table(f, value, names)
            cells.append(cell)
        result.append(Line(row.section, cells))
    return result


def title_of(service: RecordService, record: dict[str, Any]) -> str:
    """What a record is called: its first text (or auto-number) value, else its number."""
    for f in readable(service):
        if f.type in ("text", "autonumber") and record.get(f.key):
            return str(record[f.key])
    return _("Record %(id)s", id=record["id"])


def shown(f: FieldDef, value: Any, names: Names | None) -> str:
    """display(), tolerant of a value the person typed that is not valid yet."""
    try:
        return display(f, value, names)
    except (TypeError, ValueError, AttributeError):
        return str(value)


def choices(session: Session, fields: list[FieldDef]) -> dict[str, list[tuple[int, str]]]:
    """The active users and the departments that user and department fields choose from; an
    installation with more than PEOPLE_LIMIT of them types ids instead."""
    kinds = {f.type for f in fields}
    found: dict[str, list[tuple[int, str]]] = {}
    if "user" in kinds:
        rows = session.execute(select(User.id, User.display_name, User.username).where(User.is_active.is_(True))
                               .order_by(User.display_name, User.id).limit(PEOPLE_LIMIT + 1)).all()
        if len(rows) <= PEOPLE_LIMIT:
            found["user"] = [(row.id, shown_name(row.display_name, row.username)) for row in rows]
    if "department" in kinds:
        rows = session.execute(select(Department.id, Department.name).order_by(Department.path)
                               .limit(PEOPLE_LIMIT + 1)).all()
        if len(rows) <= PEOPLE_LIMIT:
            found["department"] = [(row.id, row.name) for row in rows]
    return found


def field_errors(exc: BrickworkError) -> tuple[dict[str, list[str]], list[str]]:
    """Messages by field key, and those that belong to no one field."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for error in exc.errors:
        if error.field in ("$", "version", ""):
            general.append(error.message)
        elif "[" in error.field:  # a sub-form's cell (lines[2].qty): shown beside that cell
            by_field.setdefault(error.field, []).append(error.message)
        else:
            by_field.setdefault(error.field.split(".")[0], []).append(error.message)
    return by_field, general


def is_stale(exc: BrickworkError) -> bool:
    return any(isinstance(e, FieldError) and e.code == "stale" for e in exc.errors)


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))
    return {row.id: shown_name(row.display_name, row.username) for row in found}


def last_saved(session: Session, record: dict[str, Any]) -> dict[str, Any]:
    """Who saved the record last, when, and its version now: what a conflict message says."""
    meta = record["_meta"]
    return {"who": user_names(session, {meta["updated_by"]}).get(meta["updated_by"], "?"),
            "when": moment(meta["updated_at"]), "version": record["version"]}


def moment(iso: str | None) -> Markup:
    """A moment from the API (UTC) as a <time> in the app's zone; record.js shows it in the
    reader's own zone, with how long ago it was."""
    if not iso:
        return Markup("")
    at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    text = format_datetime(at.astimezone(app_zone()), "medium", locale=current_locale.get().replace("-", "_"))
    return Markup('<time datetime="{}" data-relative>{}</time>').format(at.isoformat(), text)

