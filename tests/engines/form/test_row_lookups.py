"""Lookups in sub-form rows and formulas over lookups: an order line shows its product's
live price, ``amount = qty * price`` is stored and follows the price, and so does the
order's ``SUM(lines.amount)``."""

import pytest

from tests.engines.form.helpers import field, form, publish, records

PRODUCTS = form("products", field("p1", "text", "name"), field("p2", "money", "price"), title_field="p1")
ORDERS = form(
    "orders", field("o1", "text", "title"),
    field("o2", "subform", "lines", fields=[
        field("l1", "relation", "product", target="products"),
        field("l2", "lookup", "price", relation="product", field="price"),
        field("l3", "number", "qty", scale=0),
        field("l4", "formula", "amount", formula="qty * price")]),
    field("o4", "formula", "total", formula="SUM(lines.amount)"),
    field("o5", "relation", "featured", target="products"),
    field("o6", "lookup", "featured_price", relation="featured", field="price"),
    field("o7", "formula", "featured_twice", formula="featured_price * 2"),
)


@pytest.fixture
def shop(api):
    assert publish(api, PRODUCTS).status_code == 200
    answer = publish(api, ORDERS)
    assert answer.status_code == 200, answer.text
    pen = api.post(records("products"), json={"name": "Pen", "price": "2.50"}).json()
    ink = api.post(records("products"), json={"name": "Ink", "price": "10"}).json()
    return api, pen, ink


def get(api, oid):
    return api.get(f"{records('orders')}/{oid}").json()


def test_a_row_shows_the_live_price_and_its_amount_and_the_total_follow_it(shop):
    api, pen, ink = shop
    made = api.post(records("orders"), json={"title": "A", "featured": ink["id"], "lines": [
        {"product": pen["id"], "qty": "4"}, {"product": ink["id"], "qty": "1"}]})
    assert made.status_code == 201, made.text
    made = made.json()
    assert [(line["price"], line["amount"]) for line in made["lines"]] == [("2.50", "10.00"), ("10.00", "10.00")]
    assert (made["total"], made["featured_price"], made["featured_twice"]) == ("20.00", "10.00", "20.00")
    assert api.patch(f"{records('products')}/{ink['id']}", json={"version": 1, "price": "12"}).status_code == 200
    after = get(api, made["id"])
    assert [(line["price"], line["amount"]) for line in after["lines"]] == [("2.50", "10.00"), ("12.00", "12.00")]
    assert (after["total"], after["featured_twice"]) == ("22.00", "24.00")
    listed = api.get(records("orders")).json()["items"][0]
    assert listed["lines"][1]["price"] == "12.00"


def test_an_edit_of_a_row_keeps_the_lookup_live(shop):
    api, pen, ink = shop
    made = api.post(records("orders"), json={"title": "A", "lines": [{"product": pen["id"], "qty": "1"}]}).json()
    line = made["lines"][0]["id"]
    edited = api.patch(f"{records('orders')}/{made['id']}", json={"version": 1, "lines": [
        {"id": line, "product": ink["id"]}]})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["lines"][0]["price"], edited.json()["total"]) == ("10.00", "10.00")
    computed = api.post(records("orders") + ":compute", json={"lines": [{"product": ink["id"], "qty": "3"}]}).json()
    assert (computed["values"]["lines"][0]["amount"], computed["values"]["total"]) == ("30.00", "30.00")


def test_a_rule_on_a_total_over_looked_up_prices_is_kept_in_the_draft_and_enforced(api):
    """In a draft the total's type waits for publish (its rows' prices are lookups): a rule
    on it is not refused as comparing text with a number, and at publish it is enforced."""
    assert publish(api, PRODUCTS).status_code == 200
    limited = {**ORDERS, "rules": [{"id": "r1", "field": "o4", "when": "total > 100",
                                    "message": {"en": "An order cannot exceed 100."}}]}
    assert api.put("/api/v1/apps/crm/forms/orders", json=limited).status_code == 200
    assert api.get("/api/v1/apps/crm/forms/orders").json()["problems"] == []
    assert api.post("/api/v1/apps/crm/forms/orders:publish").status_code == 200
    pen = api.post(records("products"), json={"name": "Pen", "price": "2.50"}).json()
    over = api.post(records("orders"), json={"lines": [{"product": pen["id"], "qty": "50"}]})
    assert over.status_code == 422
    assert [e["message"] for e in over.json()["errors"] if e["field"] == "total"] == ["An order cannot exceed 100."]
    within = api.post(records("orders"), json={"lines": [{"product": pen["id"], "qty": "4"}]})
    assert within.status_code == 201 and within.json()["total"] == "10.00"
