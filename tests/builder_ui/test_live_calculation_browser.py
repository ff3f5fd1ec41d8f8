"""Live calculation in a real Chromium: as the person types an order's lines, each line's
amount and the order's total appear before anything is saved, computed by the server's own
save code (``records/compute``), and a lookup shows the chosen customer's city."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_form_logic_browser import choose
from tests.engines.form.helpers import field, form, publish, records

pytestmark = pytest.mark.browser


def number(whole: str) -> re.Pattern:
    """A number as the page shows it (``1,250`` or ``1,250.00``)."""
    return re.compile(rf"^{whole}(\.00)?$")

CUSTOMERS = form("customers", field("c1", "text", "name"), field("c2", "text", "city"), title_field="c1")
ORDERS = form(
    "orders", field("o1", "text", "title"),
    field("o6", "relation", "customer", target="customers"),
    field("o7", "lookup", "city", relation="o6", field="c2"),
    field("o2", "subform", "lines", fields=[
        field("l2", "number", "qty", scale=0), field("l3", "money", "price"),
        field("l4", "formula", "amount", formula="qty * price")]),
    field("o4", "formula", "total", formula="SUM(lines.amount)"),
)


def test_typing_a_quantity_updates_the_amount_and_the_total_before_saving(signed_in, live_server, live_api, shot):
    assert publish(live_api, CUSTOMERS).status_code == 200
    assert publish(live_api, ORDERS).status_code == 200
    live_api.post(records("customers"), json={"name": "Acme", "city": "Hangzhou"})
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/orders/records/new")
    page.get_by_label("Title").fill("First order")
    choose(page, "Ac", "Acme")
    expect(page.locator(".record-cell[data-key=city] .value")).to_have_text("Hangzhou")
    lines = page.locator("[data-subform=lines]")
    for _ in range(2):
        lines.get_by_role("button", name="Add row").click()
    page.locator('[name="lines[0].price"]').fill("12.50")
    page.locator('[name="lines[0].qty"]').fill("4")
    page.locator('[name="lines[1].price"]').fill("3")
    page.locator('[name="lines[1].qty"]').fill("2")
    rows = lines.locator("[data-rows] > [data-row]")
    expect(rows.nth(0).locator("output")).to_have_text(number("50"))
    expect(rows.nth(1).locator("output")).to_have_text(number("6"))
    total = page.locator(".record-cell[data-key=total] .value")
    expect(total).to_have_text(number("56"))
    page.locator('[name="lines[0].qty"]').fill("10")
    expect(rows.nth(0).locator("output")).to_have_text(number("125"))
    expect(total).to_have_text(number("131"))
    shot(page, "live-total")
    assert live_api.get(records("orders")).json()["items"] == []  # nothing saved while typing
    rows.nth(1).get_by_role("button", name="Remove row").click()
    expect(total).to_have_text(number("125"))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/records/*?saved=1")
    assert [o["total"] for o in live_api.get(records("orders")).json()["items"]] == ["125.00"]
    assert page.errors == []
