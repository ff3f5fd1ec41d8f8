"""What reaches a caller through other forms: lookups, rollups, formulas, links and their
titles are computed only from what the caller may read (issue 11, items 1, 2 and 6)."""

import json

import pytest
from sqlalchemy import text

from brickwork.engines.form.display import Names, display
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.transfer.jobs import principal
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import grant_role
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.test_access import people  # noqa: F401  (the fixture)

SALES = {"role": "sales", "actions": ["create", "read", "update"], "scope": "own"}
MANAGER = {"role": "manager", "actions": ["read"], "scope": "department_tree"}
CUSTOMERS = form(
    "customers", field("c1", "text", "name"), field("c2", "money", "revenue"),
    field("c3", "rollup", "deal_total", source="deals.customer", aggregate="sum", field="amount"),
    field("c4", "formula", "revenue_twice", formula="revenue * 2"),
    field("c5", "formula", "named", formula='CONCAT(name, "!")'),
    permissions=[{**SALES, "fields": {"c2": "none"}}, MANAGER])
DEALS = form(
    "deals", field("d1", "text", "title"), field("d2", "relation", "customer", target="customers"),
    field("d3", "money", "amount"),
    field("d4", "lookup", "customer_revenue", relation="d2", field="c2"),
    field("d5", "lookup", "customer_name", relation="d2", field="c1"),
    permissions=[SALES, MANAGER])


@pytest.fixture
def crm(api, people):  # noqa: F811
    first = form("customers", field("c1", "text", "name"), field("c2", "money", "revenue"))
    assert publish(api, first).status_code == 200
    assert publish(api, DEALS).status_code == 200
    published = publish(api, CUSTOMERS)
    assert published.status_code == 200, published.text
    return people


def reassign(sessions, form_key: str, record_id: int, username: str) -> None:
    """The record now belongs to someone else (and their department), as when a customer is
    handed over."""
    with transaction(sessions) as s:
        user = s.execute(text("SELECT u.id, m.department_id FROM users u JOIN memberships m ON m.user_id = u.id "
                              "WHERE u.username = :n"), {"n": username}).one()
        s.execute(text(f"UPDATE r1_{form_key} SET owner_id = :u, department_id = :d WHERE id = :id"),
                  {"u": user[0], "d": user[1], "id": record_id})


def test_a_lookup_reads_the_linked_record_through_the_callers_grant(api, crm, sessions):
    li = crm["li"]
    customer = li.post(records("customers"), json={"name": "Wang Co"}).json()
    deal = li.post(records("deals"), json={"title": "big", "customer": customer["id"], "amount": "10"}).json()
    api.patch(f"{records('customers')}/{customer['id']}", json={"version": 1, "revenue": "5000000"})
    mine = li.get(f"{records('deals')}/{deal['id']}").json()
    assert mine["customer_name"] == "Wang Co" and "customer_revenue" not in mine  # a field sales may not read
    rev = {"fn": ">", "args": [{"ref": "customer_revenue"}, {"lit": "1000", "type": "number"}]}
    assert li.get(records("deals"), params={"filter": json.dumps(rev)}).status_code == 403
    assert li.get(records("deals"), params={"sort": "customer_revenue"}).status_code in (403, 422)

    reassign(sessions, "customers", customer["id"], "wang")  # now outside Li's scope
    mine = li.get(f"{records('deals')}/{deal['id']}").json()
    assert mine["customer_name"] is None
    named = {"fn": "=", "args": [{"ref": "customer_name"}, {"lit": "Wang Co", "type": "text"}]}
    assert li.get(records("deals"), params={"filter": json.dumps(named)}).json()["total"] == 0
    assert api.get(records("deals"), params={"filter": json.dumps(named)}).json()["total"] == 1


def test_rollups_and_formulas_over_what_the_caller_may_not_read_are_hidden(api, crm):
    li, zhao = crm["li"], crm["zhao"]
    customer = li.post(records("customers"), json={"name": "Acme"}).json()
    li.post(records("deals"), json={"title": "a", "customer": customer["id"], "amount": "10"})
    api.post(records("deals"), json={"title": "b", "customer": customer["id"], "amount": "990"})
    for who in (li, zhao):  # neither reads every deal: the sum counts deals they may not see
        seen = who.get(f"{records('customers')}/{customer['id']}").json()
        assert "deal_total" not in seen
        assert all("deal_total" not in r for r in who.get(records("customers")).json()["items"])
        total = {"fn": ">", "args": [{"ref": "deal_total"}, {"lit": "500", "type": "number"}]}
        assert who.get(records("customers"), params={"filter": json.dumps(total)}).status_code == 403
    mine = li.get(f"{records('customers')}/{customer['id']}").json()
    assert "revenue_twice" not in mine  # over the revenue Li may not read
    assert mine["named"] == "Acme!"  # its inputs: readable
    assert "revenue_twice" in zhao.get(f"{records('customers')}/{customer['id']}").json()  # may read revenue
    assert api.get(f"{records('customers')}/{customer['id']}").json()["deal_total"] == "1000.00"


def test_linking_to_a_record_outside_the_scope_reads_as_linking_to_none(api, crm, sessions):
    li, wang = crm["li"], crm["wang"]
    theirs = wang.post(records("customers"), json={"name": "Wang's client"}).json()["id"]
    refused = li.post(records("deals"), json={"title": "x", "customer": theirs})
    missing = li.post(records("deals"), json={"title": "x", "customer": 424242})
    assert refused.status_code == missing.status_code == 422
    assert refused.json()["errors"][0]["message"] == f"There is no record {theirs} to link to."
    assert missing.json()["errors"][0]["message"] == "There is no record 424242 to link to."
    # A link made while the record was in scope stays: editing the deal does not lose it.
    mine = li.post(records("customers"), json={"name": "Li's client"}).json()["id"]
    deal = li.post(records("deals"), json={"title": "x", "customer": mine}).json()
    reassign(sessions, "customers", mine, "wang")
    kept = li.patch(f"{records('deals')}/{deal['id']}", json={"version": 1, "customer": mine, "title": "y"})
    assert kept.status_code == 200, kept.text
    with sessions() as session:  # pages, kanban and exports name it by its id alone
        deals = load_form(session, "crm", "deals")
        f = deals.field("customer")
        as_li = Names(session, [f], [{"customer": mine}], app_key="crm", who=principal(session, "li"))
        as_admin = Names(session, [f], [{"customer": mine}], app_key="crm", who=principal(session, None))
        assert display(f, mine, as_li) == f"#{mine}"
        assert display(f, mine, as_admin) == "Li's client"


def test_a_roles_actions_apply_within_its_own_scope(api, crm, sessions):
    """Zhao reads his department tree as a manager and updates his own records as a salesman:
    that is not leave to update everyone's records in the tree."""
    with transaction(sessions) as s:
        zhao_id = s.execute(text("SELECT id FROM users WHERE username = 'zhao'")).scalar_one()
        grant_role(s, zhao_id, "sales")
    li, zhao = crm["li"], crm["zhao"]
    lis = li.post(records("customers"), json={"name": "Li's"}).json()
    assert zhao.get(f"{records('customers')}/{lis['id']}").status_code == 200
    refused = zhao.patch(f"{records('customers')}/{lis['id']}", json={"version": 1, "name": "taken over"})
    assert refused.status_code == 403
    assert li.get(f"{records('customers')}/{lis['id']}").json()["name"] == "Li's"
    own = zhao.post(records("customers"), json={"name": "Zhao's"}).json()
    assert zhao.patch(f"{records('customers')}/{own['id']}", json={"version": 1, "name": "ok"}).status_code == 200
    with sessions() as session:  # the record page offers Edit only where it may be used
        service = RecordService(session, load_form(session, "crm", "customers"), principal(session, "zhao"))
        assert service.allowed(lis["id"]) == set() and service.allowed(own["id"]) == {"update"}


def test_a_lookup_within_one_form_reads_through_the_scope_too(api, people):  # noqa: F811
    staff = form("staff", field("s1", "text", "name"), field("s2", "relation", "manager", target="staff"),
                 permissions=[SALES])
    assert publish(api, staff).status_code == 200
    staff["fields"].append(field("s3", "lookup", "manager_name", relation="s2", field="s1"))
    assert publish(api, staff).status_code == 200
    boss = people["wang"].post(records("staff"), json={"name": "Wang the boss"}).json()["id"]
    mine = people["li"].post(records("staff"), json={"name": "Li"}).json()["id"]
    api.patch(f"{records('staff')}/{mine}", json={"version": 1, "manager": boss})
    assert people["li"].get(f"{records('staff')}/{mine}").json()["manager_name"] is None
    assert api.get(f"{records('staff')}/{mine}").json()["manager_name"] == "Wang the boss"


def test_a_delete_blocked_by_links_names_only_records_the_caller_may_read(api, people, sessions):  # noqa: F811
    mine = {"role": "sales", "actions": ["create", "read", "update", "delete"], "scope": "own"}
    assert publish(api, form("clients", field("k1", "text", "name"), permissions=[mine])).status_code == 200
    tasks = form("tasks", field("t1", "text", "title"), field("t2", "relation", "client", target="clients"),
                 permissions=[mine])
    assert publish(api, tasks).status_code == 200
    li = people["li"]
    client = li.post(records("clients"), json={"name": "Wang Co"}).json()
    hers = li.post(records("tasks"), json={"title": "call", "client": client["id"]}).json()
    theirs = li.post(records("tasks"), json={"title": "visit", "client": client["id"]}).json()
    reassign(sessions, "tasks", theirs["id"], "wang")  # now outside Li's scope

    refused = li.delete(f"{records('clients')}/{client['id']}")
    assert refused.status_code == 409
    said = refused.json()["errors"][0]["message"]
    assert said == f"Linked from 2 records, e.g. {hers['id']}."  # Wang's task is counted, not named
    reassign(sessions, "tasks", hers["id"], "wang")
    assert li.delete(f"{records('clients')}/{client['id']}").json()["errors"][0]["message"] == (
        "Linked from 2 records.")
