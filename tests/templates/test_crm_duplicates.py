"""The CRM template switches duplicate detection on for customers (fuzzy names) and
contacts (phone, email): two duplicate customers are found and merged with their
opportunities and contacts moved to the survivor, through the records API."""

from __future__ import annotations

from brickwork.platform.db import transaction
from tests.templates.install import install_crm

CRM = "/api/v1/apps/crm/forms"


def test_duplicate_customers_and_contacts_are_found_and_merged(api, sessions, admin):
    with transaction(sessions) as session:
        install_crm(session, admin.id)
    made = [api.post(f"{CRM}/customers/records", json={"name": name})
            for name in ("上海某某科技有限公司", "上海某某科技")]
    assert [m.status_code for m in made] == [201, 201], made[1].text
    survivor, loser = (m.json() for m in made)
    assert [h["id"] for h in loser["_meta"]["duplicates"]["items"]] == [survivor["id"]]
    deals = [api.post(f"{CRM}/opportunities/records", json={"name": f"Deal {c['id']}", "customer": c["id"],
                                                             "stage": "stg_initial"}) for c in (survivor, loser)]
    assert [d.status_code for d in deals] == [201, 201], deals[1].text
    contacts = [api.post(f"{CRM}/contacts/records", json={"name": "王经理", "customer": c["id"], "phone": phone})
                for c, phone in ((survivor, "+86 138-0013-8000"), (loser, "13800138000"))]
    assert [c.status_code for c in contacts] == [201, 201], contacts[1].text
    assert contacts[1].json()["_meta"]["duplicates"]["items"][0]["id"] == contacts[0].json()["id"]
    scan = api.get(f"{CRM}/customers/duplicates").json()
    assert [g["ids"] for g in scan["items"]] == [[survivor["id"], loser["id"]]]

    loser = api.get(f"{CRM}/customers/records/{loser['id']}").json()
    survivor = api.get(f"{CRM}/customers/records/{survivor['id']}").json()
    merged = api.post(f"{CRM}/customers/records/{survivor['id']}:merge", json={
        "version": survivor["version"], "loser": loser["id"], "loser_version": loser["version"]})
    assert merged.status_code == 200, merged.text
    for deal in deals:
        assert api.get(f"{CRM}/opportunities/records/{deal.json()['id']}").json()["customer"] == survivor["id"]
    moved = api.get(f"{CRM}/contacts/records/{contacts[1].json()['id']}").json()
    assert moved["customer"] == survivor["id"]
