"""Sub-forms in the designer, in a real Chromium: an order's lines built column by column by
dragging from the palette, reordered, edited and published; the CRM's quote lines shown and
edited; a column's problem kept across a reload."""

import pytest

from tests.builder_ui.test_designer_browser import drag as drag_on_screen
from tests.builder_ui.test_designer_browser import name_field, props, wait_saved

pytestmark = pytest.mark.browser

PRODUCTS = {"key": "products", "label": {"en": "Products"}, "fields": [
    {"id": "p_name", "key": "name", "label": {"en": "Name"}, "type": "text"},
    {"id": "p_price", "key": "price", "label": {"en": "Price"}, "type": "money"}]}
WORDS = {"label_en": "Name (English)"}


def drag(page, source, target, dx=0.5, dy=0.5, until=None):
    source.scroll_into_view_if_needed()  # the palette's lower groups sit below the fold
    drag_on_screen(page, source, target, dx, dy, until)


def drag_level(page, source, target, dx=0.98):
    """Down (or up) the palette first, then straight across into the sub-form's columns: the
    way a person aims, and the rows the pointer crosses on the way do not move."""
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] * dx, end["y"] + end["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 5, y0 + 5, steps=3)
    page.mouse.move(x0, y1, steps=10)
    page.mouse.move(x1, y1, steps=15)
    page.mouse.move(x1, y1 + 1, steps=2)
    page.mouse.up()


def cols(page, sub="lines"):
    return page.get_by_test_id(f"subform-{sub}").locator(".dz-col .dz-cell-meta").evaluate_all(
        "metas => metas.map(m => m.textContent.split(' · ').pop())")


def col(page, key, sub="lines"):
    return page.get_by_test_id(f"subform-{sub}").locator(".dz-col", has_text=f"· {key}")


def wait_cols(page, n):
    page.wait_for_function(f"() => document.querySelectorAll('.dz-sub-cols .dz-col').length === {n} && "
                           f"document.querySelectorAll('.dz-sub-cols .dz-col')[{n - 1}].classList.contains('selected')")


def test_building_order_lines_by_dragging_columns_into_a_sub_form(signed_in, live_server, live_api, shot):
    live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert live_api.put("/api/v1/apps/crm/forms/products", json=PRODUCTS).status_code == 200
    assert live_api.post("/api/v1/apps/crm/forms/products:publish").status_code == 200
    # A draft with one field, not published yet.
    empty = {"key": "orders", "label": {"en": "Orders"}, "fields": [
        {"id": "f_note", "key": "note", "label": {"en": "Note"}, "type": "text"}]}
    assert live_api.put("/api/v1/apps/crm/forms/orders", json=empty).status_code == 200

    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/orders/design")
    canvas = page.get_by_test_id("canvas")
    drag(page, page.locator(".dz-type[data-type=subform]"), canvas.locator(".dz-row").first, dy=0.1)
    page.wait_for_function("() => document.querySelector('.dz-cell.selected .dz-sub-cols')")
    name_field(page, WORDS, "Lines")
    target = page.locator(".dz-sub-cols")
    columns = [("relation", "Product"), ("lookup", "Price"), ("formula", "Amount"), ("number", "Qty")]
    for n, (type_, label) in enumerate(columns, 1):
        drag_level(page, page.locator(f".dz-type[data-type={type_}]"), target)
        wait_cols(page, n)
        name_field(page, WORDS, label)
    assert cols(page) == ["product", "price", "amount", "qty"]
    assert canvas.locator(".dz-row").nth(1).inner_text().endswith("note")
    # A field new on the form moves into the sub-form by dragging it there.
    drag(page, page.locator(".dz-cell", has_text="· note"), target, dx=0.98)
    page.wait_for_function("() => document.querySelectorAll('.dz-sub-cols .dz-col').length === 5")
    assert sorted(cols(page)[3:]) == ["note", "qty"] and page.locator(".dz-cell").count() == 1
    built = cols(page)  # Note lands beside Qty, on whichever side the pointer let go
    reordered = ["product", "qty", "price"] + [k for k in built if k not in ("product", "qty", "price")]
    # A sub-form row holds no sub-form: dropping one there adds nothing.
    drag_level(page, page.locator(".dz-type[data-type=subform]"), col(page, "price"), dx=0.3)
    page.get_by_test_id("designer-alert").filter(has_text="A sub-form row cannot hold this type.").wait_for()
    assert cols(page) == built and page.locator(".dz-cell").count() == 1

    col(page, "product").click()
    props(page).get_by_label("Linked form").select_option("products")
    assert props(page).get_by_label("Link several records").count() == 0  # not in a row
    assert "Sub-form (rows of fields)" not in props(page).locator("[data-prop=type]").inner_text()
    col(page, "price").click()  # a lookup of the row's product's price
    props(page).get_by_label("Relation to one record").select_option(label="Product")
    props(page).get_by_label("Field of the linked record (key)").select_option(label="Price (price)")
    col(page, "qty").click()
    props(page).get_by_label("Required").check()
    col(page, "amount").click()
    props(page).locator("textarea[data-prop=formula]").fill("qty * price")
    # Reordered by dragging: Qty before Price (dragged leftwards past Amount).
    drag(page, col(page, "qty"), col(page, "price"), dx=0.1)
    page.wait_for_function("() => [...document.querySelectorAll('.dz-sub-cols .dz-col')]"
                           ".map(c => c.textContent).join('|').match(/qty.*price/)")
    assert cols(page) == reordered
    shot(page, "order-lines")

    wait_saved(page)
    page.locator("[data-action=publish]").click()
    page.get_by_test_id("confirm-publish").click()
    page.wait_for_url("**/design")
    page.get_by_test_id("save-status").filter(has_text="Published.").wait_for()
    body = live_api.get("/api/v1/apps/crm/forms/orders").json()["body"]
    lines = body["fields"][0]
    assert len(body["fields"]) == 1 and body["layout"] == [[lines["id"]]]
    assert [c["key"] for c in lines["fields"]] == reordered
    assert lines["fields"][0]["target"] == "products" and lines["fields"][1]["required"]
    assert (lines["fields"][2]["relation"], lines["fields"][2]["field"]) == (lines["fields"][0]["id"], "p_price")
    pen = live_api.post("/api/v1/apps/crm/forms/products/records", json={"name": "Pen", "price": "2.50"}).json()
    made = live_api.post("/api/v1/apps/crm/forms/orders/records", json={"lines": [
        {"product": pen["id"], "qty": "4"}]})
    assert made.status_code == 201, made.text
    assert (made.json()["lines"][0]["price"], made.json()["lines"][0]["amount"]) == ("2.50", "10.00")
    assert page.errors == []


def test_the_crm_quote_lines_are_shown_and_edited_and_a_bad_column_survives_a_reload(
        signed_in, live_server, live_api, shot):
    assert live_api.post("/api/v1/templates/crm:install", json={}).status_code in (200, 201)
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/quotes/design")
    assert cols(page) == ["product", "quantity", "unit_price", "discount", "amount"]
    col(page, "amount").click()
    assert "quantity" in props(page).locator("textarea[data-prop=formula]").input_value()
    col(page, "discount").click()
    name_field(page, WORDS, "Rebate")
    box = props(page).locator("[data-prop=key]")
    box.fill("Bad Key")
    page.get_by_test_id("save-status").filter(has_text="Draft saved. Fix the marked problems").wait_for()
    shot(page, "quote-lines-problem")
    page.reload()
    bad = col(page, "Bad Key")
    assert "has-error" in bad.get_attribute("class")
    bad.click()
    assert props(page).locator("[data-prop=key]").input_value() == "Bad Key"
    props(page).locator("[data-prop=key]").fill("rebate")
    wait_saved(page)
    page.wait_for_function("() => !document.querySelector('.dz-col.has-error')")
    draft = live_api.get("/api/v1/apps/crm/forms/quotes").json()
    lines = next(f for f in draft["body"]["fields"] if f["key"] == "lines")
    assert [c["key"] for c in lines["fields"]] == ["product", "quantity", "unit_price", "rebate", "amount"]
    assert draft["problems"] == []
    assert page.errors == []
