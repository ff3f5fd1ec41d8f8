"""Issue 12, end to end in a real Chromium, through the pages only: a builder designs an order
form with a lines sub-form (product relation, price lookup, qty, amount formula) and a total
with a rule on it, publishes it, watches amounts and the total update while typing on the
create page, is refused over the limit on the first save, saves within it, and exports the
table to an xlsx whose totals are numbers."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.builder_ui.test_designer_browser import name_field, props, wait_added
from tests.builder_ui.test_designer_logic_browser import publish_in_designer
from tests.builder_ui.test_designer_subform_browser import WORDS, cols, drag, drag_level, wait_cols
from tests.builder_ui.test_live_calculation_browser import PRODUCTS, number, output, pick
from tests.engines.form.helpers import publish, records
from tests.support.browser import wait_landed

pytestmark = pytest.mark.browser

LIMIT = "An order cannot exceed 1,000."


def design_the_order_form(page, live_server):
    page.goto(f"{live_server.url}/apps/crm")
    page.locator("[data-new-form]").get_by_label("Name (English)").fill("Orders")
    page.get_by_role("button", name="Create and design").click()
    page.wait_for_url(f"{live_server.url}/apps/crm/forms/orders/design")
    canvas = page.get_by_test_id("canvas")
    drag(page, page.locator(".dz-type[data-type=subform]"), canvas, dy=0.97)
    page.wait_for_function("() => document.querySelector('.dz-cell.selected .dz-sub-cols')")
    name_field(page, WORDS, "Lines")
    target = page.locator(".dz-sub-cols")
    columns = [("relation", "Product"), ("lookup", "Price"), ("number", "Qty"), ("formula", "Amount")]
    for n, (type_, label) in enumerate(columns, 1):
        drag_level(page, page.locator(f".dz-type[data-type={type_}]"), target)
        wait_cols(page, n)
        name_field(page, WORDS, label)
        if type_ == "relation":
            props(page).get_by_label("Linked form").select_option("products")
        elif type_ == "lookup":
            props(page).get_by_label("Relation to one record").select_option(label="Product")
            props(page).get_by_label("Field of the linked record (key)").select_option(label="Price (price)")
        elif type_ == "formula":
            props(page).locator("textarea[data-prop=formula]").fill("qty * price")
    assert cols(page) == ["product", "price", "qty", "amount"]

    drag(page, page.locator(".dz-type[data-type=formula]"), canvas, dy=0.97,
         until=page.locator("[data-testid=canvas] > .dz-type"))  # a row of its own, below the sub-form
    wait_added(page, 2)
    name_field(page, WORDS, "Total")
    props(page).locator("textarea[data-prop=formula]").fill("SUM(lines.amount)")

    page.get_by_test_id("rules-button").click()
    props(page).get_by_role("button", name="Add rule").click()
    rule = props(page).locator(".dz-rule").first
    rule.locator("[data-prop='message.en']").fill(LIMIT)
    rule.locator("[data-prop='message.zh-CN']").fill("订单不能超过 1,000。")
    rule.locator("[data-prop=rule-field]").select_option(label="Total")
    rule.locator("[data-mode=write]").click()
    rule.locator("textarea[data-prop=when]").fill("total > 1000")
    publish_in_designer(page)


def test_an_order_form_designed_in_the_pages_calculates_checks_and_exports(signed_in, live_server, live_api, shot):
    assert publish(live_api, PRODUCTS).status_code == 200
    live_api.post(records("products"), json={"name": "Pen", "price": "12.50"})
    live_api.post(records("products"), json={"name": "Ink", "price": "3"})
    page = signed_in()
    design_the_order_form(page, live_server)
    shot(page, "order-designed")

    page.goto(f"{live_server.url}/apps/crm/forms/orders/records/new")
    lines = page.locator("[data-subform=lines]")
    rows = lines.locator("[data-rows] > [data-row]")
    lines.get_by_role("button", name="Add row").click()
    pick(page, rows.nth(0), "Pe", "Pen")
    expect(output(rows.nth(0), "price")).to_have_text(re.compile(r"^12\.50$"))  # filled when picked
    page.locator('[name="lines[0].qty"]').fill("100")
    total = page.locator(".record-cell[data-key=total] .value")
    expect(output(rows.nth(0), "amount")).to_have_text(number("1,250"))
    expect(total).to_have_text(number("1,250"))
    lines.get_by_role("button", name="Add row").click()
    pick(page, rows.nth(1), "In", "Ink")
    page.locator('[name="lines[1].qty"]').fill("2")
    expect(output(rows.nth(1), "amount")).to_have_text(number("6"))
    expect(total).to_have_text(number("1,256"))
    shot(page, "order-over-limit")

    page.get_by_role("button", name="Save").click()
    # The total has no input: its rule's message is shown at its value, not only above the form.
    expect(page.locator(".record-cell[data-key=total] .field-error")).to_have_text(LIMIT)
    expect(total).to_have_text(number("1,256"))
    assert live_api.get(records("orders")).json()["items"] == []
    page.locator('[name="lines[0].qty"]').fill("10")
    expect(total).to_have_text(number("131"))
    page.get_by_role("button", name="Save").click()
    wait_landed(page, r"/records/\d+", "saved")
    assert [o["total"] for o in live_api.get(records("orders")).json()["items"]] == ["131.00"]

    page.goto(f"{live_server.url}/apps/crm/forms/orders")
    page.get_by_test_id("export-menu").locator("summary").click()
    with page.expect_download() as waiting:
        page.locator("[data-export-format=xlsx]").click()
    with open(waiting.value.path(), "rb") as stream:
        book = openpyxl.load_workbook(io.BytesIO(stream.read()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    column = rows[0].index("Total")
    assert [r[column] for r in rows[1:]] == [131]
    assert all(isinstance(r[column], int | float) for r in rows[1:])
    assert page.errors == []
