"""Live calculation in a real Chromium: as the person picks products and types quantities
in an order's lines, each line's price (a lookup of the product), amount (``qty * price``)
and the order's total (``SUM(lines.amount)``) appear before anything is saved, computed by
the server's own save code (``records/compute``); a lookup shows the customer's city."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_form_logic_browser import choose
from tests.engines.form.helpers import field, form, publish, records
from tests.support.browser import wait_landed

pytestmark = pytest.mark.browser


def number(whole: str) -> re.Pattern:
    """A number as the page shows it (``1,250`` or ``1,250.00``)."""
    return re.compile(rf"^{whole}(\.00)?$")

CUSTOMERS = form("customers", field("c1", "text", "name"), field("c2", "text", "city"), title_field="c1")
PRODUCTS = form("products", field("p1", "text", "name"), field("p2", "money", "price"), title_field="p1")
ORDERS = form(
    "orders", field("o1", "text", "title"),
    field("o6", "relation", "customer", target="customers"),
    field("o7", "lookup", "city", relation="o6", field="c2"),
    field("o2", "subform", "lines", fields=[
        field("l1", "relation", "product", target="products"),
        field("l3", "lookup", "price", relation="product", field="price"),
        field("l2", "number", "qty", scale=0),
        field("l4", "formula", "amount", formula="qty * price")]),
    field("o4", "formula", "total", formula="SUM(lines.amount)"),
)


def test_typing_a_quantity_updates_the_amount_and_the_total_before_saving(signed_in, live_server, live_api, shot):
    assert publish(live_api, CUSTOMERS).status_code == 200
    assert publish(live_api, PRODUCTS).status_code == 200
    assert publish(live_api, ORDERS).status_code == 200
    live_api.post(records("customers"), json={"name": "Acme", "city": "Hangzhou"})
    live_api.post(records("products"), json={"name": "Pen", "price": "12.50"})
    live_api.post(records("products"), json={"name": "Ink", "price": "3"})
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/orders/records/new")
    page.get_by_label("Title").fill("First order")
    choose(page, "Ac", "Acme")
    expect(page.locator(".record-cell[data-key=city] .value")).to_have_text("Hangzhou")
    lines = page.locator("[data-subform=lines]")
    for _ in range(2):
        lines.get_by_role("button", name="Add row").click()
    rows = lines.locator("[data-rows] > [data-row]")
    pick(page, rows.nth(0), "Pe", "Pen")
    expect(output(rows.nth(0), "price")).to_have_text(re.compile(r"12\.50"))  # filled when picked
    page.locator('[name="lines[0].qty"]').fill("4")
    pick(page, rows.nth(1), "In", "Ink")
    page.locator('[name="lines[1].qty"]').fill("2")
    expect(output(rows.nth(0), "amount")).to_have_text(number("50"))
    expect(output(rows.nth(1), "amount")).to_have_text(number("6"))
    total = page.locator(".record-cell[data-key=total] .value")
    expect(total).to_have_text(number("56"))
    page.locator('[name="lines[0].qty"]').fill("10")
    expect(output(rows.nth(0), "amount")).to_have_text(number("125"))
    expect(total).to_have_text(number("131"))
    shot(page, "live-total")
    assert live_api.get(records("orders")).json()["items"] == []  # nothing saved while typing
    rows.nth(1).get_by_role("button", name="Remove row").click()
    expect(total).to_have_text(number("125"))
    page.get_by_role("button", name="Save").click()
    wait_landed(page, r"/records/\d+", "saved")
    assert [o["total"] for o in live_api.get(records("orders")).json()["items"]] == ["125.00"]
    assert page.errors == []


def output(row, key: str):
    return row.locator(f'output[id$="].{key}"]')


def pick(page, row, typed: str, title: str):
    box = row.get_by_role("combobox")
    box.fill(typed)
    expect(row.get_by_role("option", name=title)).to_be_visible()
    box.press("Enter")


def test_picking_a_product_in_a_row_fills_its_price_from_linked_data(signed_in, live_server, live_api):
    from tests.builder_ui.test_form_logic import PRODUCTS as PLAIN_PRODUCTS
    from tests.builder_ui.test_form_logic import QUOTES

    for definition in (PLAIN_PRODUCTS, QUOTES):
        assert publish(live_api, definition).status_code == 200
    live_api.post(records("products"), json={"name": "Pen", "price": "2.50"})
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/quotes/records/new")
    lines = page.locator("[data-subform=lines]")
    lines.get_by_role("button", name="Add row").click()
    pick(page, lines.locator("[data-rows] > [data-row]").nth(0), "Pe", "Pen")
    expect(page.locator('[name="lines[0].unit_price"]')).to_have_value("2.50")
    assert page.errors == []
