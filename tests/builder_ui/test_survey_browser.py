"""On a phone in Chinese (390 px): the CRM ticket page suggests the knowledge article about
the ticket's problem and links it with one tap; the public fill page of a closed ticket lets
its contact rate the service without an account."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from brickwork.engines.form import fill_links
from brickwork.engines.form.forms import load_form
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from tests.conftest import PHONE

pytestmark = pytest.mark.browser
RECORDS = "/api/v1/apps/crm/forms/{}/records"
ARTICLES = [("打印机离线排查", "打印机显示离线时：1. 检查网线是否插好。2. 在电脑上删除并重新添加打印机。"),
            ("如何开具增值税发票", "在订单页点击开票，填写税号与开票信息，提交后财务审核。"),
            ("路由器网络连接故障", "检查路由器指示灯是否正常，必要时重启路由器并联系运营商。")]


def made(api, form: str, **values) -> int:
    answer = api.post(RECORDS.format(form), json=values)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_a_suggested_article_is_linked_on_a_phone_and_the_contact_rates_the_closed_ticket(
        live_server, live_api, signed_in, browser, database_url, shot):
    installed = live_api.post("/api/v1/templates/crm:install", timeout=300)
    assert installed.status_code == 201, installed.text
    articles = {title: made(live_api, "knowledge", title=title, content=content, published=True)
                for title, content in ARTICLES}
    customer = made(live_api, "customers", name="杭州云帆")
    ticket = made(live_api, "tickets", title="打印机无法连接网络", customer=customer,
                  description="打印机设置后一直显示离线，重启也不行")

    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}/apps/crm/forms/tickets/records/{ticket}")
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions.locator("h2")).to_contain_text("推荐")
    first = suggestions.get_by_test_id("suggestion").first
    expect(first).to_contain_text("打印机离线排查")
    shot(page, "suggested")
    first.get_by_test_id("suggestion-link").click()
    expect(suggestions.get_by_test_id("suggestion").first).not_to_contain_text("打印机离线排查")
    assert live_api.get(f"{RECORDS.format('tickets')}/{ticket}").json()["knowledge"] == [articles["打印机离线排查"]]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []

    live_api.patch(f"{RECORDS.format('tickets')}/{ticket}", json={"status": "ts_closed", "version": 2})
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        token, _ = fill_links.create_link(session, load_form(session, "crm", "tickets"), ticket,
                                          ["csat", "csat_comment"])
    engine.dispose()
    phone = browser.new_context(locale="zh-CN", **PHONE)  # the contact: no account, no session
    try:
        outside = phone.new_page()
        outside.goto(f"{live_server.url}/fill/{token}")
        expect(outside.get_by_test_id("fill-title")).to_have_text("打印机无法连接网络")
        expect(outside.locator("label[for='f-csat-1']")).to_contain_text("满意度")
        outside.locator("input[name=csat][value='4']").check()
        outside.locator("textarea[name=csat_comment]").fill("很快就解决了")
        assert outside.evaluate("document.documentElement.scrollWidth") <= 390
        shot(outside, "fill")
        outside.get_by_test_id("fill-send").click()
        expect(outside.get_by_test_id("fill-done")).to_contain_text("感谢")
        outside.goto(f"{live_server.url}/fill/{token}")
        expect(outside.get_by_test_id("fill-closed")).to_contain_text("已使用")
    finally:
        phone.close()
    record = live_api.get(f"{RECORDS.format('tickets')}/{ticket}").json()
    assert (record["csat"], record["csat_comment"]) == (4, "很快就解决了")
