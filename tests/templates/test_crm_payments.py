"""The CRM's payment plans at work (issue 20): a contract paid in three instalments, its
collection rate, the owner reminded 3 days before an unpaid instalment falls due, and the
owner and finance told the day after it did; and the quote and contract printed to PDF in
Chinese (and English) through the API. Everything is a definition of the shipped template."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pypdfium2
from pypdf import PdfReader

from brickwork.platform.clock import app_zone
from brickwork.platform.jobs.schedules import fire_due
from tests.conftest import ARTIFACTS
from tests.templates.crm import RECORDS, Crm

OVERDUE, PAID, PARTLY, OPEN = "已逾期 Overdue", "已回款 Paid", "部分回款 Partly paid", "未回款 Open"


def today() -> date:
    return datetime.now(app_zone()).date()


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def customer_of(crm: Crm, who: str, name: str) -> dict[str, Any]:
    customer = crm.create("customers", name=name, in_pool=True, owner=None)
    assert crm.press(who, "customers", customer["id"], "cus_claim")["status"] == "succeeded"
    return customer


def signed_contract(crm: Crm, quote: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A contract of 300,000 of ann's in three instalments of 100,000, due in 10, 4 and 40 days."""
    customer = quote["customer"] if quote else customer_of(crm, "ann", "杭州云帆")["id"]
    contract = crm.create("contracts", "ann", name="ERP 实施合同", customer=customer, amount="300000",
                          signed_on=today().isoformat(), quote=quote["id"] if quote else None)
    plans = [crm.create("payment_plans", "ann", contract=contract["id"], installment=str(n), amount="100000",
                        due_date=(today() + timedelta(days=days)).isoformat())
             for n, days in ((1, 10), (2, 4), (3, 40))]
    return contract, plans


def pay(crm: Crm, contract: dict[str, Any], plan: dict[str, Any], amount: str) -> None:
    crm.create("payments", "ann", customer=contract["customer"], contract=contract["id"], plan=plan["id"],
               kind="pk_received", amount=amount, received_on=today().isoformat(), method="pm_bank")


def test_a_three_instalment_plan_is_collected_reminded_and_an_unpaid_instalment_goes_overdue(
        crm, drain, sessions, clock):
    contract, (first, second, third) = signed_contract(crm)
    assert crm.get("payment_plans", first["id"])["customer"] == contract["customer"]  # looked up
    pay(crm, contract, first, "100000")  # the first paid in full
    pay(crm, contract, third, "20000")  # the third in part
    drain()
    signed = crm.get("contracts", contract["id"])
    assert (signed["received"], signed["collection_rate"]) == ("120000.00", "40.00")
    states = {p["id"]: (crm.get("payment_plans", p["id"])["status"],
                        crm.get("payment_plans", p["id"])["outstanding"]) for p in (first, second, third)}
    assert states == {first["id"]: (PAID, "0.00"), second["id"]: (OPEN, "100000.00"),
                      third["id"]: (PARTLY, "80000.00")}

    fire_due(sessions, clock(1))  # day 1: the second falls due in 3 days, and is unpaid
    drain()
    [reminder] = crm.bell("ann")
    assert second["number"] in reminder and "3" in reminder
    assert crm.bell("fay") == []

    fire_due(sessions, clock(4))  # its due date: not overdue yet, and no second reminder
    drain()
    assert len(crm.bell("ann")) == 1 and crm.get("payment_plans", second["id"])["status"] == OPEN

    fire_due(sessions, clock(5))  # the day after: overdue, the owner and finance told
    drain()
    late = crm.get("payment_plans", second["id"])
    assert (late["overdue"], late["status"]) == (True, OVERDUE)
    told = crm.bell("ann")
    assert len(told) == 2 and second["number"] in told[0] and "逾期" in told[0] and "overdue" in told[0]
    [finance] = crm.bell("fay")
    assert second["number"] in finance
    assert crm.bell("mia") == [] and crm.bell("bob") == []
    # finance's list of what to chase: the shipped view's filter picks the overdue one
    views = crm.clients["fay"].get("/api/v1/apps/crm/forms/payment_plans/views").json()
    views = views["items"] if isinstance(views, dict) else views
    [chase] = [v for v in views if v["name"]["en"] == "Overdue payments"]
    listed = crm.clients["fay"].get(RECORDS.format("payment_plans"),
                                    params={"filter": json.dumps(chase["config"]["filter"])}).json()["items"]
    assert [p["id"] for p in listed] == [second["id"]]

    fire_due(sessions, clock(11))  # the first's due date passed, but it is paid: nothing
    drain()
    assert len(crm.bell("ann")) == 2 and len(crm.bell("fay")) == 1
    assert crm.get("payment_plans", first["id"])["status"] == PAID
    # paid late, the overdue one shows paid, and the contract's rate follows
    pay(crm, contract, second, "100000")
    drain()
    assert crm.get("payment_plans", second["id"])["status"] == PAID
    assert crm.get("contracts", contract["id"])["collection_rate"] == "73.33"


def test_a_contract_without_an_amount_has_no_collection_rate(crm, drain):
    customer = customer_of(crm, "ann", "宁波海创")
    contract = crm.create("contracts", "ann", name="框架协议", customer=customer["id"], amount="0")
    assert crm.get("contracts", contract["id"]).get("collection_rate") is None


def priced_quote(crm: Crm) -> dict[str, Any]:
    customer = customer_of(crm, "ann", "上海启明")
    erp = crm.create("products", name="ERP 企业版", code="ERP-ENT", price="80000")
    cloud = crm.create("products", name="云主机年费", code="CLOUD-Y", price="12000")
    return crm.create("quotes", "ann", title="ERP 上云报价", customer=customer["id"], lines=[
        {"product": erp["id"], "quantity": "1", "unit_price": "80000", "discount": "10"},
        {"product": cloud["id"], "quantity": "3", "unit_price": "12000"}])


def printed(crm: Crm, who: str, form: str, record_id: int, template: str, language: str) -> str:
    """The PDF's text; its first page, as PNG, goes to the test artefacts to be looked at."""
    answer = crm.clients[who].get(f"{RECORDS.format(form)}/{record_id}/print/{template}.pdf",
                                  headers={"Accept-Language": language})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    page = pypdfium2.PdfDocument(answer.content)[0]
    page.render(scale=1.5).to_pil().save(ARTIFACTS / f"crm-{template}-{language}-page1.png")
    return text_of(answer.content)


def test_the_quote_prints_in_chinese_with_its_lines_total_and_capitals(crm, drain):
    quote = priced_quote(crm)
    assert quote["total"] == "108000.00"  # 72,000 + 36,000
    text = printed(crm, "ann", "quotes", quote["id"], "prt_quote", "zh-CN")
    assert "报价单" in text and quote["number"] in text and "上海启明" in text
    for product, amount in (("ERP 企业版", "72,000.00"), ("云主机年费", "36,000.00")):
        assert product in text and amount in text
    assert "¥108,000.00" in text and "壹拾万捌仟元整" in text
    english = printed(crm, "ann", "quotes", quote["id"], "prt_quote", "en")
    assert "Quote" in english and "Total" in english and "报价单" not in english
    assert "ERP 企业版" in english and "¥108,000.00" in english


def test_the_contract_prints_its_quote_s_lines_and_its_payment_schedule(crm, drain):
    quote = priced_quote(crm)
    contract, plans = signed_contract(crm, quote)
    pay(crm, contract, plans[0], "100000")
    drain()
    # finance prints it: who may read every payment sees what was received (a salesperson
    # seeing only their own payments does not see the sums, docs/forms.md#access)
    text = printed(crm, "fay", "contracts", contract["id"], "prt_contract", "zh-CN")
    assert "合同" in text and contract["number"] in text and "ERP 实施合同" in text and "上海启明" in text
    assert "叁拾万元整" in text  # the amount in capitals
    for product, amount in (("ERP 企业版", "72,000.00"), ("云主机年费", "36,000.00")):
        assert product in text and amount in text
    assert "¥108,000.00" in text  # the quote's total
    assert "回款计划" in text and text.count("100,000.00") >= 3  # every instalment's amount
    assert PAID in text and OPEN in text and "¥100,000.00 (回款率 33.33%)" in text
    due = today() + timedelta(days=4)
    assert f"{due.year}年{due.month}月{due.day}日" in text  # dates as Chinese readers write them
