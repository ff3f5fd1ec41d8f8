"""The CRM's dashboards (issue 20): the sales rep's, the manager's and the boss's, each
report's numbers against a direct count of the seeded records in SQL; opening the app
lands each role on its board; the pool's audit trail. All definitions of the template."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.storage import column_name
from brickwork.platform.clock import app_zone, today
from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.org import add_member, create_department
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.jobs.schedules import fire_due
from brickwork.platform.models import User
from tests.templates.crm import RECORDS, Crm

BOARDS = {"dash_sales": ["rpt_my_funnel", "rpt_my_followups", "rpt_my_pool_deadlines"],
          "dash_manager": ["rpt_team_funnel", "rpt_leaderboard", "rpt_won_trend", "rpt_stalled"],
          "dash_boss": ["rpt_revenue_trend", "rpt_collection", "rpt_cus_by_region", "rpt_cus_by_industry",
                        "rpt_cus_by_source", "rpt_rfm", "rpt_key_accounts", "rpt_sla", "rpt_quotes_month"]}


def board(crm: Crm, who: str | None, key: str) -> dict[str, dict[str, Any]]:
    """A dashboard's cells by report, as ``who`` sees them (None: the administrator)."""
    got = (crm.clients[who] if who else crm.api).get(f"/api/v1/apps/crm/dashboards/{key}/data")
    assert got.status_code == 200, got.text
    cells = {c["report"]: c for c in got.json()["cells"]}
    assert not [c["error"] for c in cells.values() if "error" in c]
    return {k: c["data"] for k, c in cells.items()}


def column(sessions, form: str, key: str):
    """The storage column of a form's field, with its table, for a count in SQL."""
    with sessions() as s:
        f = load_form(s, "crm", form)
        return f.table, f.table.c[column_name(f.by_key[key].id)]


def sql(sessions, statement) -> list:
    with sessions() as s:
        return list(s.execute(statement))


def team(crm: Crm, sessions) -> None:
    """ann, bob and their manager mia in one department (mia's scope: its records)."""
    with transaction(sessions) as s:
        sales = create_department(s, "Sales")
        for name in ("ann", "bob", "mia"):
            add_member(s, crm.ids[name], sales.id)


def customer_of(crm: Crm, who: str) -> int:
    """The customer ``who`` holds (made on first use), for the records that need one."""
    held = crm.__dict__.setdefault("held", {})
    if who not in held:
        held[who] = crm.create("customers", who, name=f"{who} 的客户", owner=crm.ids[who], in_pool=False)["id"]
    return held[who]


def opportunity(crm: Crm, who: str, name: str, stage: str, amount: int, **values: Any) -> dict[str, Any]:
    values = {"opened_on": today().isoformat(), **values}
    return crm.create("opportunities", who, name=name, customer=customer_of(crm, who), stage=stage, amount=amount,
                      owner=crm.ids[who], **values)


def followup(crm: Crm, who: str, subject: str, **values: Any) -> dict[str, Any]:
    values = {"customer": customer_of(crm, who), "type": "ft_call", "time": utcnow().isoformat() + "Z", **values}
    return crm.create("followups", who, subject=subject, owner=crm.ids[who], **values)


def test_the_sales_rep_s_board_counts_only_their_own(crm, sessions, drain):
    opportunity(crm, "ann", "A1", "stg_needs", 1000)
    opportunity(crm, "ann", "A2", "stg_needs", 2000)
    opportunity(crm, "ann", "A3", "stg_quote", 5000)
    opportunity(crm, "ann", "A4", "stg_won", 9000, closed_on=today().isoformat())  # not open: not in the funnel
    opportunity(crm, "bob", "B1", "stg_needs", 7000)
    soon, later = today() + timedelta(days=2), today() + timedelta(days=20)
    followup(crm, "ann", "回访", next_followup_date=soon.isoformat())
    followup(crm, "ann", "下月再谈", next_followup_date=later.isoformat())
    followup(crm, "bob", "bob's", next_followup_date=soon.isoformat())
    drain()

    data = board(crm, "ann", "dash_sales")
    funnel = {r["d_stage"]: (r["m_count"], r["m_amount"]) for r in data["rpt_my_funnel"]["rows"]}
    table, stage = column(sessions, "opportunities", "stage")
    _, owner = column(sessions, "opportunities", "owner")
    _, amount = column(sessions, "opportunities", "amount")
    counted = sql(sessions, select(stage, func.count(), func.sum(amount)).where(
        owner == crm.ids["ann"], stage.not_in(["stg_won", "stg_lost"]), table.c.deleted_at.is_(None)).group_by(stage))
    assert {s: (n, str(Decimal(total).scaleb(-2))) for s, n, total in counted} == \
        {s: (n, str(Decimal(a))) for s, (n, a) in funnel.items()}
    assert {s: n for s, (n, _a) in funnel.items()} == {"stg_needs": 2, "stg_quote": 1}
    stages = [s["name"] for s in data["rpt_my_funnel"]["chart"]["stages"]]
    assert stages[:3] == ["stg_initial", "stg_needs", "stg_proposal"]  # in the select's order

    assert [(r["d_due"], r["d_subject"]) for r in data["rpt_my_followups"]["rows"]] == [(soon.isoformat(), "回访")]
    [deadline] = data["rpt_my_pool_deadlines"]["rows"]  # bob's customer is not listed
    held = crm.get("customers", customer_of(crm, "ann"))
    due = datetime.fromisoformat(held["pool_due_at"])
    owned = datetime.fromisoformat(held["owned_since"]).replace(microsecond=0)
    assert due >= owned + timedelta(days=30)  # moved on by the follow-ups made after
    assert deadline == {"d_due": due.astimezone(app_zone()).date().isoformat(), "d_customer": "ann 的客户",
                        "m_count": 1}


def won(crm: Crm, who: str, amount: int, closed: date) -> None:
    opportunity(crm, who, f"{who}-{amount}", "stg_won", amount, closed_on=closed.isoformat())


def test_the_manager_s_board_ranks_the_team_and_finds_stalled_deals(crm, sessions, drain, clock):
    team(crm, sessions)
    this_month = today().replace(day=1)
    won(crm, "ann", 30000, this_month)
    won(crm, "ann", 20000, this_month)
    won(crm, "bob", 40000, this_month)
    won(crm, "bob", 99000, this_month - timedelta(days=40))  # an earlier month: the trend, not the board
    weeks_ago = (utcnow() - timedelta(days=20)).isoformat() + "Z"
    stalled = opportunity(crm, "ann", "停滞", "stg_proposal", 8000, last_activity_at=weeks_ago)
    touched = opportunity(crm, "bob", "有跟进", "stg_quote", 6000, last_activity_at=weeks_ago)
    opportunity(crm, "bob", "新商机", "stg_initial", 3000)  # opened today, no activity since
    opportunity(crm, "bob", "旧商机", "stg_initial", 1000, opened_on=(today() - timedelta(days=30)).isoformat())
    followup(crm, "bob", "跟进", opportunity=touched["id"], time=(utcnow() - timedelta(days=1)).isoformat() + "Z")
    drain()

    for who in ("mia", "dan"):  # the department's manager, and the director (every record)
        data = board(crm, who, "dash_manager")
        leaders = data["rpt_leaderboard"]["chart"]["items"]
        assert [(i["rank"], i["name"], i["value"]) for i in leaders] == \
            [(1, crm.ids["ann"], "50000.00"), (2, crm.ids["bob"], "40000.00")]
        table, stage = column(sessions, "opportunities", "stage")
        _, owner = column(sessions, "opportunities", "owner")
        _, amount = column(sessions, "opportunities", "amount")
        _, closed = column(sessions, "opportunities", "closed_on")
        ranked = sql(sessions, select(owner, func.sum(amount)).where(stage == "stg_won", closed >= this_month)
                     .group_by(owner).order_by(func.sum(amount).desc()))
        assert [(o, str(Decimal(a).scaleb(-2))) for o, a in ranked] == \
            [(i["name"], i["value"]) for i in leaders]
        trend = {r["d_month"]: r["m_amount"] for r in data["rpt_won_trend"]["rows"]}
        earlier = (this_month - timedelta(days=40)).strftime("%Y-%m")
        assert (trend[this_month.strftime("%Y-%m")], trend[earlier]) == ("90000.00", "99000.00")
        # no activity for 14 days: by the last activity, else by the opening date
        assert [r["d_name"] for r in data["rpt_stalled"]["rows"]] == ["停滞", "旧商机"]
        funnel = {r["d_stage"]: r["m_count"] for r in data["rpt_team_funnel"]["rows"]}
        assert funnel == {"stg_proposal": 1, "stg_quote": 1, "stg_initial": 2}
    assert stalled["id"]


def test_the_boss_s_board_collection_profile_key_accounts_and_sla(crm, sessions, drain):
    for name, industry, source, score in (("甲", "ind_it", "src_website", 90), ("乙", "ind_it", "src_referral", 70),
                                          ("丙", "ind_retail", "src_website", 80)):
        crm.create("customers", name=name, industry=industry, source=source, region="330000/330100", owner=None,
                   in_pool=True, profit_score=score, potential_score=score, strategic_score=score,
                   relationship_score=score)
    customers = {r["name"]: r["id"] for r in crm.api.get(RECORDS.format("customers")).json()["items"]}
    first = crm.create("contracts", name="合同一", customer=customers["甲"], amount=100000, status="cs_active")
    second = crm.create("contracts", name="合同二", customer=customers["乙"], amount=50000, status="cs_active")
    for contract, paid in ((first, 60000), (second, 15000)):
        crm.create("payments", customer=contract["customer"], contract=contract["id"], kind="pk_received",
                   amount=paid, received_on=today().isoformat())
    now = utcnow()
    # urgent: resolved within 4 hours is on time (the deadline is computed from the priority)
    for resolved in (1, 5, 3, 2):  # three of four on time
        crm.create("tickets", title="工单", priority="pri_urgent", customer=customers["甲"], status="ts_closed",
                   reported_at=now.isoformat() + "Z", resolved_at=(now + timedelta(hours=resolved)).isoformat() + "Z")
    crm.create("tickets", title="未解决", priority="pri_low", customer=customers["甲"], status="ts_processing",
               reported_at=(now - timedelta(days=30)).isoformat() + "Z")  # past its deadline, not resolved: not counted
    drain()

    for who in ("dan", "fay"):
        data = board(crm, who, "dash_boss")
        [collection] = data["rpt_collection"]["rows"]
        assert (collection["m_amount"], collection["m_received"]) == ("150000.00", "75000.00")
        assert collection["m_rate"] == 50.0
        [sla] = data["rpt_sla"]["rows"]
        assert (sla["m_resolved"], sla["m_on_time"], sla["m_rate"]) == (4, 3, 75.0)
        table, industry = column(sessions, "customers", "industry")
        counted = dict(sql(sessions, select(industry, func.count()).where(table.c.deleted_at.is_(None))
                           .group_by(industry)))
        assert {r["d_industry"]: r["m_count"] for r in data["rpt_cus_by_industry"]["rows"]} == counted
        assert {r["d_source"]: r["m_count"] for r in data["rpt_cus_by_source"]["rows"]} == \
            {"src_website": 2, "src_referral": 1}
        assert data["rpt_cus_by_region"]["rows"] == [{"d_province": "330000", "m_count": 3}]
        keys = data["rpt_key_accounts"]["chart"]["items"]
        assert [i["name"] for i in keys] == ["甲", "丙", "乙"]  # by weighted score, highest first
        segments = {s["segment"]: s["customers"] for s in data["rpt_rfm"]["rfm"]["segments"]}
        assert sum(segments.values()) == 2  # the two customers who paid
        assert data["rpt_revenue_trend"]["rows"] == [{"d_month": today().strftime("%Y-%m"), "m_amount": "75000.00"}]


def test_every_board_shows_empty_on_an_empty_install(crm):
    for key, reports in BOARDS.items():
        data = board(crm, None, key)
        assert sorted(data) == sorted(reports)
    assert board(crm, "ann", "dash_sales")["rpt_my_funnel"]["rows"] == []


def test_opening_the_app_lands_each_role_on_its_board(crm):
    landing = {who: crm.clients[who].get("/api/v1/apps/crm/home").json()
               for who in ("ann", "mia", "dan", "fay")}
    assert {who: got["dashboard"] for who, got in landing.items()} == {
        "ann": "dash_sales", "mia": "dash_manager", "dan": "dash_boss", "fay": "dash_boss"}
    assert landing["ann"]["path"] == "/apps/crm/dashboards/dash_sales"
    # the app's designers keep the app page, where they build
    assert crm.api.get("/api/v1/apps/crm/home").json() == {"dashboard": None, "path": "/apps/crm/menu"}
    # a sales rep may not open the manager's board
    assert crm.clients["ann"].get("/api/v1/apps/crm/dashboards/dash_manager/data").status_code == 404


def test_the_pool_log_records_claim_assign_release_and_return(crm, drain, sessions, clock):
    first = crm.create("customers", name="成都天府", in_pool=True, owner=None)
    second = crm.create("customers", name="西安古城", in_pool=True, owner=None)
    assert crm.press("ann", "customers", first["id"], "cus_claim")["status"] == "succeeded"
    assert crm.press("ann", "customers", first["id"], "cus_release")["status"] == "succeeded"
    assert crm.press("mia", "customers", second["id"], "cus_assign")["status"] == "succeeded"
    given = crm.get("customers", second["id"])["owner"]
    assert given in (crm.ids["ann"], crm.ids["bob"])
    drain()
    fire_due(sessions, clock(30))  # 30 days untouched: back to the pool
    drain()
    assert crm.get("customers", second["id"])["in_pool"] is True
    rows = crm.clients["mia"].get(RECORDS.format("pool_log"), params={"sort": "id"}).json()["items"]
    seen = [(r["customer"], r["action"], r.get("from_owner"), r.get("to_owner"), r.get("by")) for r in rows]
    ann, mia = crm.ids["ann"], crm.ids["mia"]
    assert seen == [(first["id"], "pa_claim", None, ann, ann), (first["id"], "pa_release", ann, None, ann),
                    (second["id"], "pa_assign", None, given, mia), (second["id"], "pa_back_to_pool", given, None, None)]
    assert all(r["at"] for r in rows)
    # the sales reps have no access to it; the managers see it in their menu
    assert crm.clients["ann"].get(RECORDS.format("pool_log")).status_code == 403
    menu = crm.clients["mia"].get("/api/v1/apps/crm/menu").json()
    assert "pool_log" in {e.get("form") for e in menu}


def test_every_report_runs_on_the_demo_data(app, api, sessions, drain):
    """``brickwork templates install crm --demo-data 200``: every card has data, none an error;
    the sales rep's board as a demo salesperson."""
    installed = api.post("/api/v1/templates/crm:install", json={"demo_data": 200})
    assert installed.status_code == 201, installed.text
    drain()  # the rules on the demo records (the pool deadlines)
    table, owner = column(sessions, "opportunities", "owner")
    [(rep,)] = sql(sessions, select(owner).where(owner.is_not(None)).group_by(owner)
                   .order_by(func.count().desc(), owner).limit(1))
    with transaction(sessions) as s:
        token = create_token(s, s.get(User, rep).username, "tests")[1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as rep_client:
        for key, reports in BOARDS.items():
            client = rep_client if key == "dash_sales" else api
            got = client.get(f"/api/v1/apps/crm/dashboards/{key}/data")
            assert got.status_code == 200, got.text
            cells = got.json()["cells"]
            assert [c.get("error") for c in cells] == [None] * len(reports)
            filled = {c["report"] for c in cells if c["data"].get("rows") or c["data"].get("rfm", {}).get("customers")}
            assert filled >= set(reports) - {"rpt_my_followups", "rpt_stalled", "rpt_sla"}, key


@pytest.mark.browser
def test_a_sales_rep_opening_the_crm_on_a_phone_lands_on_their_desk(browser, live_server, live_api):
    """zh-CN at 390 px: signing in and opening the app shows the sales rep's own board."""
    from playwright.sync_api import expect

    assert live_api.post("/api/v1/templates/crm:install").status_code == 201
    password = "a-long-password-1"
    rep = live_api.post("/api/v1/users", json={"username": "lin", "display_name": "林", "password": password})
    assert rep.status_code == 201, rep.text
    added = live_api.post("/api/v1/apps/crm/roles/sales/members", json={"user": rep.json()["id"]})
    assert added.status_code == 201, added.text
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login")
    page.locator("input[name=username]").fill("lin")
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/apps/crm")
    expect(page).to_have_url(f"{live_server.url}/apps/crm/dashboards/dash_sales")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    expect(page.get_by_text("我的销售漏斗")).to_be_visible()
    expect(page.get_by_test_id("card-chart")).to_have_count(3)
    expect(page.get_by_test_id("card-empty")).to_have_count(3)  # a new install: empty, not an error
    expect(page.get_by_test_id("card-empty").first).to_have_text("没有数据。")
    assert errors == []
    context.close()
