"""The CRM's nurture, campaigns and care at work (issue 20), through the API and the job
system with the clock moved: a journey of three mails that stops when the lead replies,
birthday and contract-anniversary greetings arriving at a real SMTP server (aiosmtpd) in
the reader's language, a campaign's ROI, and the owner reminded 30 days after an order.
Nothing here is CRM code: every behaviour is a definition of the shipped template."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import select

from brickwork.platform import clock as clock_module
from brickwork.platform.db import transaction, utcnow
from brickwork.platform.jobs.schedules import fire_due
from brickwork.platform.models import RuleRun, User
from tests.support.jobs import time_passes

CONNECTIONS = "/api/v1/apps/crm/connections"


def mail_connection(crm, smtp) -> None:
    """The connection the template's mails name, ``crm_mail``, pointing at the test's server."""
    made = crm.api.post(CONNECTIONS, json={"key": "crm_mail", "connector": "email", "settings": {
        "host": "127.0.0.1", "port": smtp.port, "security": "none", "sender": "hello@example.com",
        "sender_name": "Brickwork CRM"}})
    assert made.status_code == 201, made.text


def inbox(smtp) -> list[tuple[str, str]]:
    """(recipient, subject) of every mail received, in order."""
    return [(to, message["Subject"]) for (_sender, tos), message in zip(smtp.inbox.envelopes, smtp.inbox.messages,
                                                                         strict=True) for to in tos]


def local_day(moment) -> date:
    """The installation's day at a (naive UTC) moment."""
    return moment.replace(tzinfo=UTC).astimezone(clock_module.app_zone()).date()


def years_before(day: date, years: int) -> str:
    try:
        return day.replace(year=day.year - years).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28).isoformat()


def test_the_nurture_journey_mails_on_day_1_3_and_7_and_stops_when_the_lead_replies(
        crm, drain, engine, sessions, smtp):
    mail_connection(crm, smtp)
    zhou = crm.create("leads", name="周敏", company="杭州云帆", email="zhou@example.com", language="zh_cn")
    ann = crm.create("leads", name="Ann Lee", company="Lee & Co", email="ann@example.com", language="en_us")
    crm.create("leads", name="没有邮箱")  # no address: no journey
    drain(due_only=True)
    assert inbox(smtp) == []  # day 0: nothing yet
    time_passes(engine)
    drain(due_only=True)
    assert sorted(inbox(smtp)) == [("ann@example.com", "Welcome, Ann Lee"), ("zhou@example.com", "周敏，欢迎了解我们")]
    crm.edit("leads", zhou["id"], replied=True)  # day 2: 周敏 writes back
    time_passes(engine)
    drain(due_only=True)
    time_passes(engine)
    drain(due_only=True)
    assert inbox(smtp)[2:] == [("ann@example.com", "Ann Lee, how teams like yours work"),
                               ("ann@example.com", "Ann Lee, shall we talk?")]
    assert "Lee & Co" in smtp.inbox.messages[0].get_body(("plain",)).get_content() + \
        smtp.inbox.messages[1].get_body(("plain",)).get_content()
    with sessions() as session:
        runs = [(r.record_id, r.trigger, r.status) for r in session.scalars(
            select(RuleRun).where(RuleRun.rule == "nur_journey").order_by(RuleRun.id))]
    assert (zhou["id"], "resume", "skipped") in runs  # the journey stopped for the lead who replied
    assert [r for r in runs if r[0] == ann["id"]] == [(ann["id"], "record.created", "waiting")] + \
        [(ann["id"], "resume", "waiting")] * 2 + [(ann["id"], "resume", "succeeded")]


def test_a_converted_lead_gets_no_further_mail(crm, drain, engine, smtp):
    mail_connection(crm, smtp)
    lead = crm.create("leads", name="吴昊", email="wu@example.com")
    drain(due_only=True)
    crm.edit("leads", lead["id"], status="ls_converted")
    for _day in range(3):
        time_passes(engine)
        drain(due_only=True)
    assert inbox(smtp) == []


def test_a_birthday_greeting_arrives_on_the_day_in_the_contacts_language(
        crm, drain, sessions, smtp, clock, settings):
    mail_connection(crm, smtp)
    tomorrow = clock(1)
    birthday = years_before(local_day(tomorrow), 35)
    customer = crm.create("customers", name="杭州云帆", in_pool=True, owner=None)
    for name, email, language in (("王芳", "wang@example.com", "zh_cn"), ("Tom Baker", "tom@example.com", "en_us"),
                                  ("李雷", "li@example.com", None)):
        crm.create("contacts", name=name, customer=customer["id"], email=email, birthday=birthday, language=language)
    crm.create("contacts", name="赵强", customer=customer["id"], email="zhao@example.com", birthday="1990-01-01"
               if birthday[5:] != "01-01" else "1990-06-01")
    fire_due(sessions, tomorrow)  # 09:00 tomorrow: the birthday sweep
    drain()
    default = "生日快乐，李雷！" if settings.default_locale == "zh-CN" else "Happy birthday, 李雷!"
    assert sorted(inbox(smtp)) == [("li@example.com", default), ("tom@example.com", "Happy birthday, Tom Baker!"),
                                   ("wang@example.com", "生日快乐，王芳！")]
    assert "=?utf-8?" in smtp.inbox.messages[0].as_string().lower() or inbox(smtp)[0][1].isascii()


def test_the_contract_anniversary_reminds_its_owner_by_mail_and_bell(crm, drain, sessions, smtp, clock):
    mail_connection(crm, smtp)
    with transaction(sessions) as session:
        session.get(User, crm.ids["ann"]).email = "ann.sales@example.com"
        session.get(User, crm.ids["ann"]).locale = "zh-CN"
    tomorrow = clock(1)
    customer = crm.create("customers", name="宁波海创", in_pool=True, owner=None)
    crm.create("contracts", name="年度服务合同", customer=customer["id"], amount="80000",
               signed_on=years_before(local_day(tomorrow), 2), owner=crm.ids["ann"])
    crm.create("contracts", name="新签合同", customer=customer["id"], amount="1000",
               signed_on=local_day(tomorrow).isoformat(), owner=crm.ids["ann"])  # signed that day: no anniversary
    fire_due(sessions, tomorrow)
    drain()
    assert inbox(smtp) == [("ann.sales@example.com", "合同周年：宁波海创")]
    assert crm.bell("ann") == ["合同「年度服务合同」今天签约满周年，请问候客户。"]


def test_without_a_mail_connection_the_run_log_says_so(crm, drain, sessions, clock):
    tomorrow = clock(1)
    customer = crm.create("customers", name="杭州云帆", in_pool=True, owner=None)
    crm.create("contacts", name="王芳", customer=customer["id"], email="wang@example.com",
               birthday=years_before(local_day(tomorrow), 30))
    fire_due(sessions, tomorrow)
    drain()
    with sessions() as session:
        [run] = session.scalars(select(RuleRun).where(RuleRun.rule == "care_birthday"))
    assert run.status == "failed" and "crm_mail" in run.error


def test_a_campaigns_roi_counts_its_won_opportunities_against_its_cost(crm, drain):
    fair = crm.create("campaigns", name="2026 春季展会", channel="chn_exhibition", start_date="2026-03-01",
                      end_date="2026-03-03", cost="10000")
    free = crm.create("campaigns", name="公众号文章", channel="chn_content")
    for name in ("周敏", "吴昊"):
        crm.create("leads", name=name, campaign=fair["id"])
    customer = crm.create("customers", name="杭州云帆", in_pool=True, owner=None)
    crm.create("opportunities", name="ERP 一期", customer=customer["id"], campaign=fair["id"], amount="30000",
               stage="stg_won")
    open_deal = crm.create("opportunities", name="ERP 二期", customer=customer["id"], campaign=fair["id"],
                           amount="50000", stage="stg_proposal")
    crm.create("opportunities", name="CRM", customer=customer["id"], campaign=free["id"], amount="8000",
               stage="stg_won")
    drain()
    roi: dict[str, Any] = crm.get("campaigns", fair["id"])
    assert (roi["leads_count"], roi["won_amount"], roi["roi"]) == ("2", "30000.00", "200.0")
    crm.edit("opportunities", open_deal["id"], stage="stg_won")  # (80,000 − 10,000) ÷ 10,000
    drain()
    assert crm.get("campaigns", fair["id"])["roi"] == "700.0"
    no_cost = crm.get("campaigns", free["id"])
    assert no_cost["won_amount"] == "8000.00" and no_cost.get("roi") is None  # no cost: no ROI
    listed = crm.api.get("/api/v1/apps/crm/forms/campaigns/records", params={"view": "view_cam_all"}).json()
    assert {r["name"] for r in listed["items"]} == {"2026 春季展会", "公众号文章"}


def test_the_owner_is_reminded_30_days_after_the_customers_last_order(crm, drain, sessions, clock):
    customer = crm.create("customers", name="苏州远景", in_pool=True, owner=None)
    crm.press("ann", "customers", customer["id"], "cus_claim")
    product = crm.create("products", name="ERP 企业版", code="ERP-ENT", price="1000")
    crm.create("orders", customer=customer["id"], order_date=local_day(utcnow()).isoformat(),
               lines=[{"product": product["id"], "quantity": "2", "unit_price": "1000"}])
    assert crm.get("customers", customer["id"])["last_order_date"] == local_day(utcnow()).isoformat()
    # ann follows the customer up on day 20, so it stays hers (not back in the pool on day 30)
    crm.create("followups", "ann", subject="回访", customer=customer["id"], type="ft_visit",
               time=(utcnow() + timedelta(days=20)).isoformat() + "Z")
    fire_due(sessions, clock(29))
    drain()
    assert not [t for t in crm.bell("ann") if "下单" in t or "order" in t]
    fire_due(sessions, clock(30))
    drain()
    reminded = [t for t in crm.bell("ann") if "下单" in t or "order" in t]
    assert len(reminded) == 1 and "苏州远景" in reminded[0] and "30" in reminded[0]
    fire_due(sessions, clock(31))  # once, not every day after
    drain()
    assert len([t for t in crm.bell("ann") if "下单" in t or "order" in t]) == 1
