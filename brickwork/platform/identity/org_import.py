"""Importing the org from an xlsx sheet: people, their departments ("Sales/East", created as
needed), the departments they head, and their managers (by user name or email).

The whole sheet is checked before anything is written; with any problem nothing changes
and the answer lists the problems as a record import does (row, column, value, message).
A person already there (same user name) is updated; a new one is created without a
password: an administrator resets it to let them sign in (a sheet of passwords would be
a sheet of secrets).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.identity import org_tree
from brickwork.platform.identity.org import create_department, heads_of, set_heads
from brickwork.platform.identity.people import EMAIL, TEXT_FIELDS, set_departments
from brickwork.platform.identity.users import USERNAME, normalise_username
from brickwork.platform.import_problems import Problem
from brickwork.platform.models import User

MAX_ROWS = 10_000
# Column headers as people write them, in either language, to the profile field they fill.
HEADERS = {
    "username": "username", "user name": "username", "用户名": "username", "账号": "username",
    "name": "display_name", "display name": "display_name", "姓名": "display_name", "名字": "display_name",
    "email": "email", "e-mail": "email", "邮箱": "email", "电子邮件": "email",
    "phone": "phone", "电话": "phone", "手机": "phone",
    "title": "title", "job title": "title", "职位": "title", "职务": "title",
    "department": "departments", "departments": "departments", "部门": "departments",
    "manager": "manager", "上级": "manager", "直属上级": "manager",
    "head of": "head_of", "heads": "head_of", "负责部门": "head_of",
}


@dataclass
class OrgImport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    departments_created: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "failed": self.failed,
                "departments_created": self.departments_created, "dry_run": self.dry_run,
                "problem_count": len(self.problems), "problems": [p.as_dict() for p in self.problems[:1000]]}


def read_sheet(stream: IO[bytes]) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The first sheet's headers (as the fields they name) and its non-blank rows."""
    import openpyxl  # imported when needed: it is large
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise Invalid(_("The file cannot be imported."), errors=[FieldError(
            "file", "format", _("This is not an Excel workbook (.xlsx) that can be read."))]) from None
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = next(lines, ())
        names = [HEADERS.get(str(h or "").strip().lower(), "") for h in header]
        if "username" not in names:
            raise Invalid(_("The file cannot be imported."), errors=[FieldError(
                "file", "headers", _("The first row must name the columns, with a \"username\" column."))])
        rows = []
        for number, cells in enumerate(lines, start=2):
            values = {n: _text(v) for n, v in zip(names, cells, strict=False) if n}
            if any(values.values()):
                rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise Invalid(_("The file cannot be imported."), errors=[FieldError(
                    "file", "too_many", _("Import at most %(n)s people at once.", n=MAX_ROWS))])
        return names, rows
    finally:
        book.close()


def import_org(session: Session, actor_id: int | None, stream: IO[bytes], *, dry_run: bool = False) -> OrgImport:
    _names, rows = read_sheet(stream)
    result = OrgImport(rows=len(rows), dry_run=dry_run)
    existing = {u.username: u for u in session.scalars(select(User))}
    by_email = {u.email.lower(): u.username for u in existing.values() if u.email}
    in_file: dict[str, int] = {}
    for number, cells in rows:
        name = normalise_username(cells.get("username", ""))
        if name in in_file:
            result.problems.append(Problem(number, "username", name, _(
                "This user name is on row %(row)s already.", row=in_file[name])))
        in_file.setdefault(name, number)
        if cells.get("email"):
            by_email.setdefault(cells["email"].lower(), name)
    for number, cells in rows:
        _check_row(number, cells, existing, in_file, by_email, result)
    managers = _managers(rows, existing, by_email)
    _check_cycles(rows, managers, existing, result)
    bad_rows = {p.row for p in result.problems}
    result.failed = len(bad_rows)
    if result.problems:
        return result
    for _number, cells in rows:
        if normalise_username(cells["username"]) in existing:
            result.updated += 1
        else:
            result.created += 1
    if dry_run:
        return result
    _write(session, actor_id, rows, existing, managers, result)
    return result


def _check_row(number: int, cells: dict[str, str], existing: dict[str, User], in_file: dict[str, int],
               by_email: dict[str, str], result: OrgImport) -> None:
    def blame(column: str, message: str) -> None:
        result.problems.append(Problem(number, column, cells.get(column, ""), message))

    name = normalise_username(cells.get("username", ""))
    if not USERNAME.match(name):
        blame("username", _(
            "Use 2 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit."))
    for column, longest in TEXT_FIELDS.items():
        if len(cells.get(column, "")) > longest:
            blame(column, _("Use at most %(n)s characters.", n=longest))
    email = cells.get("email", "")
    if email and not EMAIL.match(email):
        blame("email", _("Give an email address such as name@example.com."))
    for column in ("departments", "head_of"):
        for path in _paths(cells.get(column, "")):
            if any(not part or len(part) > org_tree.MAX_NAME for part in path.split("/")):
                blame(column, _("Write a department as its path from the top, such as Sales/East."))
    manager = cells.get("manager", "")
    if manager and _manager_name(manager, existing, by_email, in_file) is None:
        blame("manager", _("No person with this user name or email is in the sheet or the organisation."))
    if manager and _manager_name(manager, existing, by_email, in_file) == name:
        blame("manager", _("A person cannot be their own manager."))


def _manager_name(text: str, existing: dict[str, User], by_email: dict[str, str], in_file: dict[str, int]
                  ) -> str | None:
    name = normalise_username(text)
    if name in existing or name in in_file:
        return name
    return by_email.get(text.strip().lower())


def _managers(rows, existing, by_email) -> dict[str, str | None]:
    """Each person's manager after the import, by user name: the sheet's, else as it was."""
    ids = {u.id: u.username for u in existing.values()}
    after: dict[str, str | None] = {u.username: ids.get(u.manager_id) for u in existing.values()}
    in_file = {normalise_username(c.get("username", "")): n for n, c in rows}
    for _n, cells in rows:
        if "manager" in cells:
            after[normalise_username(cells["username"])] = (
                _manager_name(cells["manager"], existing, by_email, in_file) if cells["manager"] else None)
    return after


def _check_cycles(rows, managers: dict[str, str | None], existing, result: OrgImport) -> None:
    for number, cells in rows:
        start = normalise_username(cells.get("username", ""))
        seen, current = set(), managers.get(start)
        while current is not None and current not in seen:
            if current == start:
                result.problems.append(Problem(number, "manager", cells.get("manager", ""), _(
                    "The managers make a circle: this person would manage themselves, directly or not.")))
                break
            seen.add(current)
            current = managers.get(current)


def _write(session: Session, actor_id: int | None, rows, existing: dict[str, User],
           managers: dict[str, str | None], result: OrgImport) -> None:
    departments = _departments_by_path(session)
    before = len(departments)

    def department(path: str) -> int:
        parent, sofar = None, []
        for part in path.split("/"):
            sofar.append(part)
            key = "/".join(sofar).lower()
            if key not in departments:
                made = create_department(session, part, parent)
                audit(session, actor_id, "department.create", "department", made.id,
                      {"name": {"before": None, "after": part}, "parent_id": {"before": None, "after": parent},
                       "by": "import"})
                departments[key] = made.id
            parent = departments[key]
        return parent

    people: dict[str, User] = dict(existing)
    for _number, cells in rows:
        name = normalise_username(cells["username"])
        user = people.get(name)
        changes: dict[str, Any] = {}
        if user is None:
            user = User(username=name, display_name=cells.get("display_name") or name, password_hash=None)
            session.add(user)
            session.flush()
            people[name] = user
            changes["username"] = {"before": None, "after": name}
        for column in TEXT_FIELDS:
            if column in cells and (cells[column] or None) != (getattr(user, column) or None):
                value = cells[column] or ("" if column != "email" else None)
                changes[column] = {"before": getattr(user, column), "after": value}
                setattr(user, column, value)
        if "departments" in cells:
            ids = [department(p) for p in _paths(cells["departments"])]
            changes.update(set_departments(session, None, user, ids))
        session.flush()
        action = "user.import_create" if "username" in changes else "user.import_update"
        if changes:
            if action == "user.import_update":
                user.version += 1
            audit(session, actor_id, action, "user", user.id, changes)
    for _number, cells in rows:
        user = people[normalise_username(cells["username"])]
        if "manager" in cells:
            manager = managers.get(user.username)
            manager_id = people[manager].id if manager else None
            if manager_id != user.manager_id:
                audit(session, actor_id, "user.update", "user", user.id,
                      {"manager_id": {"before": user.manager_id, "after": manager_id}, "by": "import"})
                user.manager_id = manager_id
        for path in _paths(cells.get("head_of", "")):
            department_id = department(path)
            heads = heads_of(session, department_id)
            if user.id not in heads:
                set_heads(session, department_id, [*heads, user.id])
                audit(session, actor_id, "department.update", "department", department_id,
                      {"heads": {"before": heads, "after": sorted([*heads, user.id])}, "by": "import"})
    session.flush()
    result.departments_created = len(departments) - before


def _departments_by_path(session: Session) -> dict[str, int]:
    """Each department by its path of names, lower case ("sales/east")."""
    return {path.lower(): i for i, path in org_tree.path_names(session).items()}


def _paths(text: str) -> list[str]:
    """Departments in a cell: paths separated by ";" or a new line; the first is the main one."""
    found = []
    for part in text.replace("\n", ";").replace("；", ";").split(";"):
        path = "/".join(p.strip() for p in part.strip().strip("/").split("/"))
        if part.strip():
            found.append(path)
    return list(dict.fromkeys(found))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()

