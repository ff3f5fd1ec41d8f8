"""Sub-forms: an order's lines, validated per row, stored in a child table, changed as a list."""

import pytest

from tests.engines.form.helpers import APP, field, form, publish, records

LINES = field("o2", "subform", "lines", min_rows=1, fields=[
    field("l1", "text", "product", required=True, unique=True),
    field("l2", "number", "qty", scale=0, default="1"),
    field("l3", "money", "price"),
])
ORDERS = form("orders", field("o1", "text", "title"), LINES)


@pytest.fixture
def orders(api):
    assert publish(api, ORDERS).status_code == 200


def test_rows_are_stored_in_order_with_ids_and_defaults(api, orders):
    made = api.post(records("orders"), json={"title": "A", "lines": [
        {"product": "Pen", "qty": "3", "price": "2.50"}, {"product": "Ink", "price": "9.90"}]})
    assert made.status_code == 201, made.text
    lines = made.json()["lines"]
    assert [(r["product"], r["qty"], r["price"]) for r in lines] == [("Pen", "3", "2.50"), ("Ink", "1", "9.90")]
    assert all(isinstance(r["id"], int) for r in lines)
    assert api.get(records("orders")).json()["items"][0]["lines"] == lines


def test_each_row_is_validated_at_its_place(api, orders):
    bad = api.post(records("orders"), json={"title": "A", "lines": [
        {"product": "Pen", "qty": "x"}, {"qty": "2"}, {"product": "pen"}, {"colour": "red"}]})
    assert bad.status_code == 422
    found = {(e["field"], e["code"]) for e in bad.json()["errors"]}
    assert ("lines[0].qty", "type") in found
    assert ("lines[1].product", "required") in found
    assert ("lines[2].product", "duplicate") in found  # unique within the order, ignoring case
    assert ("lines[3].colour", "unknown") in found
    assert api.get(records("orders")).json()["total"] == 0


def test_too_few_rows_is_refused(api, orders):
    refused = api.post(records("orders"), json={"title": "A"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lines"


def test_sending_the_list_changes_kept_rows_adds_new_ones_and_removes_the_rest(api, orders):
    made = api.post(records("orders"), json={"title": "A", "lines": [
        {"product": "Pen", "qty": "3"}, {"product": "Ink"}, {"product": "Pad"}]}).json()
    pen, ink, _pad = made["lines"]
    changed = api.patch(f"{records('orders')}/{made['id']}", json={"version": made["version"], "lines": [
        {"id": ink["id"], "qty": "5"}, {"product": "Cap"}, {"id": pen["id"]}]})
    assert changed.status_code == 200, changed.text
    lines = changed.json()["lines"]
    assert [(r["id"], r["product"], r["qty"]) for r in lines] == [
        (ink["id"], "Ink", "5"), (lines[1]["id"], "Cap", "1"), (pen["id"], "Pen", "3")]
    history = api.get(f"{records('orders')}/{made['id']}/history").json()
    before, after = history[-1]["changes"]["lines"]
    assert len(before) == 3 and after == lines


def test_a_row_id_of_another_record_is_refused_and_changes_nothing(api, orders):
    first = api.post(records("orders"), json={"title": "A", "lines": [{"product": "Pen"}]}).json()
    second = api.post(records("orders"), json={"title": "B", "lines": [{"product": "Ink"}]}).json()
    stolen = api.patch(f"{records('orders')}/{second['id']}", json={
        "version": second["version"], "lines": [{"id": first["lines"][0]["id"], "product": "Mine"}]})
    assert stolen.status_code == 422
    assert api.get(f"{records('orders')}/{first['id']}").json()["lines"][0]["product"] == "Pen"
    assert api.get(f"{records('orders')}/{second['id']}").json()["version"] == second["version"]


def test_adding_a_child_field_adds_a_column_and_a_removed_one_keeps_its_values(api, orders):
    made = api.post(records("orders"), json={"title": "A", "lines": [{"product": "Pen", "price": "2.00"}]}).json()
    without_price = form("orders", field("o1", "text", "title"), {**LINES, "fields": [
        LINES["fields"][0], LINES["fields"][1], field("l4", "text", "note")]})
    assert publish(api, without_price).status_code == 200
    row = api.get(f"{records('orders')}/{made['id']}").json()["lines"][0]
    assert "price" not in row and row["note"] is None
    assert publish(api, {**ORDERS, "fields": [ORDERS["fields"][0], {**LINES, "fields": [
        *LINES["fields"], field("l4", "text", "note")]}]}).status_code == 200
    assert api.get(f"{records('orders')}/{made['id']}").json()["lines"][0]["price"] == "2.00"


def test_a_child_field_cannot_change_type(api, orders):
    changed = {**LINES, "fields": [LINES["fields"][0], field("l2", "text", "qty"), LINES["fields"][2]]}
    refused = publish(api, form("orders", field("o1", "text", "title"), changed))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lines.qty"
    assert api.get(f"{APP}/forms/orders").status_code == 200


def test_a_sub_form_cannot_nest_another():
    from pydantic import ValidationError

    from brickwork.engines.form.definition import FieldDef

    with pytest.raises(ValidationError, match="cannot hold a subform"):
        FieldDef.model_validate(field("x", "subform", "outer", fields=[field("y", "subform", "inner", fields=[
            field("z", "text", "t")])]))


def test_changing_other_fields_leaves_the_rows_alone(api, orders):
    made = api.post(records("orders"), json={"title": "A", "lines": [{"product": "Pen", "price": "2.00"}]}).json()
    changed = api.patch(f"{records('orders')}/{made['id']}", json={"version": made["version"], "title": "B"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["lines"] == made["lines"]
    same = api.patch(f"{records('orders')}/{made['id']}", json={"version": changed.json()["version"],
                                                                 "lines": made["lines"]})
    assert same.json()["version"] == changed.json()["version"]  # the same rows are no change
