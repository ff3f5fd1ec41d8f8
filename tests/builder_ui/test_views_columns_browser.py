"""The table's columns menu in a real Chromium: it keeps its order while one hides and shows
columns, and a column shown again returns to its place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_record_views_browser import BASE, setup_deals

pytestmark = pytest.mark.browser


def menu(page):
    return page.locator("#columns-list label").all_inner_texts()


def header(page):
    return page.locator("th[data-field]").evaluate_all("ths => ths.map(th => th.dataset.field)")


def test_the_columns_menu_stays_put_as_you_click(signed_in, live_server, live_api, shot):
    setup_deals(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}{BASE}")
    page.get_by_text("Columns", exact=True).click()
    before = menu(page)
    page.locator("#columns-list").get_by_label("City").uncheck()
    expect(page.locator("th[data-field=f_city]")).to_have_count(0)
    page.locator("#columns-list").get_by_label("Stage").uncheck()
    expect(page.locator("th[data-field=f_stage]")).to_have_count(0)
    assert menu(page) == before  # nothing moved under the pointer
    page.locator("#columns-list").get_by_label("City").check()
    expect(page.locator("th[data-field=f_city]")).to_have_count(1)
    assert header(page) == ["f_name", "f_city", "f_amount", "f_due"]  # back in its place
    assert menu(page) == before
    shot(page, "columns")
    assert page.errors == []
