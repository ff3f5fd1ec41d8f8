"""A form's owner field: the record belongs to the person in it, so the row scopes own,
department and department_tree follow a customer assigned, transferred or put back in the
pool, not whoever typed it in."""

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import APP, field, form, publish, records

URL = records("customers")
SALES_OWN = {"role": "sales", "actions": ["create", "read", "update"], "scope": "own"}
MANAGER_DEPARTMENT = {"role": "manager", "actions": ["read", "update"], "scope": "department"}


def customers(owner_field: str | None = "c_owner") -> dict:
    extra = {"owner_field": owner_field} if owner_field else {}
    return form("customers", field("c_name", "text", "name"), field("c_owner", "user", "owner"),
                permissions=[SALES_OWN, MANAGER_DEPARTMENT], **extra)


@pytest.fixture
def people(app, sessions):
    """A rep and their manager in East, the same in West."""
    clients, ids = {}, {}
    with transaction(sessions) as s:
        create_role(s, "sales", {"en": "Sales"})
        create_role(s, "manager", {"en": "Manager"})
        for place, rep, boss in (("East", "li", "east_boss"), ("West", "wang", "west_boss")):
            department = create_department(s, place)
            for name, role in ((rep, "sales"), (boss, "manager")):
                user = create_user(s, name, "password-1")
                add_member(s, user.id, department.id)
                grant_role(s, user.id, role)
                ids[name] = user.id
                clients[name] = TestClient(app, headers={"Authorization": f"Bearer {create_token(s, name)[1]}"})
    yield clients, ids
    for client in clients.values():
        client.close()


def who_sees(clients: dict, record_id: int) -> list[str]:
    return sorted(name for name, client in clients.items() if client.get(f"{URL}/{record_id}").status_code == 200)


def test_the_owner_and_their_department_see_a_record_someone_else_entered(api, people):
    clients, ids = people
    publish(api, customers())
    made = api.post(URL, json={"name": "ACME", "owner": ids["li"]}).json()
    assert who_sees(clients, made["id"]) == ["east_boss", "li"]
    assert [r["name"] for r in clients["li"].get(URL).json()["items"]] == ["ACME"]


def test_a_transfer_moves_the_record_to_the_new_owner_and_their_department(api, people):
    clients, ids = people
    publish(api, customers())
    made = api.post(URL, json={"name": "ACME", "owner": ids["li"]}).json()
    moved = api.patch(f"{URL}/{made['id']}", json={"owner": ids["wang"], "version": made["version"]})
    assert moved.status_code == 200, moved.text
    assert who_sees(clients, made["id"]) == ["wang", "west_boss"]
    # the rep's own claim: she takes a customer nobody owns
    pool = api.post(URL, json={"name": "In the pool"}).json()
    assert who_sees(clients, pool["id"]) == []  # nobody owns it
    claimed = api.patch(f"{URL}/{pool['id']}", json={"owner": ids["li"], "version": pool["version"]})
    assert claimed.status_code == 200
    assert who_sees(clients, pool["id"]) == ["east_boss", "li"]


def test_without_an_owner_field_the_creator_owns_the_record(api, people):
    clients, ids = people
    publish(api, customers(owner_field=None))
    made = clients["wang"].post(URL, json={"name": "Wang's", "owner": ids["li"]}).json()
    assert who_sees(clients, made["id"]) == ["wang", "west_boss"]


def test_choosing_an_owner_field_later_hands_existing_records_to_their_owners(api, people):
    clients, ids = people
    publish(api, customers(owner_field=None))
    made = api.post(URL, json={"name": "ACME", "owner": ids["wang"]}).json()
    assert who_sees(clients, made["id"]) == []  # entered by the administrator: nobody else's
    assert publish(api, customers()).status_code == 200
    assert who_sees(clients, made["id"]) == ["wang", "west_boss"]


def test_the_owner_field_must_hold_one_person(api):
    publish(api, customers(owner_field=None))
    refused = api.put(f"{APP}/forms/customers", json=customers(owner_field="c_name"))
    assert refused.status_code == 422
    assert "owner field" in refused.text
