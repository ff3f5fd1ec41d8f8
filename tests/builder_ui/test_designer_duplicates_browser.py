"""In Chromium: a designer switches duplicate detection on in the form's settings, keyed on
the phone, publishes, and the Duplicates page finds the pair; a threshold out of range is
marked in the setting, in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_designer_browser import publish_and_check, wait_saved
from tests.engines.form.helpers import APP, field, form, records

pytestmark = pytest.mark.browser
LEADS = form("leads", field("l_name", "text", "name"), field("l_phone", "phone", "phone"),
             field("l_email", "email", "email"))


def test_switching_duplicates_on_finds_a_pair(live_server, live_api, signed_in, shot):
    assert live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    assert live_api.put(f"{APP}/forms/leads", json=LEADS).status_code == 200
    assert live_api.post(f"{APP}/forms/leads:publish").status_code == 200
    made = [live_api.post(records("leads"), json={"name": name, "phone": phone}).json()
            for name, phone in (("周敏", "+86 138 0013 8000"), ("Zhou Min", "13800138000"), ("吴昊", "13900139000"))]

    page = signed_in("zh-CN")
    page.goto(f"{live_server.url}/apps/crm/forms/leads/duplicates")
    expect(page.get_by_test_id("duplicates-off")).to_be_visible()
    page.goto(f"{live_server.url}/apps/crm/forms/leads/design")
    setting = page.get_by_test_id("duplicates-setting")
    setting.locator("input[data-prop=duplicates]").check()
    row = setting.locator(".dz-dup-row").first
    expect(row.locator("select[data-prop='duplicates.field']")).to_have_value("l_phone")  # its phone, first
    expect(row.locator("select[data-prop='duplicates.how']")).to_have_value("phone")
    setting.locator("[data-action=dup-add]").click()
    second = setting.locator(".dz-dup-row").nth(1)
    second.locator("select[data-prop='duplicates.field']").select_option("l_name")
    second.locator("select[data-prop='duplicates.how']").select_option("fuzzy")
    threshold = setting.locator("input[data-prop='duplicates.threshold']")
    threshold.fill("30")  # out of range: marked at the setting, in Chinese
    expect(setting.locator(".field-error")).to_have_text("不能小于 50。")
    threshold.fill("90")
    wait_saved(page)
    expect(setting.locator(".field-error")).to_have_count(0)
    shot(page, "duplicates-setting")
    body = publish_and_check(page, live_api, {"published": "已发布。"}, shot)
    assert body["duplicates"] == {"match": [{"field": "l_phone", "how": "phone"}, {"field": "l_name", "how": "fuzzy"}],
                                  "threshold": 90, "block": False}

    page.goto(f"{live_server.url}/apps/crm/forms/leads/duplicates")
    pair = page.get_by_test_id(f"duplicate-pair-{made[0]['id']}-{made[1]['id']}")
    expect(pair).to_be_visible()
    expect(pair).to_contain_text("周敏")
    expect(page.get_by_test_id("duplicate-group")).to_have_count(1)  # 吴昊 has a phone of their own
    shot(page, "duplicates-page")
    assert page.errors == []
