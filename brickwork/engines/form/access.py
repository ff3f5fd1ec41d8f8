"""The one access check every read and write of records goes through.

Per role and form: the actions allowed, a row scope (own, department, department and
below, all, or a condition) and per-field read/write. A user's grant is the union over
their roles; administrators may do everything. Row scopes are SQL conditions ANDed into
every query, so a record outside the scope is as absent as a record that does not exist:
it cannot be read, changed, or detected by filtering.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Table, false, or_, true
from sqlalchemy.orm import Session

from brickwork.engines.form.definition import FormDefinition
from brickwork.platform.errors import Forbidden
from brickwork.platform.i18n import _
from brickwork.platform.identity.org import departments_of, roles_of, subtree_ids
from brickwork.platform.identity.users import Principal

ACTIONS = ("create", "read", "update", "delete")
LEVEL = {"none": 0, "read": 1, "write": 2}


@dataclass
class Grant:
    actions: set[str]
    scope: ColumnElement[bool]
    readable: set[str] = field(default_factory=set)  # field ids
    writable: set[str] = field(default_factory=set)

    def require(self, action: str) -> None:
        if action not in self.actions:
            raise Forbidden({
                "create": _("You may not add records to this form."),
                "read": _("You may not see the records of this form."),
                "update": _("You may not change records of this form."),
                "delete": _("You may not delete records of this form."),
            }[action])


def grant_for(session: Session, definition: FormDefinition, table: Table, who: Principal,
              condition_to_sql=None) -> Grant:
    """What ``who`` may do with the records of this form. ``condition_to_sql`` compiles a
    row-scope condition (the expression language), given the AST."""
    all_fields = {f.id for f in definition.fields}
    if who.is_admin:
        return Grant(set(ACTIONS), true(), all_fields, set(all_fields))
    roles = roles_of(session, who.user_id)
    entries = [p for p in definition.permissions if p.role in roles]
    if not entries:
        return Grant(set(), false())
    departments = departments_of(session, who.user_id)  # all of them, the main one first
    scopes, levels = [], {}
    for entry in entries:
        scopes.append(_scope(session, entry.scope, table, who, departments, condition_to_sql))
        for fid in all_fields:
            level = LEVEL[entry.fields.get(fid, "write")]
            levels[fid] = max(levels.get(fid, 0), level)
    return Grant(
        actions={a for e in entries for a in e.actions},
        scope=or_(*scopes),
        readable={fid for fid, level in levels.items() if level >= 1},
        writable={fid for fid, level in levels.items() if level >= 2},
    )


def _scope(session: Session, scope, table: Table, who: Principal, departments: list[int],
           condition_to_sql) -> ColumnElement[bool]:
    if scope == "all":
        return true()
    if scope == "own":
        return table.c.owner_id == who.user_id
    if scope == "department":
        return table.c.department_id.in_(departments) if departments else false()
    if scope == "department_tree":
        below = {d for top in departments for d in subtree_ids(session, top)}
        return table.c.department_id.in_(sorted(below)) if below else false()
    return condition_to_sql(scope)
