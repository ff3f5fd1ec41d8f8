"""Duplicate detection and merge, a capability any form switches on with ``duplicates``:
found on save and by a scan, merged with every link moved, undone from the recycle bin.
On whichever database the suite runs on."""

import pytest
from sqlalchemy import literal, select
from starlette.testclient import TestClient

from brickwork.engines.form.duplicate_keys import key_of, key_sql
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import OutboxEvent
from tests.engines.form.helpers import field, form, publish, records

CUSTOMERS = records("customers")
OPPORTUNITIES = records("opportunities")
DETECT = {"match": [{"field": "c_phone", "how": "phone"}, {"field": "c_email", "how": "email"},
                    {"field": "c_name", "how": "fuzzy"}], "threshold": 88}
EDITORS = {"role": "editor", "actions": ["create", "read", "update"], "scope": "all"}


def customers(*extra, **settings):
    return form("customers", field("c_name", "text", "name"), field("c_phone", "text", "phone"),
                field("c_email", "email", "email"), field("c_city", "text", "city"), *extra,
                permissions=[EDITORS], **settings)


@pytest.fixture
def crm(api):
    """Customers that detect duplicates; opportunities, follow-ups (links to many) and visits
    (sub-form rows) that link to them; a count of opportunities on each customer."""
    assert publish(api, customers(duplicates=DETECT)).status_code == 200
    assert publish(api, form("opportunities", field("o_name", "text", "name"),
                             field("o_customer", "relation", "customer", target="customers", on_delete="block"),
                             permissions=[EDITORS])).status_code == 200
    assert publish(api, form("followups", field("f_note", "text", "note"),
                             field("f_customers", "relation", "customers", target="customers", multiple=True),
                             permissions=[EDITORS])).status_code == 200
    assert publish(api, form("visits", field("v_day", "text", "day"), field("v_stops", "subform", "stops", fields=[
        field("vs_customer", "relation", "customer", target="customers", on_delete="block")]),
        permissions=[EDITORS])).status_code == 200
    count = field("c_deals", "rollup", "deals", source="opportunities.customer", aggregate="count")
    published = publish(api, customers(count, duplicates=DETECT))
    assert published.status_code == 200, published.text


def two_duplicates(api):
    first = api.post(CUSTOMERS, json={"name": "上海某某科技有限公司", "phone": "+86 138-0013-8000",
                                      "city": "上海"})
    second = api.post(CUSTOMERS, json={"name": "上海某某科技", "phone": "13800138000", "email": "Sales@Mou.cn"})
    assert first.status_code == second.status_code == 201, second.text
    return first.json(), second.json()


def test_keys_in_python_and_in_sql_agree(engine):
    cases = {"phone": ["+86 138-0013-8000", "13800138000", "0086 138 0013 8000", "+8613800138000", "(021) 6123-4567"],
             "email": ["  Sales@Mou.CN ", "a.li+crm@gmail.com"], "exact": [" Acme "]}
    with engine.connect() as conn:
        for how, texts in cases.items():
            for text in texts:
                assert conn.scalar(select(key_sql(how, literal(text)))) == key_of(how, text), (how, text)
    assert {key_of("phone", t) for t in cases["phone"][:4]} == {"13800138000"}
    assert key_of("fuzzy", "上海某某科技有限公司") == key_of("fuzzy", "上海某某科技") == "上海某某科技"
    assert key_of("fuzzy", "Acme Trading Co., Ltd.") == key_of("fuzzy", "ACME trading Inc") == "acme trading"
    assert key_of("email", "a.li@gmail.com") != key_of("email", "ali@gmail.com")  # dots kept: docs/forms.md


def test_a_save_answers_with_its_likely_duplicates_and_the_scan_groups_them(api, crm):
    first, second = two_duplicates(api)
    assert first["_meta"]["duplicates"] == {"items": [], "hidden": 0}
    found = second["_meta"]["duplicates"]["items"]
    assert [(h["id"], h["title"], h["score"], sorted(h["matched"])) for h in found] == [
        (first["id"], "上海某某科技有限公司", 100, ["name", "phone"])]
    other = api.post(CUSTOMERS, json={"name": "北京另一家贸易有限公司", "phone": "13900000000"}).json()
    assert other["_meta"]["duplicates"]["items"] == []
    # An edit that makes a record a duplicate is warned too.
    edited = api.patch(f"{CUSTOMERS}/{other['id']}", json={"version": other["version"], "email": "sales@mou.cn "})
    assert [h["id"] for h in edited.json()["_meta"]["duplicates"]["items"]] == [second["id"]]

    api.post(CUSTOMERS, json={"name": "广州无关公司", "phone": "13700000000"})
    scan = api.get(records("customers").replace("/records", "/duplicates")).json()
    # One group: the first two by phone and name, the third joined to the second by email.
    assert scan["total"] == 1
    group = scan["items"][0]
    assert group["ids"] == [first["id"], second["id"], other["id"]]
    assert group["titles"][str(other["id"])] == "北京另一家贸易有限公司"
    assert [(p["a"], p["b"], p["score"], sorted(p["matched"])) for p in group["pairs"]] == [
        (first["id"], second["id"], 100, ["name", "phone"]), (second["id"], other["id"], 100, ["email"])]


def test_a_form_that_blocks_refuses_a_duplicate(api):
    assert publish(api, customers(duplicates={**DETECT, "block": True})).status_code == 200
    assert api.post(CUSTOMERS, json={"name": "Acme Trading Co., Ltd."}).status_code == 201
    refused = api.post(CUSTOMERS, json={"name": "ACME Trading Inc."})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["code"] == "duplicate"
    assert api.get(CUSTOMERS).json()["total"] == 1


def test_the_setting_names_text_phone_or_email_fields(api):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    url = "/api/v1/apps/crm/forms/customers"
    bad = api.put(url, json=customers(duplicates={"match": [{"field": "c_nope", "how": "exact"}]}))
    assert bad.status_code == 422 and "c_nope" in bad.json()["errors"][0]["message"]
    worse = api.put(url, json=customers(field("c_size", "number", "size"),
                                        duplicates={"match": [{"field": "c_size", "how": "exact"}]}))
    assert worse.status_code == 422 and "c_size" in worse.json()["errors"][0]["message"]
    how = api.put(url, json=customers(duplicates={"match": [{"field": "c_name", "how": "soundex"}]}))
    assert how.status_code == 422


def linked(api, loser_id, survivor_id):
    deal = api.post(OPPORTUNITIES, json={"name": "ERP", "customer": loser_id}).json()
    note = api.post(records("followups"), json={"note": "call", "customers": [loser_id]}).json()
    both = api.post(records("followups"), json={"note": "visit", "customers": [survivor_id, loser_id]}).json()
    visit = api.post(records("visits"), json={"day": "Mon", "stops": [{"customer": loser_id}]}).json()
    return deal, note, both, visit


def test_a_merge_moves_every_link_keeps_both_histories_and_undo_puts_it_all_back(api, crm, sessions):
    survivor, loser = two_duplicates(api)
    api.post(OPPORTUNITIES, json={"name": "CRM", "customer": survivor["id"]})
    deal, note, both, visit = linked(api, loser["id"], survivor["id"])
    survivor = api.get(f"{CUSTOMERS}/{survivor['id']}").json()
    loser = api.get(f"{CUSTOMERS}/{loser['id']}").json()
    assert (survivor["deals"], loser["deals"]) == ("1", "1")

    merged = api.post(f"{CUSTOMERS}/{survivor['id']}:merge", json={
        "version": survivor["version"], "loser": loser["id"], "loser_version": loser["version"],
        "values": {"name": "loser", "city": "survivor"}})
    assert merged.status_code == 200, merged.text
    record = merged.json()["record"]
    # The chosen name, the survivor's city, the blank email filled from the loser.
    assert (record["name"], record["city"], record["email"]) == ("上海某某科技", "上海", "sales@mou.cn")
    assert record["deals"] == "2" and merged.json()["moved"] == 4
    assert api.get(f"{OPPORTUNITIES}/{deal['id']}").json()["customer"] == survivor["id"]
    assert api.get(f"{records('followups')}/{note['id']}").json()["customers"] == [survivor["id"]]
    assert api.get(f"{records('followups')}/{both['id']}").json()["customers"] == [survivor["id"]]
    assert api.get(f"{records('visits')}/{visit['id']}").json()["stops"][0]["customer"] == survivor["id"]
    assert api.get(f"{CUSTOMERS}/{loser['id']}").status_code == 404
    assert api.get(f"{CUSTOMERS}/{loser['id']}", params={"deleted": True}).status_code == 200

    history = api.get(f"{CUSTOMERS}/{survivor['id']}/history").json()
    actions = [(e["action"], e.get("record")) for e in history]
    assert ("record.created", loser["id"]) in actions  # the loser's trail, from the survivor's page
    assert ("record.merged", None) in actions
    with sessions() as session:
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "record.merged")).one()
        assert event.payload["after"]["loser"] == loser["id"]

    restored = api.post(f"{CUSTOMERS}/{loser['id']}:restore")
    assert restored.status_code == 200, restored.text
    assert api.get(f"{OPPORTUNITIES}/{deal['id']}").json()["customer"] == loser["id"]
    assert api.get(f"{records('followups')}/{note['id']}").json()["customers"] == [loser["id"]]
    assert sorted(api.get(f"{records('followups')}/{both['id']}").json()["customers"]) == sorted(
        [survivor["id"], loser["id"]])
    assert api.get(f"{records('visits')}/{visit['id']}").json()["stops"][0]["customer"] == loser["id"]
    after = api.get(f"{CUSTOMERS}/{survivor['id']}").json()
    assert (after["name"], after["email"], after["deals"]) == ("上海某某科技有限公司", None, "1")
    assert api.get(f"{CUSTOMERS}/{loser['id']}").json()["deals"] == "1"
    assert "record.merged" not in [e["action"] for e in api.get(f"{CUSTOMERS}/{loser['id']}/history").json()
                                   if e.get("record")]


def test_a_stale_version_of_either_record_is_a_409_and_nothing_changes(api, crm):
    survivor, loser = two_duplicates(api)
    deal, *_ = linked(api, loser["id"], survivor["id"])
    survivor = api.get(f"{CUSTOMERS}/{survivor['id']}").json()
    loser = api.get(f"{CUSTOMERS}/{loser['id']}").json()
    changed = api.patch(f"{CUSTOMERS}/{loser['id']}", json={"version": loser["version"], "city": "杭州"}).json()
    for stale in ({"version": survivor["version"] + 5, "loser_version": changed["version"]},
                  {"version": survivor["version"], "loser_version": loser["version"]}):
        refused = api.post(f"{CUSTOMERS}/{survivor['id']}:merge", json={"loser": loser["id"], **stale})
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["code"] == "stale"
    assert api.get(f"{OPPORTUNITIES}/{deal['id']}").json()["customer"] == loser["id"]
    assert api.get(f"{CUSTOMERS}/{loser['id']}").status_code == 200


def test_merging_needs_delete_on_the_loser(api, crm, app, sessions):
    survivor, loser = two_duplicates(api)
    deal, *_ = linked(api, loser["id"], survivor["id"])
    with transaction(sessions) as s:
        create_role(s, "editor", {"en": "Editor"})
        user = create_user(s, "li", "password-1")
        grant_role(s, user.id, "editor")
        token = create_token(s, "li")[1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}) as li:
        refused = li.post(f"{CUSTOMERS}/{survivor['id']}:merge", json={
            "version": survivor["version"], "loser": loser["id"], "loser_version": loser["version"]})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert api.get(f"{OPPORTUNITIES}/{deal['id']}").json()["customer"] == loser["id"]
    assert api.get(f"{CUSTOMERS}/{loser['id']}").json()["version"] == loser["version"]
    assert [e["action"] for e in api.get(f"{CUSTOMERS}/{survivor['id']}/history").json()] == ["record.created"]


def test_a_bad_merge_request_is_a_422_per_field(api, crm):
    survivor, loser = two_duplicates(api)
    url = f"{CUSTOMERS}/{survivor['id']}:merge"
    same = api.post(url, json={"version": 1, "loser": survivor["id"], "loser_version": 1})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "loser"
    choice = api.post(url, json={"version": 1, "loser": loser["id"], "loser_version": 1, "values": {"name": "both"}})
    assert choice.status_code == 422 and choice.json()["errors"][0]["field"] == "values.name"
    missing = api.post(url, json={"loser": loser["id"], "loser_version": 1})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "version"
