"""The organisation the roles-per-app tests stand on, made with the org model's own helpers:
Sales with East and North teams (each with a head) and a department outside Sales."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from brickwork.platform.identity.org import add_member, create_department, set_heads, subtree_ids
from brickwork.platform.identity.users import create_user


def sales_org(s: Session, people: dict[str, str], heads: dict[str, str]) -> dict:
    """``people``: user name → department ("Sales", "East", "North", "Other"); ``heads``:
    department → the head's user name. Returns the people as name → (user id, department
    id), the departments by name, and ``tree``: Sales and every department below it."""
    sales = create_department(s, "Sales")
    departments = {"Sales": sales, "East": create_department(s, "East", sales.id),
                   "North": create_department(s, "North", sales.id), "Other": create_department(s, "Other")}
    made = {}
    for name, department in people.items():
        made[name] = (create_user(s, name, "password-1").id, departments[department].id)
        add_member(s, made[name][0], departments[department].id)
    for department, head in heads.items():
        set_heads(s, departments[department].id, [made[head][0]])
    return {"people": made, "departments": {k: d.id for k, d in departments.items()},
            "tree": subtree_ids(s, sales.id),
            "app_id": s.execute(text("SELECT id FROM apps WHERE key = 'crm'")).scalar_one()}


def hand_over(s: Session, app_id: int, form: str, record_id: int, owner: tuple[int, int]) -> None:
    """Make ``owner`` (user id, department id) the record's owner, as if they had created it."""
    s.execute(text(f"UPDATE r{app_id}_{form} SET owner_id = :u, department_id = :d WHERE id = :id"),
              {"u": owner[0], "d": owner[1], "id": record_id})
