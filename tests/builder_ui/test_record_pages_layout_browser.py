"""The record page in a real Chromium, in Chinese: an edit in place of the title field
renames the heading and the window, and a moment's tooltip is in the page's language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_record_pages import BASE, DEAL
from tests.engines.form.helpers import publish, records

pytestmark = pytest.mark.browser


def test_renaming_in_place_renames_the_page_and_tooltips_speak_chinese(signed_in, live_server, live_api, shot):
    assert publish(live_api, DEAL).status_code == 200
    deal = live_api.post(records("deal"), json={"name": "Acme"}).json()
    page = signed_in(locale="zh-CN")
    page.goto(f"{live_server.url}{BASE}/records/{deal['id']}")
    name = page.locator(".record-cell[data-key=name]")
    name.locator("[data-edit]").click()
    name.locator("input:visible").fill("Acme Ltd")
    name.locator("input:visible").press("Enter")
    expect(name.locator("[data-edit]")).to_have_text("Acme Ltd")
    expect(page.get_by_test_id("record-title")).to_have_text("Acme Ltd")
    assert page.title().startswith("Acme Ltd ·")
    tooltip = page.locator("time[data-relative]").first.get_attribute("title")
    assert "年" in tooltip and "星期" in tooltip, tooltip
    assert not any(day in tooltip for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")), tooltip
    shot(page, "renamed")
    assert page.errors == []
