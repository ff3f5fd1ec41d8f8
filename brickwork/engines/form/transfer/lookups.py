"""Names in cells → ids: users by username or display name, departments by name, linked
records by their title (or id). One query per kind and relation for a batch of rows."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brickwork.engines.form import storage
from brickwork.engines.form.access import form_grant
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.forms import Form, load_form
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import Department, User

BY_ID = re.compile(r"^#?(\d+)$")
SEPARATORS = re.compile(r"[,，;；\n]")
PEOPLE = ("user", "department")


class Unresolved(ValueError):
    """A name that matches nothing, or more than one thing."""


class Lookups:
    def __init__(self, session: Session, form: Form, fields: list[FieldDef], who: Principal):
        self.session, self.form, self.who = session, form, who
        self.fields = [f for f in fields if f.type in PEOPLE or f.type == "relation"]
        self._targets: dict[str, Form] = {}

    def resolve(self, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
        """Replace names by ids in ``rows`` (field key → cell value), in place. Returns, per row,
        the fields whose cell named nothing (key → message); those keys are taken out."""
        problems: list[dict[str, str]] = [{} for _row in rows]
        for f in self.fields:
            texts = {part for row in rows for part in _parts(f, row.get(f.key))}
            known = self._known(f, texts) if texts else {}
            for row, found in zip(rows, problems, strict=True):
                if row.get(f.key) is None:
                    continue
                try:
                    ids = [_pick(f, part, known) for part in _parts(f, row[f.key])]
                    row[f.key] = ids if f.type == "relation" and f.multiple else ids[0]
                except Unresolved as exc:
                    found[f.key] = str(exc)
                    del row[f.key]
        return problems

    def _known(self, f: FieldDef, texts: set[str]) -> dict[str, list[int]]:
        """Each name → the ids it matches (best kind of match only)."""
        if f.type == "user":
            rows = self.session.execute(select(User.id, User.username, User.display_name).where(or_(
                User.username.in_({t.lower() for t in texts}), User.display_name.in_(texts))).order_by(User.id))
            by_name: dict[str, list[int]] = defaultdict(list)
            by_display: dict[str, list[int]] = defaultdict(list)
            for uid, username, display_name in rows:
                by_name[username].append(uid)
                by_display[display_name].append(uid)
            return {t: by_name.get(t.lower()) or by_display.get(t, []) for t in texts}
        if f.type == "department":
            found: dict[str, list[int]] = defaultdict(list)
            for did, name in self.session.execute(select(Department.id, Department.name).where(
                    Department.name.in_(texts)).order_by(Department.id)):
                found[name].append(did)
            return found
        return self._titles(f, texts)

    def _titles(self, f: FieldDef, texts: set[str]) -> dict[str, list[int]]:
        if f.target not in self._targets:
            self._targets[f.target] = load_form(self.session, self.form.app.key, f.target)
        target = self._targets[f.target]
        title = target.title
        grant = form_grant(self.session, target, self.who)  # only records the importer may read
        if title is None or "read" not in grant.actions or title.id not in grant.readable:
            return {}
        kind = REGISTRY[title.type]
        stored: dict[Any, str] = {}
        for text in texts:
            try:
                value = kind.parse(title, text)
            except FieldValueError:
                continue
            if value is not None:
                stored[kind.to_db(title, value)] = text
        if not stored or not storage.has_column(title):
            return {}
        t = target.table
        column = t.c[storage.column_name(title.id)]
        found: dict[str, list[int]] = defaultdict(list)
        for rid, value in self.session.connection().execute(
                select(t.c.id, column).where(column.in_(list(stored)), t.c.deleted_at.is_(None), grant.scope)
                .order_by(t.c.id)):
            found[stored[value]].append(rid)
        return found


def _parts(f: FieldDef, value: Any) -> list[Any]:
    """A cell's names: a relation to many takes several, separated by commas or semicolons."""
    if value is None:
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    text = str(value).strip()
    if f.type == "relation" and f.multiple:
        return [p.strip() for p in SEPARATORS.split(text) if p.strip()]
    return [text]


def _pick(f: FieldDef, part: Any, known: dict[str, list[int]]) -> int:
    if isinstance(part, int):
        return part  # a number in a spreadsheet cell is an id; the engine checks it exists
    ids = known.get(part, [])
    if len(ids) == 1:
        return ids[0]
    by_id = BY_ID.match(part)
    if not ids and by_id:
        return int(by_id.group(1))
    if len(ids) > 1:
        raise Unresolved({
            "user": _("Several users are named %(name)s: give the username.", name=part),
            "department": _("Several departments are named %(name)s.", name=part),
        }.get(f.type) or _("Several records are titled %(name)s: give the record's id.", name=part))
    raise Unresolved({
        "user": _("No user is named %(name)s.", name=part),
        "department": _("No department is named %(name)s.", name=part),
    }.get(f.type) or _("No record is titled %(name)s.", name=part))
