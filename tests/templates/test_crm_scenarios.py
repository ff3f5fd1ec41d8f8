"""The CRM 2.0 at work, as its people use it: through the API, with the rules and flows of
the template run by the job system (issue 20). Nothing here is CRM code: every behaviour
is a definition of the shipped template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.org import grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs.schedules import fire_due

RECORDS = "/api/v1/apps/crm/forms/{}/records"
PEOPLE = {"ann": "sales", "bob": "sales", "mia": "sales_manager", "dan": "sales_director", "fay": "finance"}


class Crm:
    """The installed CRM and its people, each with their own client."""

    def __init__(self, api, clients: dict[str, TestClient], ids: dict[str, int]):
        self.api, self.clients, self.ids = api, clients, ids

    def create(self, form: str, who: str | None = None, **values: Any) -> dict[str, Any]:
        made = (self.clients[who] if who else self.api).post(RECORDS.format(form), json=values)
        assert made.status_code == 201, made.text
        return made.json()

    def get(self, form: str, record_id: int) -> dict[str, Any]:
        return self.api.get(f"{RECORDS.format(form)}/{record_id}").json()

    def edit(self, form: str, record_id: int, **values: Any) -> dict[str, Any]:
        current = self.get(form, record_id)
        done = self.api.patch(f"{RECORDS.format(form)}/{record_id}", json={**values, "version": current["version"]})
        assert done.status_code == 200, done.text
        return done.json()

    def press(self, who: str, form: str, record_id: int, rule: str) -> dict[str, Any]:
        done = self.clients[who].post(f"{RECORDS.format(form)}/{record_id}:run-rule/{rule}")
        assert done.status_code == 200, done.text
        return done.json()

    def bell(self, who: str) -> list[str]:
        return [n["text"] for n in self.clients[who].get("/api/v1/notifications").json()["items"]]

    def task(self, who: str, instance: int) -> int:
        view = self.api.get(f"/api/v1/flow-instances/{instance}").json()
        [task] = [t["id"] for t in view["tasks"] if t["assignee"] == self.ids[who] and t["state"] == "open"]
        return task

    def act(self, who: str, instance: int, action: str, **body: Any) -> dict[str, Any]:
        done = self.clients[who].post(f"/api/v1/flow-tasks/{self.task(who, instance)}:{action}", json=body)
        assert done.status_code == 200, done.text
        return done.json()

    def waiting_on(self, instance: int) -> set[str]:
        names = {v: k for k, v in self.ids.items()}
        view = self.api.get(f"/api/v1/flow-instances/{instance}").json()
        return {names.get(t["assignee"], "?") for t in view["tasks"] if t["state"] == "open"}


@pytest.fixture
def crm(app, api, sessions):
    installed = api.post("/api/v1/templates/crm:install")
    assert installed.status_code == 201, installed.text
    ids, tokens = {}, {}
    with transaction(sessions) as s:
        for name, role in PEOPLE.items():
            ids[name] = create_user(s, name, "a-long-password-1", display_name=name.title()).id
            grant_role(s, ids[name], role)
            tokens[name] = create_token(s, name, "tests")[1]
    clients = {name: TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
               for name, token in tokens.items()}
    yield Crm(api, clients, ids)
    for client in clients.values():
        client.close()


@pytest.fixture
def clock(monkeypatch):
    """``clock(days)`` moves "now" that many days ahead for what reads the time of day:
    formulas (TODAY(), NOW()), conditions and defaults; returns the moved time (naive UTC)."""
    import brickwork.engines.form.conditions as conditions
    import brickwork.engines.form.onread as onread
    import brickwork.engines.form.records as records
    import brickwork.engines.form.values as values
    import brickwork.platform.clock as clock_module

    real_now = clock_module.now

    def move(days: float):
        def moved():
            return real_now() + timedelta(days=days)

        for module in (clock_module, conditions, onread, records, values):
            monkeypatch.setattr(module, "now", moved)
        monkeypatch.setattr(values, "today", lambda: moved().astimezone(clock_module.app_zone()).date())
        return utcnow() + timedelta(days=days)
    return move


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
