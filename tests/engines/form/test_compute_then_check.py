"""Rules and visibility see the values a record will have: formulas, rollups and sums of
sub-form rows are computed before they are checked, on every write path (single, bulk,
bulk update, import)."""

import pytest

from tests.engines.form.helpers import field, form, publish, records

LINES = field("o2", "subform", "lines", fields=[
    field("l2", "number", "qty", scale=0),
    field("l3", "money", "price"),
    field("l4", "formula", "amount", formula="qty * price"),
])
ORDERS = form(
    "orders", field("o1", "text", "title"), field("o9", "boolean", "pre_approved"), LINES,
    field("o4", "formula", "total", formula="SUM(lines.amount)"),
    field("o5", "text", "big_note", show_when="total > 1000"),
    rules=[{"id": "r1", "when": "AND(total > 5000, NOT(pre_approved))", "field": "total",
            "message": {"en": "Large orders need approval first."}},
           {"id": "r2", "when": "SUM(lines.qty) > 100", "field": "lines",
            "message": {"en": "At most 100 pieces an order."}}],
)


def big(title="Big", **more):
    return {"title": title, "lines": [{"qty": "2", "price": "4000"}], **more}


@pytest.fixture
def orders(api):
    answer = publish(api, ORDERS)
    assert answer.status_code == 200, answer.text
    return api


def messages(response):
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_rule_over_a_formula_refuses_a_create_that_breaks_it(orders):
    refused = orders.post(records("orders"), json=big())
    assert refused.status_code == 422, refused.text
    assert messages(refused) == {"total": "Large orders need approval first."}
    assert orders.get(records("orders")).json()["items"] == []
    made = orders.post(records("orders"), json=big(pre_approved=True))
    assert made.status_code == 201, made.text
    assert made.json()["total"] == "8000.00"


def test_an_edit_that_breaks_a_rule_is_refused_and_changes_nothing(orders):
    made = orders.post(records("orders"), json={"title": "Small", "lines": [{"qty": "1", "price": "10"}]}).json()
    line = made["lines"][0]["id"]
    refused = orders.patch(f"{records('orders')}/{made['id']}", json={
        "version": made["version"], "lines": [{"id": line, "qty": "600"}]})
    assert refused.status_code == 422, refused.text
    assert set(messages(refused)) == {"total", "lines"}
    kept = orders.get(f"{records('orders')}/{made['id']}").json()
    assert (kept["version"], kept["total"], kept["lines"][0]["qty"]) == (1, "10.00", "1")
    renamed = orders.patch(f"{records('orders')}/{made['id']}", json={"version": 1, "title": "Renamed"})
    assert renamed.status_code == 200, renamed.text


def test_a_field_shown_by_a_formula_keeps_its_value_on_create(orders):
    made = orders.post(records("orders"), json=big(pre_approved=True, big_note="Call first"))
    assert made.status_code == 201, made.text
    assert made.json()["big_note"] == "Call first"
    small = orders.post(records("orders"), json={"title": "S", "big_note": "x", "lines": [{"qty": "1", "price": "1"}]})
    assert small.json()["big_note"] is None  # hidden by its rule: cleared, as before


def test_bulk_create_and_bulk_update_check_computed_values(orders):
    refused = orders.post(records("orders") + ":bulk", json={"records": [
        {"title": "ok", "lines": [{"qty": "1", "price": "1"}]}, big()]})
    assert refused.status_code == 422, refused.text
    assert messages(refused) == {"[1].total": "Large orders need approval first."}
    assert orders.get(records("orders")).json()["items"] == []
    made = orders.post(records("orders") + ":bulk", json={"records": [
        {"title": "ok", "lines": [{"qty": "1", "price": "1"}]}, big(pre_approved=True)]})
    assert made.status_code == 201, made.text
    second = made.json()["items"][1]
    refused = orders.patch(records("orders") + ":bulk", json={"records": [
        {"id": second["id"], "version": second["version"], "pre_approved": False}]})
    assert refused.status_code == 422, refused.text
    assert messages(refused) == {"[0].total": "Large orders need approval first."}


def test_an_import_checks_computed_values(api):
    flat = form("deals", field("d1", "text", "name"), field("d2", "number", "qty", scale=0),
                field("d3", "money", "price"), field("d4", "formula", "total", formula="qty * price"),
                rules=[{"id": "r1", "when": "total > 5000", "field": "total",
                        "message": {"en": "Too large for one deal."}}])
    assert publish(api, flat).status_code == 200
    data = "Name,Qty,Price\nsmall,1,10\nlarge,2,4000\n".encode()
    result = api.post(records("deals") + ":import", files={"file": ("d.csv", data)},
                      data={"mode": "valid"}).json()
    assert (result["created"], result["failed"]) == (1, 1), result
    assert result["problems"][0]["message"] == "Too large for one deal."
    assert [d["name"] for d in api.get(records("deals")).json()["items"]] == ["small"]
