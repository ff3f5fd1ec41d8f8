"""In a real Chromium, in Chinese: an app admin adds a mail connection from the app's page,
the password field stays empty afterwards, and "send a test" reaches a real SMTP server on
loopback and shows its answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.connectors.smtp_server import SmtpServer

pytestmark = pytest.mark.browser
PASSWORD = "browser-secret-9e8d7c"


def test_an_admin_adds_a_mail_connection_and_sends_a_test(signed_in, live_server, live_api, shot):
    assert live_api.post("/api/v1/apps", json={"key": "desk", "label": {"zh-CN": "服务台"}}).status_code == 201
    smtp = SmtpServer()
    smtp.start()
    try:
        page = signed_in("zh-CN")
        page.goto(f"{live_server.url}/apps/desk")
        page.get_by_test_id("app-connections").get_by_role("link").click()
        expect(page.get_by_test_id("no-connections")).to_have_text("本应用还没有连接。")
        page.locator("select[name=connector]").select_option("email")
        expect(page.get_by_test_id("add-connection")).to_have_text("填写设置")
        page.get_by_test_id("add-connection").click()
        form = page.get_by_test_id("connection-form")
        form.locator("input[name=key]").fill("mail")
        form.locator("input[name=label_zh]").fill("服务台邮箱")
        form.locator("input[name=s_host]").fill("127.0.0.1")
        form.locator("input[name=s_port]").fill(str(smtp.port))
        form.locator("select[name=s_security]").select_option("none")
        form.locator("input[name=s_username]").fill("desk")
        form.locator("input[name=s_password]").fill(PASSWORD)
        form.locator("input[name=s_sender]").fill("desk@example.com")
        form.locator("input[name=s_test_to]").fill("ops@example.com")
        shot(page, "connection-form")
        form.locator("button[type=submit]").click()
        row = page.locator("[data-connection=mail]")
        expect(row).to_contain_text("服务台邮箱")
        expect(row).to_contain_text("密码: 已设置")
        assert PASSWORD not in page.content()
        page.get_by_test_id("test-mail").click()
        expect(page.get_by_test_id("test-result")).to_have_text("测试邮件已发往 ops@example.com。")
        assert smtp.logins == [("desk", PASSWORD)] and smtp.inbox.messages[0]["To"] == "ops@example.com"
        shot(page, "connections-tested")
        page.locator("[data-connection=mail] a.button").click()
        expect(page.locator("input[name=s_password]")).to_have_value("")
        expect(page.locator("input[name=s_password]")).to_have_attribute("placeholder", "已设置：留空即保留")
        assert page.errors == []
    finally:
        smtp.stop()
