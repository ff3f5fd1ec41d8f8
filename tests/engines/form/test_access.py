"""One access check for every read and write: actions, row scope, field permissions."""

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import field, form, publish, records

URL = records("leads")


def leads(*permissions):
    return form("leads", field("f_name", "text", "name"), field("f_cost", "money", "cost"),
                permissions=list(permissions))


@pytest.fixture
def people(app, sessions):
    """Two sales reps in two departments under one head office, and their clients."""
    with transaction(sessions) as s:
        head = create_department(s, "Head office")
        east, west = create_department(s, "East", head.id), create_department(s, "West", head.id)
        create_role(s, "sales", {"en": "Sales"})
        create_role(s, "manager", {"en": "Manager"})
        tokens = {}
        for name, dept, role in (("li", east, "sales"), ("wang", west, "sales"), ("zhao", head, "manager")):
            user = create_user(s, name, "password-1")
            add_member(s, user.id, dept.id)
            grant_role(s, user.id, role)
            tokens[name] = create_token(s, name)[1]
    clients = {name: TestClient(app, headers={"Authorization": f"Bearer {t}", "Accept-Language": "en"})
               for name, t in tokens.items()}
    yield clients
    for client in clients.values():
        client.close()


SALES_OWN = {"role": "sales", "actions": ["create", "read", "update"], "scope": "own",
             "fields": {"f_cost": "none"}}
MANAGER_TREE = {"role": "manager", "actions": ["read"], "scope": "department_tree"}


def test_own_scope_hides_other_owners_records_everywhere(api, people):
    publish(api, leads(SALES_OWN, MANAGER_TREE))
    li, wang = people["li"], people["wang"]
    mine = li.post(URL, json={"name": "Li's lead"}).json()
    wang.post(URL, json={"name": "Wang's lead"})
    assert [r["name"] for r in li.get(URL).json()["items"]] == ["Li's lead"]
    assert li.get(URL).json()["total"] == 1
    theirs = wang.get(URL).json()["items"][0]["id"]
    assert li.get(f"{URL}/{theirs}").status_code == 404
    assert li.patch(f"{URL}/{theirs}", json={"version": 1, "name": "mine now"}).status_code == 404
    assert li.get(f"{URL}/{theirs}/history").status_code == 404
    assert li.delete(f"{URL}/{mine['id']}").status_code == 403  # no delete action for sales
    assert wang.get(URL).json()["items"][0]["name"] == "Wang's lead"


def test_a_field_without_read_permission_never_appears(api, people):
    publish(api, leads(SALES_OWN, MANAGER_TREE))
    li = people["li"]
    created = li.post(URL, json={"name": "x"})
    assert "cost" not in created.json()
    rid = created.json()["id"]
    api.patch(f"{URL}/{rid}", json={"version": 1, "cost": "99"})
    assert "cost" not in li.get(f"{URL}/{rid}").json()
    assert all("cost" not in r for r in li.get(URL).json()["items"])
    history = li.get(f"{URL}/{rid}/history").json()
    assert all("cost" not in h["changes"] for h in history)
    refused = li.post(URL, json={"name": "y", "cost": "5"})
    assert refused.status_code == 422 and refused.json()["errors"][0] == {
        "field": "cost", "code": "read_only", "message": "This field cannot be changed here."}
    assert li.get(URL, params={"sort": "cost"}).status_code == 403


def test_department_tree_sees_the_departments_below(api, people):
    publish(api, leads(SALES_OWN, MANAGER_TREE))
    people["li"].post(URL, json={"name": "east"})
    people["wang"].post(URL, json={"name": "west"})
    api.post(URL, json={"name": "admin's, no department"})
    seen = sorted(r["name"] for r in people["zhao"].get(URL).json()["items"])
    assert seen == ["east", "west"]
    assert people["zhao"].post(URL, json={"name": "z"}).status_code == 403


def test_without_a_permission_entry_nothing_is_allowed(api, people):
    publish(api, leads())
    assert people["li"].get(URL).status_code == 403
    assert people["li"].post(URL, json={"name": "x"}).status_code == 403
    assert api.get(URL).status_code == 200  # administrators see everything


def test_filtering_on_a_hidden_field_is_refused(api, people):
    """Otherwise "cost > 1000" would reveal, one guess at a time, what the field hides."""
    import json

    publish(api, leads(SALES_OWN, MANAGER_TREE))
    li = people["li"]
    li.post(URL, json={"name": "x"})
    probe = {"fn": ">", "args": [{"ref": "cost"}, {"lit": "1000", "type": "number"}]}
    refused = li.get(URL, params={"filter": json.dumps(probe)})
    assert refused.status_code == 403
    by_id = {"fn": ">", "args": [{"ref": "f_cost"}, {"lit": "1000", "type": "number"}]}
    assert li.get(URL, params={"filter": json.dumps(by_id)}).status_code == 403


def test_a_condition_scope_limits_rows(api, people):
    big_only = {"role": "sales", "actions": ["read"],
                "scope": {"fn": "CONTAINS", "args": [{"ref": "f_name"}, {"lit": "vip", "type": "text"}]}}
    publish(api, leads(big_only))
    api.post(f"{URL}:bulk", json={"records": [{"name": "VIP client"}, {"name": "small client"}]})
    assert [r["name"] for r in people["wang"].get(URL).json()["items"]] == ["VIP client"]


def test_a_malformed_row_condition_is_refused_when_the_form_is_saved(api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    bad = leads({"role": "sales", "actions": ["read"], "scope": {"fn": "NOPE", "args": []}},
                {"role": "manager", "actions": ["read"], "fields": {"f_missing": "none"}})
    refused = api.put("/api/v1/apps/crm/forms/leads", json=bad)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"$"}
    assert len(refused.json()["errors"]) == 1 or "NOPE" in refused.text


def test_department_tree_follows_a_move_of_the_org_chart(api, people):
    """Moving a department out from under the manager's takes its records out of their view
    at once; moving it back brings them back (the scope is the tree as it is now)."""
    publish(api, leads(SALES_OWN, MANAGER_TREE))
    people["li"].post(URL, json={"name": "east"})
    people["wang"].post(URL, json={"name": "west"})
    west = next(d for d in api.get("/api/v1/departments").json() if d["name"] == "West")
    moved = api.patch(f"/api/v1/departments/{west['id']}", json={"parent_id": None, "version": west["version"]})
    assert moved.status_code == 200 and moved.json()["path"] == "West"
    assert [r["name"] for r in people["zhao"].get(URL).json()["items"]] == ["east"]
    api.patch(f"/api/v1/departments/{west['id']}", json={"parent_id": west["parent_id"],
                                                          "version": moved.json()["version"]})
    assert sorted(r["name"] for r in people["zhao"].get(URL).json()["items"]) == ["east", "west"]
