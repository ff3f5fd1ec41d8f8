"""The one access check every read and write of records goes through.

Per role and form: the actions allowed, a row scope (own, department, department and
below, all, or a condition) and per-field read/write. A user's grant is the list of their
roles' entries, each an (actions, scope) pair: an action is allowed on the records in the
scopes of the entries that grant that action, and no others (one role's ``update`` on its
own records and another's ``read`` of the department do not make ``update`` of the
department). Administrators may do everything. Row scopes are SQL conditions ANDed into
every query, so a record outside the scope is as absent as a record that does not exist:
it cannot be read, changed, or detected by filtering.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Table, false, or_, true
from sqlalchemy.orm import Session

from brickwork.engines.form.conditions import compile_condition
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.forms import Form
from brickwork.platform.errors import Forbidden
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import role_keys_in
from brickwork.platform.identity.org import departments_of, roles_of, subtree_ids
from brickwork.platform.identity.users import Principal

ACTIONS = ("create", "read", "update", "delete")
LEVEL = {"none": 0, "read": 1, "write": 2}


@dataclass
class Entry:
    """One role's entry on the form: what it allows, and on which records."""
    actions: frozenset[str]
    scope: ColumnElement[bool]
    everything: bool = False  # the scope is ``all``


@dataclass
class Grant:
    entries: list[Entry]
    readable: set[str] = field(default_factory=set)  # field ids
    writable: set[str] = field(default_factory=set)

    @property
    def actions(self) -> set[str]:
        return {a for e in self.entries for a in e.actions}

    @property
    def scope(self) -> ColumnElement[bool]:
        """The records the caller may read."""
        return self.scope_for("read")

    def scope_for(self, action: str) -> ColumnElement[bool]:
        """The records ``action`` is allowed on: the OR of the scopes of the entries granting it."""
        scopes = [e.scope for e in self.entries if action in e.actions]
        if any(e.everything for e in self.entries if action in e.actions):
            return true()
        return or_(*scopes) if scopes else false()

    @property
    def reads_everything(self) -> bool:
        """Whether every record of the form is in the read scope: only then may the caller see a
        value computed over all of them (a rollup, an aggregate in a formula)."""
        return any(e.everything for e in self.entries if "read" in e.actions)

    def require(self, action: str) -> None:
        if action not in self.actions:
            raise Forbidden(refusal(action))


def refusal(action: str) -> str:
    return {
        "create": _("You may not add records to this form."),
        "read": _("You may not see the records of this form."),
        "update": _("You may not change records of this form."),
        "delete": _("You may not delete records of this form."),
    }[action]


def grant_for(session: Session, definition: FormDefinition, table: Table, who: Principal,
              condition_to_sql=None, app_id: int | None = None) -> Grant:
    """What ``who`` may do with the records of this form. ``condition_to_sql`` compiles a
    row-scope condition (the expression language), given the AST. With ``app_id``, the
    roles the person holds in that app count too (identity/app_roles.py)."""
    all_fields = {f.id for f in definition.fields}
    if who.is_admin:
        return Grant([Entry(frozenset(ACTIONS), true(), True)], all_fields, set(all_fields))
    roles, departments = _who(session, who, app_id)
    entries = [p for p in definition.permissions if p.role in roles]
    if not entries:
        return Grant([])
    found, levels = [], {}
    for entry in entries:
        scope = _scope(session, entry.scope, table, who, departments, condition_to_sql)
        found.append(Entry(frozenset(entry.actions), scope, entry.scope == "all"))
        for fid in all_fields:
            level = LEVEL[entry.fields.get(fid, "write")]
            levels[fid] = max(levels.get(fid, 0), level)
    return Grant(
        found,
        readable={fid for fid, level in levels.items() if level >= 1},
        writable={fid for fid, level in levels.items() if level >= 2},
    )


def form_grant(session: Session, form: Form, who: Principal) -> Grant:
    """``grant_for`` a form as loaded, its row-scope conditions compiled over its table; kept
    for the session, since a page asks it of the same linked forms again and again."""
    cache = session.info.setdefault("bw_access", {})
    key = ("grant", who.user_id, who.is_admin, id(form.table))
    if key not in cache:
        cache[key] = grant_for(session, form.definition, form.table, who,
                               lambda condition: compile_condition(form, who, condition), form.app.id)
    return cache[key]


def _who(session: Session, who: Principal, app_id: int | None) -> tuple[set[str], list[int]]:
    """The caller's roles (in the app) and departments (the main one first), read once per
    session: a request builds the grants of several forms (lookups, titles, links)."""
    cache = session.info.setdefault("bw_access", {})
    key = ("who", who.user_id, app_id)
    if key not in cache:
        roles = role_keys_in(session, app_id, who.user_id) if app_id is not None else roles_of(session, who.user_id)
        cache[key] = (roles, departments_of(session, who.user_id))
    return cache[key]


def _scope(session: Session, scope, table: Table, who: Principal, departments: list[int],
           condition_to_sql) -> ColumnElement[bool]:
    if scope == "all":
        return true()
    if scope == "own":
        return table.c.owner_id == who.user_id
    if scope == "department":
        return table.c.department_id.in_(departments) if departments else false()
    if scope == "department_tree":
        cache = session.info.setdefault("bw_access", {})
        key = ("tree", who.user_id)
        if key not in cache:
            cache[key] = sorted({d for top in departments for d in subtree_ids(session, top)})
        return table.c.department_id.in_(cache[key]) if cache[key] else false()
    return condition_to_sql(scope)
