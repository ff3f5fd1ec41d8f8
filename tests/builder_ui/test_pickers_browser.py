"""Pickers in a real Chromium: a region chosen through the province → city → district
cascade, people and dates in the filter builder, a relation picker narrowed by another field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.engines.form.helpers import field, form, publish

pytestmark = pytest.mark.browser

SHOPS = form("shops", field("f1", "text", "name", required=True, label={"en": "Name"}),
             field("f2", "region", "region", label={"en": "Region"}))


def test_a_region_is_chosen_by_names_and_read_by_names(signed_in, live_server, live_api):
    assert publish(live_api, SHOPS).status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/shops/records/new")
    page.locator("#f-name").fill("Pudong shop")
    expect(page.locator("[data-region]")).to_have_attribute("data-ready", "true")
    page.locator("#f-region-province").select_option(label="上海市")
    page.locator("#f-region-city").select_option(label="上海市")
    page.locator("#f-region-district").select_option(label="浦东新区")
    page.locator("#f-region-province").select_option(label="浙江省")  # a new province empties the rest
    assert page.locator("#f-region-district").input_value() == ""
    page.locator("#f-region-province").select_option(label="上海市")
    page.locator("#f-region-city").select_option(label="上海市")
    page.locator("#f-region-district").select_option(label="浦东新区")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/records/\d+$"))
    expect(page.locator(".record-cell[data-key=region]")).to_contain_text("上海市 / 上海市 / 浦东新区")
    record = live_api.get("/api/v1/apps/crm/forms/shops/records").json()["items"][0]
    assert record["region"] == {"province": "310000", "city": "310100", "district": "310115"}

    page.goto(page.url + "/edit")  # the edit page shows the chosen names again
    expect(page.locator("[data-region]")).to_have_attribute("data-ready", "true")
    assert page.locator("#f-region-district option:checked").inner_text() == "浦东新区"
    assert page.errors == []
