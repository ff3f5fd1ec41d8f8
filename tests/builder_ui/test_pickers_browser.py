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


def cell(page, key):
    return page.locator(f".record-cell[data-key='{key}']")


def test_the_opportunity_picker_offers_only_the_chosen_customers(signed_in, live_server, live_api):
    from tests.engines.form.test_picker_filter import quotes

    assert publish(live_api, form("customers", field("c1", "text", "name"))).status_code == 200
    assert publish(live_api, form("opportunities", field("o1", "text", "name"),
                                  field("o2", "relation", "customer", target="customers"))).status_code == 200
    assert publish(live_api, quotes()).status_code == 200
    ids = {n: live_api.post("/api/v1/apps/crm/forms/customers/records", json={"name": n}).json()["id"]
           for n in ("Acme", "Globex")}
    for name, customer in (("Acme steel", "Acme"), ("Acme pipes", "Acme"), ("Globex deal", "Globex")):
        made = live_api.post("/api/v1/apps/crm/forms/opportunities/records",
                             json={"name": name, "customer": ids[customer]})
        assert made.status_code == 201
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/quotes/records/new")
    page.locator("#f-name").fill("Q-1")
    box = cell(page, "customer").get_by_role("combobox")
    box.fill("Glo")
    cell(page, "customer").get_by_role("option", name="Globex").click()
    expect(cell(page, "customer").locator(".picker-chip")).to_have_text(re.compile("Globex"))

    opportunity = cell(page, "opportunity").get_by_role("combobox")
    opportunity.click()
    options = cell(page, "opportunity").get_by_role("option")
    expect(options).to_have_text(["Globex deal"])
    options.first.click()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/records/\d+$"))
    expect(cell(page, "opportunity")).to_contain_text("Globex deal")
    assert page.errors == []
