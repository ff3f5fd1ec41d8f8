"""Relations and sub-forms in a real Chromium: pick a customer by typing, edit an order's
lines (add, remove, an error beside its cell), and the customer's 360° page with its
related lists and a "New" that links back. Once on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_links import APP_BASE, NEEDS_RECORD_TYPE, setup_crm
from tests.engines.form.helpers import records

pytestmark = pytest.mark.browser
SETUPS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


@pytest.fixture
def crm(live_api):
    return setup_crm(live_api)


def cell(page, key):
    return page.locator(f".record-cell[data-key='{key}']")


def pick(page, key: str, typed: str, title: str):
    """Type part of a name into a picker and choose the suggestion, by keyboard."""
    box = cell(page, key).get_by_role("combobox")
    box.fill(typed)
    option = cell(page, key).get_by_role("option", name=title)
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")  # the first match is active
    box.press("Enter")
    expect(cell(page, key).locator(".picker-chip")).to_have_text(re.compile(title))


@pytest.mark.parametrize("phone", SETUPS)
def test_pick_a_customer_by_typing_part_of_its_name(signed_in, live_server, live_api, crm, shot, phone):
    page = signed_in(phone=phone)
    page.goto(f"{live_server.url}{APP_BASE}/contacts/records/new")
    cell(page, "name").locator("input").fill("Li Lei")
    box = cell(page, "customer").get_by_role("combobox")
    box.fill("glo")
    expect(cell(page, "customer").get_by_role("option")).to_have_text(["Globex"])
    box.fill("steel")  # a word inside the name finds it too
    expect(cell(page, "customer").get_by_role("option")).to_have_text(["Acme Steel"])
    box.press("Escape")
    expect(cell(page, "customer").get_by_role("listbox")).to_be_hidden()
    if phone:  # by touch: tap the suggestion
        box.fill("ini")
        cell(page, "customer").get_by_role("option", name="Initech").tap()
        expect(cell(page, "customer").locator(".picker-chip")).to_have_text(re.compile("Initech"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    pick(page, "customer", "acme", "Acme Steel")  # to one: the new choice replaces the old
    expect(cell(page, "customer").locator(".picker-chip")).to_have_count(1)
    shot(page, "picked")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/contacts/records/\d+"))
    expect(cell(page, "customer").get_by_role("link", name="Acme Steel")).to_be_visible()
    contact = live_api.get(records("contacts")).json()["items"][0]
    assert contact["name"] == "Li Lei" and contact["customer"] == crm["Acme Steel"]
    # Changed in place on the record page: the same picker, then the new title links.
    cell(page, "customer").get_by_role("button", name="Change Customer").click()
    pick(page, "customer", "glo", "Globex")
    cell(page, "customer").get_by_role("button", name="Save").click()
    # Saved when the cell is back to reading (the picker's chip is a "Globex" link too).
    expect(cell(page, "customer").get_by_role("button", name="Change Customer")).to_be_visible()
    expect(cell(page, "customer").get_by_role("link", name="Globex")).to_be_visible()
    assert live_api.get(f"{records('contacts')}/{contact['id']}").json()["customer"] == crm["Globex"]
    assert page.errors == []


@pytest.mark.parametrize("phone", SETUPS)
def test_an_order_with_lines_added_removed_and_checked(signed_in, live_server, live_api, crm, shot, phone):
    page = signed_in(phone=phone)
    page.goto(f"{live_server.url}{APP_BASE}/orders/records/new")
    cell(page, "number").locator("input").fill("SO-1")
    lines = cell(page, "lines")
    for _ in range(3):
        lines.get_by_role("button", name="Add row").click()
    rows = lines.locator("tbody[data-rows] > tr")
    expect(rows).to_have_count(3)
    for index, (product, qty) in enumerate((("Pen", "2"), ("Ink", "5"), ("Pad", "0"))):
        rows.nth(index).get_by_label("Product").fill(product)
        rows.nth(index).get_by_label("Qty").fill(qty)
    rows.nth(1).get_by_role("button", name="Remove row").click()  # Ink goes
    expect(rows).to_have_count(2)
    assert rows.nth(1).get_by_label("Product").get_attribute("name") == "lines[1].product"  # renumbered
    shot(page, "lines")
    page.get_by_role("button", name="Save", exact=True).click()
    bad = lines.locator("[data-field='lines[1].qty']")
    expect(bad.locator(".field-error")).to_be_visible()  # beside the quantity of Pad's row
    expect(lines.locator("[data-field='lines[0].qty'] .field-error")).to_have_count(0)
    assert rows.nth(1).get_by_label("Product").input_value() == "Pad"  # what was typed stays
    rows.nth(1).get_by_label("Qty").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/orders/records/\d+"))
    shown = cell(page, "lines").locator("table.subform-view tbody tr")
    expect(shown).to_have_count(2)
    expect(shown.nth(0)).to_contain_text("Pen")
    expect(shown.nth(1)).to_contain_text("Pad")
    order = live_api.get(records("orders")).json()["items"][0]
    assert [(r["product"], r["qty"]) for r in order["lines"]] == [("Pen", "2"), ("Pad", "3")]
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "saved")
    assert page.errors == [] or all(e.startswith("Failed to load resource") for e in page.errors)


@NEEDS_RECORD_TYPE
@pytest.mark.parametrize("phone", SETUPS)
def test_the_customer_page_lists_contacts_and_opportunities(signed_in, live_server, live_api, crm, shot, phone):
    acme = crm["Acme Steel"]
    for name in ("Li", "Wang"):
        live_api.post(records("contacts"), json={"name": name, "customer": acme})
    live_api.post(records("opportunities"), json={"title": "Steel deal", "amount": "1200", "customer": acme})
    page = signed_in(phone=phone)
    page.goto(f"{live_server.url}{APP_BASE}/customers/records/{acme}")
    contacts = page.locator("[data-related='contacts.customer']")
    deals = page.locator("[data-related='opportunities.customer']")
    expect(contacts.get_by_test_id("related-count")).to_have_text("2")
    expect(deals.get_by_test_id("related-count")).to_have_text("1")
    expect(deals.get_by_role("link", name="Steel deal")).to_be_visible()
    if phone:  # the lists stack, one column
        assert contacts.bounding_box()["x"] == deals.bounding_box()["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "related")
    contacts.get_by_test_id("related-new").click()
    page.wait_for_url(re.compile(r"/contacts/records/new\?customer="))
    expect(cell(page, "customer").locator(".picker-chip")).to_have_text(re.compile("Acme Steel"))
    cell(page, "name").locator("input").fill("Zhao")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/contacts/records/\d+"))
    cell(page, "customer").get_by_role("link", name="Acme Steel").click()
    page.wait_for_url(re.compile(rf"/customers/records/{acme}"))
    expect(page.locator("[data-related='contacts.customer']").get_by_test_id("related-count")).to_have_text("3")
    page.locator("[data-related='contacts.customer']").get_by_role("link", name=re.compile("Open in table")).click()
    expect(page.locator("tbody tr")).to_have_count(3)
    assert page.errors == []
