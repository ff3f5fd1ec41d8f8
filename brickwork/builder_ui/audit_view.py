"""Audit entries as people read them, for the audit page and its xlsx export: who, when,
what was done to what, and per change "Label: before → after", with field labels instead of
keys and names instead of the ids of people and departments.

The writers store changes in a few shapes, all read here: ``{key: [before, after]}`` (a
record or role update), ``{key: {"before", "after"}}`` (people, departments, apps),
``{key: value}`` (what a new record or person started with) and a definition's published
diff (``{"changes": [{"op", "path", "before", "after"}]}``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.apps import get_app
from brickwork.platform.audit_log import actor_names, app_of, subject_kind
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _, pick
from brickwork.platform.models import AuditEntry, Department

PEOPLE_KEYS = {"manager", "user", "owner", "created_by", "updated_by"}
DEPARTMENT_KEYS = {"departments", "primary_department", "department", "parent_id", "department_id"}
LONGEST = 300  # a value's text in a cell; the API has it whole


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    id: int
    at: Any
    who: str
    action: str
    kind: str
    app: str | None
    subject: str
    link: str | None
    changes: list[Change] = field(default_factory=list)


def kind_label(kind: str) -> str:
    return {"record": _("Record"), "user": _("Person"), "department": _("Department"), "app_role": _("App role"),
            "role": _("Installation role"), "api_token": _("API token"), "app": _("App"), "form": _("Form")
            }.get(kind, kind)


def action_label(action: str) -> str:
    return {
        "record.created": _("Created"), "record.updated": _("Changed"), "record.deleted": _("Moved to the recycle bin"),
        "record.restored": _("Restored"), "user.invite": _("Invited"), "user.create": _("Created"),
        "user.update": _("Changed"), "user.activate": _("Activated"), "user.deactivate": _("Deactivated"),
        "user.reset_password": _("Password reset"), "user.change_password": _("Password changed"),
        "user.end_session": _("Session ended"), "auth.login": _("Signed in"), "department.create": _("Created"),
        "department.update": _("Changed"), "department.delete": _("Deleted"), "app_role.create": _("Created"),
        "app_role.update": _("Changed"), "app_role.delete": _("Deleted"), "app_role.member_add": _("Member added"),
        "app_role.member_remove": _("Member removed"), "definition.save_draft": _("Draft saved"),
        "definition.publish": _("Published"), "definition.discard_draft": _("Draft discarded"),
        "form.preview_as": _("Previewed as a person"), "app.create": _("Created"), "app.update": _("Changed"),
        "app.delete": _("Moved to the recycle bin"), "app.restore": _("Restored"),
        "app.upgrade": _("Upgraded from the template"), "token.create": _("Created"),
        "token.revoke": _("Revoked"),
    }.get(action, action)


def key_label(key: str) -> str:
    return {
        "display_name": _("Name"), "email": _("Email"), "phone": _("Phone"), "title": _("Title"),
        "locale": _("Language"), "is_admin": _("Administrator"), "manager": _("Manager"),
        "departments": _("Departments"), "primary_department": _("Main department"), "name": _("Name"),
        "parent_id": _("Under"), "sort_order": _("Order"), "heads": _("Heads"), "label": _("Name"),
        "admin": _("App administrators"), "menu": _("Menu"), "icon": _("Icon"), "username": _("User name"),
        "user": _("Person"), "department": _("Department"), "owner": _("Owner"), "role": _("Role"),
    }.get(key, key)


class Readable:
    """Turns a page of entries into ``Entry`` items, with a handful of queries per page
    (names of actors, people and departments; each app's form labels once)."""

    def __init__(self, session: Session, store) -> None:
        self.session, self.store = session, store
        self.forms: dict[str, dict[str, dict]] = {}  # app key → form key → {"label", "fields": {key: field}}

    def entries(self, rows: list[AuditEntry]) -> list[Entry]:
        people_ids: set[int] = {r.actor_id for r in rows if r.actor_id}
        department_ids: set[int] = set()
        for row in rows:
            if row.subject_id.isdigit() and row.subject_type in ("user", "department"):
                (people_ids if row.subject_type == "user" else department_ids).add(int(row.subject_id))
            fields = self._fields(row)
            for key, value in _pairs(row.changes or {}):
                kind = (fields.get(key) or {}).get("type")
                for v in _values(value):
                    ids = [i for i in (v if isinstance(v, list) else [v]) if isinstance(i, int)]
                    if kind == "user" or key in PEOPLE_KEYS or key == "heads":
                        people_ids.update(ids)
                    elif kind == "department" or key in DEPARTMENT_KEYS:
                        department_ids.update(ids)
        self.people = actor_names(self.session, people_ids)
        self.departments = dict(self.session.execute(select(Department.id, Department.name)
                                                     .where(Department.id.in_(department_ids))).all()) \
            if department_ids else {}
        return [self._entry(row) for row in rows]

    def _form(self, app_key: str, form_key: str) -> dict | None:
        if app_key not in self.forms:
            try:
                app = get_app(self.session, app_key)
                self.forms[app_key] = {row.key: {"label": row.body.get("label", {}),
                                                 "fields": {f.get("key"): f for f in row.body.get("fields", [])}}
                                       for row in self.store.latest(self.session, app, "form")}
            except NotFound:
                self.forms[app_key] = {}
        return self.forms[app_key].get(form_key)

    def _fields(self, row: AuditEntry) -> dict[str, dict]:
        if "/" not in row.subject_type:
            return {}
        form = self._form(*row.subject_type.split("/", 1))
        return form["fields"] if form else {}

    def _entry(self, row: AuditEntry) -> Entry:
        kind, app = subject_kind(row), app_of(row)
        subject, link = row.subject_id, None
        if kind == "record":
            form_key = row.subject_type.split("/", 1)[1]
            form = self._form(app, form_key)
            subject = f"{pick(form['label']) if form else form_key} #{row.subject_id}"
            link = f"/apps/{app}/forms/{form_key}/records/{row.subject_id}"
        elif kind == "user":
            subject = self.people.get(int(row.subject_id), row.subject_id) if row.subject_id.isdigit() \
                else row.subject_id
        elif kind == "department" and row.subject_id.isdigit():
            subject = self.departments.get(int(row.subject_id), row.subject_id)  # a deleted one: its id
        by_link = (row.changes or {}).get("_via") == "link"
        who = self.people.get(row.actor_id, "") if row.actor_id else \
            _("Someone, through a fill link") if by_link else _("The system")
        entry = Entry(row.id, row.at, who,
                      action_label(row.action), kind_label(kind), app, subject, link)
        entry.changes = self._changes(row)
        return entry

    def _changes(self, row: AuditEntry) -> list[Change]:
        changes = row.changes or {}
        if row.action == "definition.publish" and isinstance(changes.get("changes"), list):
            return [Change(c.get("path", ""), self._text(None, c.get("before")), self._text(None, c.get("after")))
                    for c in changes["changes"] if isinstance(c, dict)]
        fields = self._fields(row)
        out = []
        for key, value in changes.items():
            if key in ("_meta", "_via"):
                continue
            f = fields.get(key)
            label = pick(f.get("label", {})) or key if f else key_label(key)
            kind = f.get("type") if f else None
            if isinstance(value, dict) and set(value) == {"before", "after"}:
                before, after = value["before"], value["after"]
            elif isinstance(value, list) and len(value) == 2 and row.action.endswith((".updated", ".update")):
                before, after = value
            else:
                before, after = None, value
            if f is None and _nested(before) and _nested(after):  # {"departments": [...], "primary_department": 3}
                for sub in dict.fromkeys([*(before or {}), *(after or {})]):
                    out.append(Change(key_label(sub), self._text(sub, (before or {}).get(sub)),
                                      self._text(sub, (after or {}).get(sub))))
                continue
            if before is None and after in (None, "", [], False) and row.action.endswith((".created", ".invite")):
                continue  # a new record's blank fields say nothing
            options = {o["id"]: o.get("label", {}) for o in (f or {}).get("options", [])
                       if isinstance(o, dict) and "id" in o}
            out.append(Change(label, self._text(key, before, kind, options), self._text(key, after, kind, options)))
        return out

    def _text(self, key: str | None, value: Any, kind: str | None = None, options: dict | None = None) -> str:
        if value is None or value == "" or value == []:
            return ""
        if options:  # a choice: its option's label, not its id
            items = value if isinstance(value, list) else [value]
            if all(isinstance(i, str) and i in options for i in items):
                return ", ".join(pick(options[i]) or i for i in items)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        names = None
        if kind == "user" or key in PEOPLE_KEYS or key == "heads":
            names = self.people
        elif kind == "department" or key in DEPARTMENT_KEYS:
            names = self.departments
        if names is not None:
            items = value if isinstance(value, list) else [value]
            if all(isinstance(i, int) for i in items):
                return ", ".join(names.get(i, f"#{i}") for i in items)
        if isinstance(value, dict) and set(value) <= {"zh-CN", "en"}:
            return pick(value)
        if isinstance(value, (dict, list)):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            text = str(value)
        return text if len(text) <= LONGEST else text[:LONGEST - 1] + "…"


def _values(value: Any) -> list[Any]:
    if isinstance(value, dict) and set(value) == {"before", "after"}:
        return [value["before"], value["after"]]
    if isinstance(value, list) and len(value) == 2:
        return [value[0], value[1], value]
    return [value]


def _nested(value: Any) -> bool:
    """A change that is itself several named values (not a translatable label)."""
    return value is None or (isinstance(value, dict) and not set(value) <= {"zh-CN", "en"})


def _pairs(changes: dict[str, Any]):
    """Every (key, value) of the changes, nested before/after dicts included."""
    for key, value in changes.items():
        yield key, value
        for side in _values(value):
            if isinstance(side, dict) and side and _nested(side):
                yield from _pairs(side)
