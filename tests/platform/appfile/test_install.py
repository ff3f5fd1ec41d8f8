"""App files: install with forms that depend on each other in a circle, export, and import
back as another app giving the same file."""

import copy

import pytest

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.kinds import store
from brickwork.platform.appfile import export_app, install_document
from brickwork.platform.db import transaction
from brickwork.platform.errors import Conflict, Invalid
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App
from tests.engines.form.helpers import field, form

LEVELS = [{"id": "lv_a", "label": {"en": "A", "zh-CN": "甲"}}, {"id": "lv_b", "label": {"en": "B", "zh-CN": "乙"}}]
# Companies count their people (a rollup over people's relation); people show their company's
# level (a lookup), and each side links to the other: neither can be published first.
COMPANIES = form("companies", field("c1", "text", "name"), field("c2", "select", "level", options=LEVELS),
                 field("c3", "relation", "key_person", target="people", on_delete="clear"),
                 field("c4", "rollup", "people_count", source="people.p2", aggregate="count"),
                 field("c5", "formula", "badge", formula='CONCAT(name, " (", people_count, ")")', result="text"),
                 title_field="c1", layout=[["c1", "c2"], ["c3"], ["c4", "c5"]])
PEOPLE = form("people", field("p1", "text", "name"),
              field("p2", "relation", "company", target="companies", on_delete="clear"),
              field("p3", "lookup", "company_level", relation="p2", field="c2"))
DOCUMENT = {
    "brickwork": 1,
    "template": {"name": "tiny", "version": "1.0.0"},
    "app": {"key": "tiny", "label": {"en": "Tiny", "zh-CN": "小"}},
    "definitions": {"form": [COMPANIES, PEOPLE]},
    "views": [{"id": "big", "form": "companies", "name": {"en": "Level A", "zh-CN": "甲级"}, "type": "table",
               "config": {"filter": {"fn": "=", "args": [{"ref": "c2"}, {"lit": "lv_a", "type": "choice"}]},
                          "sort": "-c4", "columns": ["c1", "c4"]}}],
}


def install(sessions, document, key=None):
    with transaction(sessions) as session:
        return install_document(session, store(), copy.deepcopy(document), None, key).app.key


def exported(sessions, key):
    with transaction(sessions) as session:
        return export_app(session, store(), session.query(App).filter_by(key=key).one())


def test_forms_that_depend_on_each_other_install_and_work(sessions, admin):
    install(sessions, DOCUMENT)
    ADMIN = Principal(admin.id, "admin", "admin", True, "test")
    with transaction(sessions) as session:
        companies = RecordService(session, load_form(session, "tiny", "companies"), ADMIN)
        people = RecordService(session, load_form(session, "tiny", "people"), ADMIN)
        acme = companies.create({"name": "Acme", "level": "lv_a"})
        li, _han = people.bulk_create([{"name": "Li Lei", "company": acme["id"]},
                                       {"name": "Han Meimei", "company": acme["id"]}])
        assert companies.get(acme["id"])["people_count"] == "2"  # numbers travel as decimal strings
        assert companies.get(acme["id"])["badge"] == "Acme (2)"
        assert people.get(li["id"])["company_level"] == "lv_a"


def test_export_then_import_as_another_app_gives_the_same_file(sessions):
    install(sessions, DOCUMENT)
    first = exported(sessions, "tiny")
    assert [v["id"] for v in first["views"]] == ["big"]
    again = copy.deepcopy(first)
    again["app"]["key"] = "tiny_copy"
    install(sessions, again)
    second = exported(sessions, "tiny_copy")
    second["app"]["key"] = "tiny"
    assert second == first


def test_a_bad_file_names_each_problem_and_installs_nothing(sessions):
    bad = copy.deepcopy(DOCUMENT)
    bad["definitions"]["form"][1]["fields"][0]["type"] = "no_such_type"
    bad["views"][0]["form"] = "nowhere"
    with pytest.raises(Invalid) as caught, transaction(sessions) as session:
        install_document(session, store(), bad, None)
    fields = {e.field for e in caught.value.errors}
    assert "$.views[0].form" in fields and any(f.startswith("$.definitions.form[1].fields[0]") for f in fields)
    with transaction(sessions) as session:
        assert session.query(App).count() == 0


def test_an_app_key_taken_is_refused(sessions):
    install(sessions, DOCUMENT)
    with pytest.raises(Conflict):
        install(sessions, DOCUMENT)


def test_the_roles_a_file_names_are_created_and_exported(sessions):
    from brickwork.platform.identity.org import create_role
    from brickwork.platform.models import Role

    document = copy.deepcopy(DOCUMENT)
    document["definitions"]["form"][1]["permissions"] = [
        {"role": "clerk", "actions": ["read"], "scope": "all"}, {"role": "boss", "actions": ["read"], "scope": "all"}]
    document["roles"] = [{"key": "clerk", "label": {"en": "Clerk", "zh-CN": "文员"}},
                         {"key": "boss", "label": {"en": "Boss", "zh-CN": "老板"}}]
    with transaction(sessions) as session:
        create_role(session, "boss", {"en": "The boss, as we call it"})  # the installation's own stays
    install(sessions, document)
    with transaction(sessions) as session:
        labels = {r.key: r.label["en"] for r in session.query(Role)}
    assert labels == {"clerk": "Clerk", "boss": "The boss, as we call it"}
    assert [r["key"] for r in exported(sessions, "tiny")["roles"]] == ["boss", "clerk"]


def test_a_formula_over_another_forms_records_round_trips(sessions, admin):
    """``SUM(lines.header.amount)``: the published formula names the other form's relation by
    id; the file must install again as it exported."""
    headers = form("headers", field("h1", "text", "name"),
                   field("h2", "formula", "total", formula="SUM(lines.header.amount)"))
    lines = form("lines", field("n1", "relation", "header", target="headers"), field("n2", "money", "amount"))
    document = {**copy.deepcopy(DOCUMENT), "views": [], "definitions": {"form": [headers, lines]}}
    install(sessions, document)
    first = exported(sessions, "tiny")
    again = copy.deepcopy(first)
    again["app"]["key"] = "tiny_copy"
    install(sessions, again)
    second = exported(sessions, "tiny_copy")
    second["app"]["key"] = "tiny"
    assert second == first
    ADMIN = Principal(admin.id, "admin", "admin", True, "test")
    with transaction(sessions) as session:
        made = RecordService(session, load_form(session, "tiny_copy", "headers"), ADMIN).create({"name": "A"})
        RecordService(session, load_form(session, "tiny_copy", "lines"), ADMIN).create(
            {"header": made["id"], "amount": "12.50"})
        assert RecordService(session, load_form(session, "tiny_copy", "headers"), ADMIN).get(
            made["id"])["total"] == "12.50"
