"""Pickers in a real Chromium: a region chosen through the province → city → district
cascade, people and dates in the filter builder, a relation picker narrowed by another field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.users import create_user
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

    # The table: names in the cell, and a filter by province through the same cascade.
    made = live_api.post("/api/v1/apps/crm/forms/shops/records", json={"name": "West Lake", "region": "浙江省/杭州市"})
    assert made.status_code == 201, made.text
    page.goto(f"{live_server.url}/apps/crm/forms/shops")
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#rows")).to_contain_text("浙江省 / 杭州市")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(".filter-row").first
    row.locator(".filter-field").select_option(label="Region")
    row.locator(".filter-region select[data-level=province]").select_option(label="上海市")
    page.locator("#filter-apply").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("Pudong shop")
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
    # Picked before the search that focusing asked for came back: its answer must not open
    # the list again over the Save button ("No matches", the one match being taken).
    page.wait_for_timeout(600)
    expect(cell(page, "opportunity").locator(".picker-list")).to_be_hidden()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/records/\d+$"))
    expect(cell(page, "opportunity")).to_contain_text("Globex deal")
    assert page.errors == []


CUSTOMERS = "/api/v1/apps/crm/forms/customers/records"


def test_filter_the_crm_customers_by_owner_by_name_and_by_a_date(signed_in, live_server, live_api, database_url):
    assert live_api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        li = create_user(session, "lilei", "password-for-li-1", display_name="李雷").id
        han = create_user(session, "hanmm", "password-for-han-1", display_name="韩梅梅").id
    engine.dispose()
    for name, owner, birthday in (("Acme", li, "2026-03-01"), ("Globex", han, "2026-05-20"),
                                  ("Initech", li, "2026-06-15")):
        made = live_api.post(CUSTOMERS, json={"name": name, "owner": owner, "contact_birthday": birthday})
        assert made.status_code == 201, made.text

    page = signed_in(locale="zh-CN")
    page.goto(f"{live_server.url}/apps/crm/forms/customers")
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="筛选").click()
    owner = page.locator(".filter-row").first
    owner.locator(".filter-field").select_option(label="负责人")
    owner.locator(".filter-search").fill("李")  # found by name on the server, never by id
    expect(owner.locator(".filter-value-input option", has_text="韩梅梅")).to_have_count(0)
    owner.locator(".filter-value-input").select_option(label="李雷")
    page.locator("#filter-apply").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#rows")).not_to_contain_text("Globex")

    page.locator(".filter-group[data-depth='0'] > .group-foot .add-condition").click()
    birthday = page.locator(".filter-row").nth(1)
    birthday.locator(".filter-field").select_option(label="关键联系人生日")
    birthday.locator(".filter-op").select_option(">=")
    date = birthday.locator("input.filter-value-input")
    assert date.get_attribute("type") == "date"
    date.fill("2026-06-01")
    page.locator("#filter-apply").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("Initech")

    birthday.locator(".filter-op").select_option("<=")  # relative: up to today (TODAY())
    birthday.locator(".filter-relative").select_option(label="今天")
    expect(date).to_be_hidden()
    page.locator("#filter-apply").click()
    expect(rows).to_have_count(2)

    page.reload()  # the filter comes back from the URL: the owner by name again
    page.get_by_role("button", name="筛选").click()
    chosen = page.locator(".filter-row").first.locator(".filter-value-input option:checked")
    expect(chosen).to_have_text("李雷")
    relative = page.locator(".filter-row").nth(1).locator(".filter-relative")
    expect(relative).to_have_value("$today")
    assert page.errors == []
