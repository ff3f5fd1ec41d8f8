"""Apps are renamed, given an icon, reordered and deleted into a recycle bin, through the API."""

from sqlalchemy import select

from brickwork.platform.models import AuditEntry, OutboxEvent
from tests.engines.form.helpers import APP, field, form, publish, records

PROBLEM = "application/problem+json"


def _crm(api):
    publish(api, form("customers", field("c1", "text", "name")))
    publish(api, form("accounts", field("a1", "text", "name")))
    assert api.post(records("customers"), json={"name": "ACME"}).status_code == 201


def test_an_app_is_renamed_and_given_an_icon_with_its_version(api, sessions):
    _crm(api)
    got = api.get(APP)
    assert got.headers["ETag"] == '"1"'
    changed = api.patch(APP, json={"label": {"en": "Sales", "zh-CN": "销售"}, "icon": "sales"},
                        headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Sales" and changed.json()["icon_text"] == "💰"
    assert changed.headers["ETag"] == '"2"'
    assert [a["name"] for a in api.get("/api/v1/apps").json()] == ["Sales"]
    with sessions() as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "app.update"))
        assert s.scalar(select(OutboxEvent.topic).where(OutboxEvent.topic == "app.updated"))


def test_a_stale_rename_is_409_and_changes_nothing(api):
    _crm(api)
    assert api.patch(APP, json={"label": {"en": "One"}, "version": 1}).status_code == 200
    stale = api.patch(APP, json={"label": {"en": "Two"}}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.headers["content-type"] == PROBLEM
    assert api.get(APP).json()["name"] == "One"
    missing = api.patch(APP, json={"label": {"en": "Two"}})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "version"


def test_icons_come_from_the_fixed_set_and_labels_may_not_be_empty(api):
    _crm(api)
    bad = api.patch(APP, json={"icon": "<img src=x>", "label": {}, "version": 1},
                    headers={"Accept-Language": "zh-CN"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"icon", "label"}
    assert "sales" in api.get("/api/v1/app-icons").json()
    assert api.get(APP).json()["version"] == 1


def test_forms_are_listed_in_the_builders_order(api):
    _crm(api)
    assert [f["key"] for f in api.get(f"{APP}/forms").json()] == ["accounts", "customers"]
    moved = api.patch(APP, json={"order": {"form": ["customers", "accounts"]}, "version": 1})
    assert moved.json()["order"] == {"form": ["customers", "accounts"]}
    assert [f["key"] for f in api.get(f"{APP}/forms").json()] == ["customers", "accounts"]
    assert [f["key"] for f in api.get(f"{APP}/definitions/form").json()] == ["customers", "accounts"]


def test_a_deleted_app_goes_to_the_bin_and_comes_back_with_its_records(api, sessions):
    _crm(api)
    assert api.delete(APP).status_code == 204
    assert api.get("/api/v1/apps").json() == []
    assert api.get(APP).status_code == 404
    assert api.get(records("customers")).status_code == 404
    assert [a["key"] for a in api.get("/api/v1/apps", params={"deleted": "true"}).json()] == ["crm"]
    again = api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert again.status_code == 409 and "recycle bin" in again.json()["errors"][0]["message"]
    restored = api.post(f"{APP}:restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert [r["name"] for r in api.get(records("customers")).json()["items"]] == ["ACME"]
    assert api.post(f"{APP}:restore").status_code == 404
    with sessions() as s:
        assert {"app.delete", "app.restore"} <= set(s.scalars(select(AuditEntry.action)))
        assert {"app.deleted", "app.restored"} <= set(s.scalars(select(OutboxEvent.topic)))


def test_only_administrators_manage_apps_and_see_the_bin(api, client, sessions):
    from brickwork.platform.db import transaction
    from brickwork.platform.identity.tokens import create_token
    from brickwork.platform.identity.users import create_user

    _crm(api)
    with transaction(sessions) as s:
        create_user(s, "staff", "password-1")
        _row, token = create_token(s, "staff")
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.patch(APP, json={"label": {"en": "X"}, "version": 1}).status_code == 403
    assert client.delete(APP).status_code == 403
    assert client.get("/api/v1/apps", params={"deleted": "true"}).status_code == 403


def test_a_records_related_lists_follow_the_builders_order(api):
    publish(api, form("customers", field("c1", "text", "name")))
    for key in ("deals", "notes"):
        publish(api, form(key, field(f"{key}1", "relation", "customer", target="customers", on_delete="clear")))
    acme = api.post(records("customers"), json={"name": "ACME"}).json()["id"]
    related = f"{records('customers')}/{acme}/related"
    assert [r["form"] for r in api.get(related).json()] == ["deals", "notes"]
    api.patch(APP, json={"order": {"form": ["customers", "notes", "deals"]}, "version": 1})
    assert [r["form"] for r in api.get(related).json()] == ["notes", "deals"]


def test_an_app_file_keeps_the_builders_order_of_forms(api):
    _crm(api)
    api.patch(APP, json={"order": {"form": ["customers", "accounts"]}, "version": 1})
    document = api.get(f"{APP}:export").json()
    assert [f["key"] for f in document["definitions"]["form"]] == ["customers", "accounts"]
    assert api.post("/api/v1/apps:import", params={"key": "copy"}, json=document).status_code == 201
    assert [f["key"] for f in api.get("/api/v1/apps/copy/forms").json()] == ["customers", "accounts"]


def test_a_template_whose_app_is_in_the_bin_asks_for_a_restore(api):
    assert api.post("/api/v1/templates/crm:install", json={}).status_code in (200, 201)
    assert api.delete(APP).status_code == 204
    gallery = {t["name"]: t for t in api.get("/api/v1/templates").json()}
    assert gallery["crm"]["app"] is None
    again = api.post("/api/v1/templates/crm:install", json={})
    assert again.status_code == 409 and "recycle bin" in again.json()["title"]
    assert api.get("/api/v1/apps").json() == []
