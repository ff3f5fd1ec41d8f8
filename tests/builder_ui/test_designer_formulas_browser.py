"""The designer's formula editor in a real Chromium: the stored formula shown as text, the
server's error marked where it is, fields inserted by name, and the formula published."""

import pytest

from tests.builder_ui.test_designer_browser import props, wait_saved

pytestmark = pytest.mark.browser

FORM = {"key": "orders", "label": {"en": "Orders"}, "fields": [
    {"id": "f_price", "key": "price", "label": {"en": "Price"}, "type": "money"},
    {"id": "f_qty", "key": "qty", "label": {"en": "Qty"}, "type": "number"},
    {"id": "f_total", "key": "total", "label": {"en": "Total"}, "type": "formula", "formula": "{Price} * 2"}]}


def test_writing_a_formula_in_the_designer(signed_in, live_server, live_api, shot):
    live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert live_api.put("/api/v1/apps/crm/forms/orders", json=FORM).status_code == 200
    assert live_api.post("/api/v1/apps/crm/forms/orders:publish").status_code == 200

    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/orders/design")
    page.locator(".dz-cell", has_text="Total").click()
    editor = props(page).locator("textarea[data-prop=formula]")
    assert editor.input_value() == "price * 2"  # kept by id, shown with today's keys

    editor.fill("price * nope")
    problem = props(page).locator(".field-error", has_text="nope")
    problem.wait_for()
    assert "Column 9" in problem.inner_text()
    assert props(page).locator(".dz-formula-mark mark").inner_text() == "nope"
    shot(page, "formula-error")

    editor = props(page).locator("textarea[data-prop=formula]")
    editor.fill("price * ")
    props(page).get_by_label("Insert a field").select_option(label="Qty")
    assert editor.input_value() == "price * {Qty}"
    props(page).locator(".field-error", has_text="Column").wait_for(state="detached")  # saved without a problem
    wait_saved(page)
    assert props(page).locator(".dz-formula-mark").count() == 0

    page.locator("[data-action=publish]").click()
    page.get_by_test_id("confirm-publish").click()
    page.wait_for_url("**/design")
    page.get_by_test_id("save-status").filter(has_text="Published.").wait_for()
    made = live_api.post("/api/v1/apps/crm/forms/orders/records", json={"price": "2.50", "qty": "4"}).json()
    assert made["total"] == "10.00"
    assert page.errors == []
