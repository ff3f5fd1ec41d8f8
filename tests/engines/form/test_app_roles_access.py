"""Roles per app at work: the CRM's `sales` role sees its own customers without the revenue,
`sales_manager` sees the department and below; both set through the designer's API, checked
in the preview and with each person's own token, each count equal to a direct SQL count."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.sales_org import hand_over, sales_org
from tests.templates.install import install_crm

APP = "/api/v1/apps/crm"


def set_permissions(client: TestClient, form: str, permissions: list[dict]) -> None:
    """What the permission designer does: the draft with new permissions, then publish."""
    current = client.get(f"{APP}/forms/{form}")
    body = {**current.json()["body"], "permissions": permissions}
    saved = client.put(f"{APP}/forms/{form}", json=body, headers={"If-Match": current.headers["ETag"]})
    assert saved.status_code == 200, saved.text
    published = client.post(f"{APP}/forms/{form}:publish", headers={"If-Match": saved.headers["ETag"]})
    assert published.status_code == 200, published.text


@pytest.fixture
def org(api, sessions, admin):
    """Sales with East and North teams, each with a head; two East salespeople, one in North,
    and one person outside Sales. Customers owned around them."""
    with transaction(sessions) as s:
        install_crm(s, admin.id)
        org = sales_org(s, {"head": "Sales", "east_head": "East", "east1": "East", "east2": "East",
                            "north1": "North", "outsider": "Other"},
                        {"Sales": "head", "East": "east_head", "North": "north1"})
        people = {name: (*ids, create_token(s, name)[1]) for name, ids in org["people"].items()}
        sales = org["departments"]["Sales"]
    # Everyone in Sales (and below) holds `sales`; the head holds `sales_manager` too.
    assert api.post(f"{APP}/roles/sales/members", json={"department": sales}).status_code == 201
    assert api.post(f"{APP}/roles/sales_manager/members", json={"user": people["head"][0]}).status_code == 201
    set_permissions(api, "customers", [
        {"role": "sales", "actions": ["create", "read", "update"], "scope": "own",
         "fields": {"cus_annual_revenue": "none"}},
        {"role": "sales_manager", "actions": ["read", "update"], "scope": "department_tree"},
    ])
    owned = {"east1": 3, "east2": 2, "north1": 4, "outsider": 2, "head": 1}
    for name, count in owned.items():
        for i in range(count):
            made = api.post(f"{APP}/forms/customers/records",
                            json={"name": f"{name} customer {i}", "annual_revenue": "1000"})
            assert made.status_code == 201, made.text
            with transaction(sessions) as s:
                hand_over(s, org["app_id"], "customers", made.json()["id"], people[name][:2])
    return {**org, "people": people}


def sql_count(sessions, org, where: str, **params) -> int:
    with transaction(sessions) as s:
        return s.execute(text(f"SELECT count(*) FROM r{org['app_id']}_customers WHERE deleted_at IS NULL AND {where}"),
                         params).scalar_one()


def test_preview_and_tokens_show_each_person_exactly_their_scope(api, app, sessions, org):
    east1, head = org["people"]["east1"], org["people"]["head"]
    own = sql_count(sessions, org, "owner_id = :u", u=east1[0])
    tree = ",".join(str(d) for d in org["tree"])
    below = sql_count(sessions, org, f"(department_id IN ({tree}) OR owner_id = :u)", u=head[0])
    assert (own, below) == (3, 10)

    as_east = api.get(f"{APP}/forms/customers/preview/{east1[0]}", params={"limit": 500})
    assert as_east.status_code == 200, as_east.text
    assert as_east.json()["total"] == own
    assert {r["name"] for r in as_east.json()["items"]} == {f"east1 customer {i}" for i in range(3)}
    assert all("annual_revenue" not in r for r in as_east.json()["items"])  # hidden from `sales`
    as_head = api.get(f"{APP}/forms/customers/preview/{head[0]}", params={"limit": 500}).json()
    assert as_head["total"] == below
    assert all("annual_revenue" in r for r in as_head["items"])  # sales_manager reads every field
    assert not any(r["name"].startswith("outsider") for r in as_head["items"])

    for person, expected in ((east1, own), (head, below)):
        with TestClient(app, headers={"Authorization": f"Bearer {person[2]}"}) as theirs:
            listed = theirs.get(f"{APP}/forms/customers/records", params={"limit": 500})
            assert listed.status_code == 200, listed.text
            assert listed.json()["total"] == expected

    with transaction(sessions) as s:
        audited = s.execute(text("SELECT changes FROM audit_log WHERE action = 'form.preview_as'")).scalars().all()
    assert len(audited) == 2


def test_a_department_member_covers_the_departments_below(api, app, org):
    """`sales` was given to the Sales department: a North salesperson holds it."""
    north1 = org["people"]["north1"]
    with TestClient(app, headers={"Authorization": f"Bearer {north1[2]}"}) as theirs:
        listed = theirs.get(f"{APP}/forms/customers/records", params={"limit": 500}).json()
    assert listed["total"] == 4


def test_the_role_menu_hides_forms_the_role_cannot_read(api, app, org):
    outsider, east1 = org["people"]["outsider"], org["people"]["east1"]
    # `sales` lists knowledge in its menu, but may not read... set a form it may not read.
    set_permissions(api, "knowledge", [{"role": "service", "actions": ["read"], "scope": "all"}])
    changed = api.patch(f"{APP}/roles/sales", json={"menu": [
        {"type": "form", "form": "customers"}, {"type": "form", "form": "knowledge"}]})
    assert changed.status_code == 200, changed.text
    with TestClient(app, headers={"Authorization": f"Bearer {east1[2]}"}) as theirs:
        menu = theirs.get(f"{APP}/menu").json()
    assert [e["form"] for e in menu] == ["customers"]
    with TestClient(app, headers={"Authorization": f"Bearer {outsider[2]}"}) as theirs:
        assert theirs.get(f"{APP}/menu").json() == []  # no role: no form it may read
    everything = api.get(f"{APP}/menu").json()
    assert {"customers", "knowledge"} <= {e["form"] for e in everything}


def test_an_app_admin_designs_the_app_without_being_an_administrator(api, app, sessions, org):
    with transaction(sessions) as s:
        builder = create_user(s, "builder", "password-1")
        token = create_token(s, "builder")[1]
    east1 = org["people"]["east1"]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as theirs:
        assert theirs.get(f"{APP}/roles").status_code == 403
        made = api.post(f"{APP}/roles", json={"key": "crm_admin", "label": {"en": "CRM admin"}, "admin": True})
        assert made.status_code == 201, made.text
        assert api.post(f"{APP}/roles/crm_admin/members", json={"user": builder.id}).status_code == 201
        assert {r["key"] for r in theirs.get(f"{APP}/roles").json()} >= {"sales", "crm_admin"}
        set_permissions(theirs, "products", [{"role": "sales", "actions": ["read"], "scope": "all"}])
        previewed = theirs.get(f"{APP}/forms/customers/preview/{east1[0]}")
        assert previewed.status_code == 200 and previewed.json()["total"] == 3
        renamed = theirs.patch(APP, json={"label": {"en": "Our CRM"}, "version": 1})
        assert renamed.status_code == 200, renamed.text
        # The installation's own business stays with its administrators.
        assert theirs.post("/api/v1/apps", json={"key": "other", "label": {"en": "Other"}}).status_code == 403
        assert theirs.delete(APP).status_code == 403
    with TestClient(app, headers={"Authorization": f"Bearer {east1[2]}"}) as salesperson:
        for answer in (salesperson.get(f"{APP}/roles"), salesperson.get(f"{APP}/forms/customers/preview/1"),
                       salesperson.put(f"{APP}/forms/customers", json={}),
                       salesperson.post(f"{APP}/forms/customers:publish"),
                       salesperson.post(f"{APP}/roles/sales/members", json={"user": east1[0]})):
            assert answer.status_code == 403, answer.text


def test_roles_and_the_matrix_travel_in_the_app_file(api, org):
    api.patch(f"{APP}/roles/sales", json={"menu": [{"type": "form", "form": "customers"}]})
    api.post(f"{APP}/roles", json={"key": "crm_admin", "label": {"en": "CRM admin"}, "admin": True})
    exported = api.get(f"{APP}:export").json()
    roles = {r["key"]: r for r in exported["roles"]}
    assert roles["crm_admin"]["admin"] is True
    assert roles["sales"]["menu"] == [{"type": "form", "form": "customers"}]
    assert all("members" not in r for r in roles.values())
    customers = next(f for f in exported["definitions"]["form"] if f["key"] == "customers")
    assert customers["permissions"][0]["fields"] == {"cus_annual_revenue": "none"}

    imported = api.post("/api/v1/apps:import", params={"key": "crm2"}, json=exported)
    assert imported.status_code in (200, 201), imported.text
    again = api.get("/api/v1/apps/crm2:export").json()
    assert again["roles"] == exported["roles"]
    assert again["definitions"] == exported["definitions"]
    members = {r["key"]: r["members"] for r in api.get("/api/v1/apps/crm2/roles").json()}
    assert members["sales"] == []  # members do not travel


def test_role_input_is_checked_and_changes_nothing(api, org):
    bad = api.post(f"{APP}/roles", json={"key": "Bad Key", "label": {"en": "x"}, "menu": [{"type": "nope"}]})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} >= {"key"}
    taken = api.post(f"{APP}/roles", json={"key": "sales", "label": {"en": "x"}})
    assert taken.status_code == 409
    both = api.post(f"{APP}/roles/sales/members", json={"user": 1, "department": 1})
    assert both.status_code == 422
    assert api.get(f"{APP}/roles/nope").status_code == 404
    assert {r["key"] for r in api.get(f"{APP}/roles").json()} == {"sales", "sales_manager", "service",
                                                                 "sales_director", "finance", "service_lead"}
