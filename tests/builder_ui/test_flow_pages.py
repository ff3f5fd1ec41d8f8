"""The flow pages over HTTP: the record page offers "Submit for approval" and, once
submitted, shows the state and the approval instead of editing; the inbox lists and pages
the boxes; the approval page leaves out what the reader's step hides and is nobody else's."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, create_role, grant_role, set_heads
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import User
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.platform.test_org_api import sign_in_with

PASSWORD = "Long-enough-pw-42"
STAFF = {"role": "staff", "actions": ["create", "read", "update"], "scope": "own"}
EXPENSES = form("expenses", field("e_title", "text", "title"), field("e_amount", "number", "amount"),
                field("e_cost", "text", "cost_centre"), permissions=[STAFF])


def claims(finance: int) -> dict:
    return {"key": "claims", "label": {"en": "Expense claims", "zh-CN": "报销"}, "form": "expenses",
            "root": {"id": "start", "type": "start",
                     "next": {"id": "manager", "type": "approval", "approvers": [{"source": "direct_manager"}],
                              "next": {"id": "finance", "type": "approval",
                                       "approvers": [{"source": "users", "users": [finance]}],
                                       "permissions": {"cost_centre": "hidden"}}}}}


@pytest.fixture
def staff(app, api, sessions):
    """Emma reports to Mark; Fiona is finance; Olga has nothing to do with it. Each signed in."""
    assert publish(api, EXPENSES).status_code == 200
    with transaction(sessions) as s:
        ids = {n: create_user(s, n.lower(), PASSWORD, display_name=n).id for n in ("Emma", "Mark", "Fiona", "Olga")}
        sales = create_department(s, "Sales")
        set_heads(s, sales.id, [ids["Mark"]])
        create_role(s, "staff", {"en": "Staff"})
        for uid in ids.values():
            add_member(s, uid, sales.id, main=True)
            grant_role(s, uid, "staff")
        s.get(User, ids["Emma"]).manager_id = ids["Mark"]
    assert api.put(f"{APP}/definitions/flow/claims", json=claims(ids["Fiona"])).status_code == 200
    assert api.post(f"{APP}/definitions/flow/claims:publish").status_code == 200
    clients = {}
    for name in ids:
        client = TestClient(app, headers={"Accept-Language": "en"})
        assert sign_in_with(client, name.lower(), PASSWORD).status_code == 303
        clients[name] = client
    yield ids, clients
    for client in clients.values():
        client.close()


def _token(client) -> str:
    """The CSRF token a page gives its scripts."""
    return client.get("/me").text.split('"X-CSRF-Token": "')[1].split('"')[0]


def start(emma_client, record_id: int) -> int:
    done = emma_client.post(f"{APP}/flows/claims:start", json={"record_id": record_id},
                            headers={"X-CSRF-Token": _token(emma_client)})
    assert done.status_code == 201, done.text
    return done.json()["id"]


def test_the_record_page_offers_the_flow_then_shows_the_approval_instead_of_editing(api, staff):
    ids, clients = staff
    emma = clients["Emma"]
    record_id = emma.post(records("expenses"), json={"title": "Taxi", "amount": 80, "cost_centre": "CC-9"},
                          headers={"X-CSRF-Token": _token(emma)}).json()["id"]
    page = emma.get(f"/apps/crm/forms/expenses/records/{record_id}").text
    assert 'data-flow-submit="claims"' in page and "Submit for approval" in page
    start(emma, record_id)
    page = emma.get(f"/apps/crm/forms/expenses/records/{record_id}").text
    assert 'data-testid="flow-state">In approval' in page
    assert "data-flow-submit" not in page and f"/records/{record_id}/edit" not in page
    assert 'data-testid="approval-withdraw"' in page and "Mark" in page  # the current step's person


def test_the_inbox_pages_its_boxes_and_the_approval_page_hides_what_the_step_hides(api, staff):
    ids, clients = staff
    emma, mark, fiona = clients["Emma"], clients["Mark"], clients["Fiona"]
    instances = []
    for n in range(22):
        rid = emma.post(records("expenses"), json={"title": f"Claim {n}", "amount": n, "cost_centre": "CC-9"},
                        headers={"X-CSRF-Token": _token(emma)}).json()["id"]
        instances.append(start(emma, rid))
    inbox = mark.get("/inbox")
    assert inbox.status_code == 200
    assert inbox.text.count('data-testid="inbox-item"') == 20 and ">22</span>" in inbox.text
    more = inbox.text.split('data-testid="inbox-more"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    rest = mark.get(more).text
    assert rest.count('data-testid="inbox-item"') == 2 and "Claim 0" in rest and "Claim 21" not in rest
    started = emma.get("/inbox?box=started").text
    assert "Claim 21" in started and "Expense claims" in started
    first = instances[0]
    page = mark.get(f"/inbox/{first}").text
    assert "CC-9" in page and 'data-testid="approval-approve"' in page
    task = next(t["id"] for t in mark.get(f"/api/v1/flow-instances/{first}").json()["tasks"]
                if t["state"] == "open")
    assert mark.post(f"/api/v1/flow-tasks/{task}:approve", json={}, headers={"X-CSRF-Token": _token(mark)}
                     ).status_code == 200
    page = fiona.get(f"/inbox/{first}").text
    assert "Claim 0" in page and "CC-9" not in page and 'data-key="cost_centre"' not in page
    assert clients["Olga"].get(f"/inbox/{first}").status_code == 404
    assert clients["Olga"].get("/inbox?box=nope").status_code == 422
