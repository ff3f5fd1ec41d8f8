"""A form's owner field (``owner_field``): the record's system owner and department follow
the person in it, so the row scopes ``own``, ``department`` and ``department_tree`` follow
who owns a customer now (claimed from the pool, assigned in turn, transferred), not who
typed it in. The department is the owner's main one, as of the write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FormDefinition
from brickwork.platform.identity.users import Principal, main_department_of


def owner_columns(session: Session, definition: FormDefinition, who: Principal,
                  values: dict[str, Any]) -> dict[str, Any]:
    """``owner_id`` and ``department_id`` for a write of ``values`` (by field id); nothing
    when the form has no owner field or the write does not set it."""
    field = definition.owner_field
    if field is None or field not in values:
        return {}
    user = values[field]
    return {"owner_id": user, "department_id": main_department(session, who, user)}


def main_department(session: Session, who: Principal, user: int | None) -> int | None:
    if user is None:
        return None
    if user == who.user_id:
        return who.main_department
    cache = session.info.setdefault("bw_main_department", {})  # a bulk write names few people
    if user not in cache:
        cache[user] = session.scalar(select(main_department_of(user)))
    return cache[user]


def backfill(conn: Connection, app_id: int, form_key: str, old: FormDefinition | None,
             new: FormDefinition) -> None:
    """At publish, when the form gains an owner field or changes it: every record's owner
    and department from it, in one statement."""
    if new.owner_field is None or (old is not None and old.owner_field == new.owner_field):
        return
    table = storage.record_table(app_id, form_key, new)
    owner = table.c[storage.column_name(new.owner_field)]
    conn.execute(update(table).values(owner_id=owner, department_id=main_department_of(owner)))
