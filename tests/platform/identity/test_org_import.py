"""Importing the org from xlsx: checked entirely before anything is written."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import heads_of
from brickwork.platform.identity.org_import import import_org
from brickwork.platform.identity.org_tree import path_names
from brickwork.platform.models import Department, User


def sheet(*rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


HEADER = ("username", "name", "email", "department", "manager", "head of")


def test_people_departments_heads_and_managers_come_in_together(sessions, admin):
    rows = [HEADER,
            ("chen", "Chen Jing", "chen@example.com", "Sales", "", "Sales"),
            ("liu", "Liu Yang", "liu@example.com", "Sales/East", "chen@example.com", "Sales/East"),
            ("he", "He Ping", "", "Sales/East; Sales/North", "liu", "")]
    with transaction(sessions) as session:
        result = import_org(session, admin.id, sheet(*rows))
    assert (result.created, result.failed, result.departments_created) == (3, 0, 3)
    with transaction(sessions) as session:
        people = {u.username: u for u in session.scalars(select(User))}
        names = {v: k for k, v in path_names(session).items()}
        assert people["liu"].manager_id == people["chen"].id and people["he"].manager_id == people["liu"].id
        assert heads_of(session, names["Sales/East"]) == [people["liu"].id]
        assert people["he"].password_hash is None  # an administrator gives them a password
    # Importing again updates the same people: nothing is duplicated.
    with transaction(sessions) as session:
        again = import_org(session, admin.id, sheet(HEADER, ("he", "He Ping", "he@example.com", "", "chen", "")))
    assert (again.created, again.updated) == (0, 1)


def test_one_bad_row_imports_nothing_and_names_every_problem(sessions, admin):
    rows = [HEADER,
            ("ok.person", "OK", "", "Support", "", ""),
            ("Bad Name!", "Bad", "not-an-email", "", "nobody", ""),
            ("ok.person", "Twice", "", "", "", "")]
    with transaction(sessions) as session:
        result = import_org(session, admin.id, sheet(*rows))
    problems = {(p.row, p.column) for p in result.problems}
    assert {(3, "username"), (3, "email"), (3, "manager"), (4, "username")} <= problems
    assert result.created == 0 and result.failed == 2
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert session.scalar(select(func.count()).select_from(Department)) == 0


def test_a_circle_of_managers_in_the_sheet_is_refused(sessions, admin):
    with transaction(sessions) as session:
        result = import_org(session, admin.id, sheet(HEADER, ("x1", "", "", "", "x2", ""),
                                                     ("x2", "", "", "", "x1", "")))
    assert [p.column for p in result.problems] == ["manager", "manager"]


def test_chinese_headers_are_understood(sessions, admin):
    with transaction(sessions) as session:
        result = import_org(session, admin.id, sheet(("用户名", "姓名", "部门"), ("wu", "吴", "销售部/华东")))
    assert result.created == 1 and result.departments_created == 2


def test_the_api_answers_with_the_report(api):
    bad = api.post("/api/v1/users:import", files={"file": ("org.xlsx", sheet(HEADER, ("!", "", "", "", "", "")),
                                                           "application/octet-stream")})
    assert bad.status_code == 200 and bad.json()["problems"][0] == {
        "row": 2, "column": "username", "value": "!", "message": bad.json()["problems"][0]["message"]}
    not_xlsx = api.post("/api/v1/users:import", files={"file": ("org.xlsx", b"hello", "text/plain")})
    assert not_xlsx.status_code == 422 and not_xlsx.json()["errors"][0]["field"] == "file"
