"""The CRM 2.0 at work, as its people use it: through the API, with the rules and flows of
the template run by the job system (issue 20). Nothing here is CRM code: every behaviour
is a definition of the shipped template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from brickwork.platform.db import utcnow
from brickwork.platform.jobs.schedules import fire_due
from tests.templates.crm import RECORDS, Crm


def test_a_lead_reaching_60_points_becomes_an_mql_assigned_in_turn_and_its_owner_is_told(crm, drain):
    fair = crm.create("campaigns", name="2026 春季展会", channel="chn_exhibition", cost="50000")
    first = crm.create("leads", name="周敏", company="杭州云帆", source="lsrc_website", campaign=fair["id"],
                       form_filled=True)
    drain()
    assert crm.get("leads", first["id"])["score"] == "20"  # the form filled
    crm.edit("leads", first["id"], emails_opened=1)
    drain()
    assert crm.get("leads", first["id"])["score"] == "30"
    assert crm.get("leads", first["id"])["status"] == "ls_new"
    crm.edit("leads", first["id"], meetings_held=1)
    drain()
    lead = crm.get("leads", first["id"])
    assert (lead["score"], lead["status"], lead["owner"]) == ("60", "ls_mql", crm.ids["ann"])
    assert lead["mql_at"]
    assert any("周敏" in text for text in crm.bell("ann"))
    assert crm.bell("bob") == []
    # the next one goes to the next salesperson in turn
    second = crm.create("leads", name="吴昊", form_filled=True, meetings_held=0)
    crm.edit("leads", second["id"], meetings_held=1)
    drain()
    crm.edit("leads", second["id"], emails_opened=1)
    drain()
    assert crm.get("leads", second["id"])["owner"] == crm.ids["bob"]
    assert any("吴昊" in text for text in crm.bell("bob"))
    # the salesperson sees the lead given to them, not the other's
    mine = crm.clients["ann"].get(RECORDS.format("leads")).json()["items"]
    assert [r["id"] for r in mine] == [first["id"]]


def test_a_customer_untouched_for_30_days_goes_back_to_the_pool_after_a_warning_on_day_27(
        crm, drain, sessions, clock):
    pooled = crm.create("customers", name="苏州远景", in_pool=True, owner=None)
    kept = crm.create("customers", name="宁波海创", in_pool=True, owner=None)
    for customer in (pooled, kept):
        done = crm.press("ann", "customers", customer["id"], "cus_claim")
        assert done["status"] == "succeeded", done
    claimed = crm.get("customers", pooled["id"])
    assert (claimed["owner"], claimed["in_pool"]) == (crm.ids["ann"], False)
    assert claimed["owned_since"]
    # ann follows one of them up on day 20
    crm.create("followups", "ann", subject="回访", customer=kept["id"], type="ft_visit",
               time=(utcnow() + timedelta(days=20)).isoformat() + "Z")

    fire_due(sessions, clock(26))  # day 26: nothing yet
    drain()
    assert crm.bell("ann") == []
    fire_due(sessions, clock(27))  # day 27: the owner is warned, the customer still hers
    drain()
    warned = crm.bell("ann")
    assert len(warned) == 1 and "苏州远景" in warned[0] and "3" in warned[0]
    assert crm.get("customers", pooled["id"])["owner"] == crm.ids["ann"]

    fire_due(sessions, clock(30))  # day 30: back in the pool, no owner; the followed-up one stays
    drain()
    back = crm.get("customers", pooled["id"])
    assert (back["in_pool"], back.get("owner")) == (True, None)
    assert back["pool_entered_at"]
    assert crm.get("customers", kept["id"])["owner"] == crm.ids["ann"]
    told = crm.bell("ann")
    assert len(told) == 2 and "苏州远景" in told[0]  # newest first: the return itself
    # the pool view lists it again, and bob may claim it
    pool = crm.api.get(RECORDS.format("customers"), params={"view": "view_cus_pool"}).json()["items"]
    assert pooled["id"] in [r["id"] for r in pool] and kept["id"] not in [r["id"] for r in pool]
    assert crm.press("bob", "customers", pooled["id"], "cus_claim")["status"] == "succeeded"
    assert crm.get("customers", pooled["id"])["owner"] == crm.ids["bob"]


def test_claim_assign_and_release_keep_the_cap_on_customers_held(crm, drain, sessions):
    first = crm.create("customers", name="成都天府", in_pool=True, owner=None)
    crm.press("ann", "customers", first["id"], "cus_claim")
    released = crm.press("ann", "customers", first["id"], "cus_release")
    assert released["status"] == "succeeded", released
    back = crm.get("customers", first["id"])
    assert (back["in_pool"], back.get("owner")) == (True, None)
    assigned = crm.press("mia", "customers", first["id"], "cus_assign")
    assert assigned["status"] == "succeeded", (assigned["error"], assigned["actions"])
    assert crm.get("customers", first["id"])["owner"] in (crm.ids["ann"], crm.ids["bob"])
    # 50 customers held: the 51st claim is refused and the customer stays in the pool
    rows = [{"name": f"客户{i}", "owner": crm.ids["ann"], "in_pool": False} for i in range(50)]
    assert crm.api.post(RECORDS.format("customers") + ":bulk", json={"records": rows}).status_code == 201
    extra = crm.create("customers", name="厦门鹭岛", in_pool=True, owner=None)
    refused = crm.press("ann", "customers", extra["id"], "cus_claim")
    assert refused["status"] == "failed" and "50" in refused["error"]
    assert crm.get("customers", extra["id"])["in_pool"] is True


def quote(crm: Crm, who: str, price: str, discount: str) -> dict[str, Any]:
    product = crm.create("products", name="ERP 企业版", code="ERP-ENT", price=price)
    customer = crm.create("customers", name="上海启明", in_pool=True, owner=None)
    crm.press(who, "customers", customer["id"], "cus_claim")
    return crm.create("quotes", who, title="ERP 企业版报价", customer=customer["id"],
                      lines=[{"product": product["id"], "quantity": "1", "unit_price": price, "discount": discount}])


def test_a_quote_of_120000_with_20_percent_off_goes_to_the_manager_the_director_and_finance(crm, drain):
    made = quote(crm, "ann", "150000", "20")
    assert (made["total"], made["max_discount"]) == ("120000.00", "20.00")
    started = crm.clients["ann"].post("/api/v1/apps/crm/flows/quote_approval:start", json={"record_id": made["id"]})
    assert started.status_code == 201, started.text
    instance = started.json()["id"]
    assert crm.waiting_on(instance) == {"mia"}
    crm.act("mia", instance, "approve", comment="同意")
    assert crm.waiting_on(instance) == {"dan"}
    returned = crm.act("dan", instance, "return", comment="交付周期写清楚")
    assert returned["state"] == "returned" and crm.waiting_on(instance) == {"ann"}
    mine = crm.clients["ann"].get(f"/api/v1/flow-instances/{instance}").json()
    again = crm.clients["ann"].post(f"/api/v1/flow-instances/{instance}:resubmit", json={
        "values": {"title": "ERP 企业版报价（含交付周期）"}, "version": mine["record"]["version"]})
    assert again.status_code == 200, again.text
    assert again.json()["state"] == "running"
    while crm.waiting_on(instance) & {"mia", "dan"}:  # the path again from the start
        crm.act(crm.waiting_on(instance).pop(), instance, "approve")
    assert crm.waiting_on(instance) == {"fay"}  # a discount over 15 %: finance as well
    crm.act("fay", instance, "approve")
    assert crm.api.get(f"/api/v1/flow-instances/{instance}").json()["state"] == "approved"
    drain()
    done = crm.get("quotes", made["id"])
    assert (done["status"], done["title"]) == ("qs_approved", "ERP 企业版报价（含交付周期）")


def test_a_small_quote_with_a_small_discount_needs_the_manager_only(crm, drain):
    made = quote(crm, "ann", "10000", "5")
    instance = crm.clients["ann"].post("/api/v1/apps/crm/flows/quote_approval:start",
                                       json={"record_id": made["id"]}).json()["id"]
    crm.act("mia", instance, "approve")
    assert crm.api.get(f"/api/v1/flow-instances/{instance}").json()["state"] == "approved"


def test_a_contract_over_100000_needs_the_manager_the_director_and_finance(crm, drain):
    customer = crm.create("customers", name="青岛海岳", in_pool=True, owner=None)
    crm.press("ann", "customers", customer["id"], "cus_claim")
    contract = crm.create("contracts", "ann", name="ERP 实施合同", customer=customer["id"], amount="300000")
    instance = crm.clients["ann"].post("/api/v1/apps/crm/flows/contract_approval:start",
                                       json={"record_id": contract["id"]}).json()["id"]
    for who in ("mia", "dan", "fay"):
        assert crm.waiting_on(instance) == {who}
        crm.act(who, instance, "approve")
    drain()
    assert crm.get("contracts", contract["id"])["status"] == "cs_active"
