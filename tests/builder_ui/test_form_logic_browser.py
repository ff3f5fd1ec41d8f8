"""Visibility rules in a real Chromium: a section appears when a select changes, and a field
hidden by its rule is not asked for and not kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.engines.form.helpers import publish, records
from tests.support.browser import wait_landed

pytestmark = pytest.mark.browser

ORDER = {
    "key": "order", "label": {"en": "Orders", "zh-CN": "订单"},
    "fields": [
        {"id": "oname", "key": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}},
        {"id": "okind", "key": "kind", "type": "select", "label": {"en": "Customer kind", "zh-CN": "客户类型"},
         "options": [{"id": "person", "label": {"en": "Person", "zh-CN": "个人"}},
                     {"id": "company", "label": {"en": "Company", "zh-CN": "企业"}}]},
        {"id": "otax", "key": "tax_number", "type": "text", "required": True,
         "label": {"en": "Tax number", "zh-CN": "税号"}},
    ],
    "sections": [{"id": "scompany", "label": {"en": "Company details", "zh-CN": "企业信息"},
                  "show_when": 'kind = "company"'}],
    "layout": [["oname", "okind"], ["scompany"], ["otax"]],
}


def test_a_section_appears_when_a_select_changes(signed_in, live_server, live_api, shot):
    assert publish(live_api, ORDER).status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/order/records/new")
    section = page.locator(".record-section[data-section=scompany]")
    tax = page.locator(".record-cell[data-key=tax_number]")
    expect(section).to_be_hidden()
    expect(tax).to_be_hidden()
    page.get_by_label("Name").fill("Acme")
    page.get_by_label("Customer kind").select_option("company")
    expect(section).to_be_visible()
    expect(tax).to_be_visible()
    shot(page, "company-section-shown")
    page.get_by_label("Customer kind").select_option("person")
    expect(section).to_be_hidden()
    page.get_by_role("button", name="Save").click()  # the hidden tax number is not required
    wait_landed(page, r"/records/\d+", "saved")
    saved = live_api.get(records("order")).json()
    assert [(r["name"], r["kind"], r["tax_number"]) for r in saved["items"]] == [("Acme", "person", None)]
    assert page.errors == []


CUSTOMERS = {
    "key": "customers", "label": {"en": "Customers"},
    "fields": [{"id": "cname", "key": "name", "type": "text", "label": {"en": "Name"}},
               {"id": "cphone", "key": "phone", "type": "text", "label": {"en": "Phone"}}],
}
SALES = {
    "key": "sales", "label": {"en": "Sales"},
    "fields": [
        {"id": "scustomer", "key": "customer", "type": "relation", "target": "customers", "label": {"en": "Customer"}},
        {"id": "sphone", "key": "customer_phone", "type": "text", "label": {"en": "Customer phone"},
         "fill_from": {"form": "customers", "match": [{"field": "customer", "equals": "id"}], "take": "phone"}},
        {"id": "slive", "key": "customer_phone_live", "type": "lookup", "relation": "customer", "field": "cphone",
         "label": {"en": "Phone now"}},
    ],
}


def test_m9_linked_data_fills_once_and_keeps_the_old_value(signed_in, live_server, live_api, shot):
    assert publish(live_api, CUSTOMERS).status_code == 200
    assert publish(live_api, SALES).status_code == 200
    acme = live_api.post(records("customers"), json={"name": "Acme", "phone": "555-0100"}).json()
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/sales/records/new")
    choose(page, "Ac", "Acme")
    expect(page.get_by_label("Customer phone")).to_have_value("555-0100")
    shot(page, "phone-filled")
    page.get_by_role("button", name="Save").click()
    wait_landed(page, r"/records/\d+", "saved")
    assert live_api.patch(f"{records('customers')}/{acme['id']}",
                          json={"phone": "555-0199", "version": 1}).status_code == 200
    sale = live_api.get(records("sales")).json()["items"][0]
    assert (sale["customer_phone"], sale["customer_phone_live"]) == ("555-0100", "555-0199")
    # typed by hand: choosing another customer fills it no more
    live_api.post(records("customers"), json={"name": "Globex", "phone": "555-0300"})
    page.goto(f"{live_server.url}/apps/crm/forms/sales/records/new")
    choose(page, "Ac", "Acme")
    expect(page.get_by_label("Customer phone")).to_have_value("555-0199")
    page.locator(".record-cell[data-key=customer] [data-remove]").click()
    choose(page, "Glo", "Globex")  # another customer: filled again
    expect(page.get_by_label("Customer phone")).to_have_value("555-0300")
    page.get_by_label("Customer phone").fill("555-7777")
    page.locator(".record-cell[data-key=customer] [data-remove]").click()
    choose(page, "Ac", "Acme")
    expect(page.locator(".record-cell[data-key=customer] .picker-chip")).to_have_text(re.compile("Acme"))
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Customer phone")).to_have_value("555-7777")
    assert page.errors == []


def choose(page, typed: str, title: str):
    box = page.locator(".record-cell[data-key=customer]").get_by_role("combobox")
    box.fill(typed)
    expect(page.locator(".record-cell[data-key=customer]").get_by_role("option", name=title)).to_be_visible()
    box.press("Enter")
