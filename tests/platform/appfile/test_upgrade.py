"""Installing a newer template over an app its users changed: a three-way merge keyed by
stable ids. The users' field and label stay, the template's new form and field arrive,
both-sides changes are listed, and no record is lost."""

import copy

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.kinds import store
from brickwork.platform.appfile import install_template
from brickwork.platform.apps import get_app
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import SavedView
from tests.engines.form.helpers import field, form
from tests.platform.appfile.test_install import DOCUMENT

STORE = store()


def newer() -> dict:
    """Version 1.1: companies get a website field and a new label for level; a new form."""
    document = copy.deepcopy(DOCUMENT)
    document["template"]["version"] = "1.1.0"
    companies, _people = document["definitions"]["form"]
    companies["fields"].insert(1, field("c6", "url", "website"))
    companies["fields"][2]["label"] = {"en": "Tier", "zh-CN": "等级"}  # level, relabelled by the template too
    document["definitions"]["form"].append(form("visits", field("v1", "date", "day"),
                                                field("v2", "relation", "company", target="companies")))
    document["views"].append({"id": "visits_all", "form": "visits", "name": {"en": "Visits", "zh-CN": "拜访"},
                              "type": "calendar", "config": {"date_field": "v1"}})
    return document


def live(session, key):
    return STORE.get(session, get_app(session, "tiny"), "form", key).body


def test_the_users_changes_stay_and_the_templates_arrive(sessions, admin):
    who = Principal(admin.id, "admin", "admin", True, "test")
    with transaction(sessions) as session:
        install_template(session, STORE, copy.deepcopy(DOCUMENT), admin.id)
    with transaction(sessions) as session:  # the users: a record, a field of their own, a label
        app = get_app(session, "tiny")
        acme = RecordService(session, load_form(session, "tiny", "companies"), who).create({"name": "Acme"})
        mine = copy.deepcopy(live(session, "companies"))
        mine["fields"].append(field("c9", "phone", "hotline"))
        mine["fields"][0]["label"] = {"en": "Company name", "zh-CN": "公司名称"}
        mine["fields"][1]["label"] = {"en": "Grade", "zh-CN": "级别"}  # level: both sides relabel it
        STORE.save_draft(session, app, "form", "companies", mine, admin.id)
        STORE.publish(session, app, "form", "companies", admin.id)
    with transaction(sessions) as session:
        report = install_template(session, STORE, newer(), admin.id).as_dict()
    assert (report["from"], report["to"]) == ("1.0.0", "1.1.0")
    assert set(report["published"]) == {"form/companies", "form/visits"}
    assert {c["path"] for c in report["conflicts"]} == {"form/companies.fields[c2].label.en",
                                                        "form/companies.fields[c2].label.zh-CN"}
    with transaction(sessions) as session:
        companies = {f["key"]: f for f in live(session, "companies")["fields"]}
        assert companies["name"]["label"] == {"en": "Company name", "zh-CN": "公司名称"}
        assert companies["level"]["label"] == {"en": "Grade", "zh-CN": "级别"}  # both changed it: the app keeps its own
        assert "hotline" in companies and "website" in companies
        assert [f["key"] for f in live(session, "visits")["fields"]] == ["day", "company"]
        service = RecordService(session, load_form(session, "tiny", "companies"), who)
        assert service.get(acme["id"])["name"] == "Acme"
        assert RecordService(session, load_form(session, "tiny", "visits"), who).create(
            {"day": "2026-12-01", "company": acme["id"]})["company"] == acme["id"]
        views = session.query(SavedView).filter_by(app_id=get_app(session, "tiny").id).all()
        assert sorted(v.uid for v in views) == ["big", "visits_all"]
    with transaction(sessions) as session:  # the same version again: nothing to do
        assert install_template(session, STORE, newer(), admin.id) is None


def test_the_crm_upgrades_over_its_users_changes(sessions, admin):
    """The same scenario on the shipped CRM: 11 forms that link, roll up and look up."""
    from brickwork.templates import CATALOG as templates

    with transaction(sessions) as session:
        install_template(session, STORE, templates.load("crm"), admin.id)
    with transaction(sessions) as session:
        app = get_app(session, "crm")
        mine = copy.deepcopy(STORE.get(session, app, "form", "customers").body)
        mine["fields"].append(field("cus_vip_note", "text", "vip_note"))
        next(f for f in mine["fields"] if f["key"] == "industry")["label"]["en"] = "Sector"
        STORE.save_draft(session, app, "form", "customers", mine, admin.id)
        STORE.publish(session, app, "form", "customers", admin.id)
    newer_crm = templates.load("crm")
    newer_crm["template"]["version"] = "99.0.0"  # newer than the shipped one
    customers = next(f for f in newer_crm["definitions"]["form"] if f["key"] == "customers")
    customers["fields"].append(field("cus_wechat_group", "text", "wechat_group"))
    newer_crm["definitions"]["form"].append(form("events", field("evt_name", "text", "name"),
                                                 field("evt_customer", "relation", "customer", target="customers")))
    with transaction(sessions) as session:
        report = install_template(session, STORE, newer_crm, admin.id).as_dict()
    assert report["conflicts"] == [] and report["kept"] == []
    assert set(report["published"]) == {"form/customers", "form/events"}
    with transaction(sessions) as session:
        fields = {f["key"]: f for f in STORE.get(session, get_app(session, "crm"), "form", "customers").body["fields"]}
        assert {"vip_note", "wechat_group"} <= set(fields) and fields["industry"]["label"]["en"] == "Sector"
