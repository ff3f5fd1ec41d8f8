"""Formula fields: typed from their text, stored, recomputed in SQL after each write and at
publish (a constant number of statements), computed on read when they use the clock."""

import pytest
from sqlalchemy import event

from tests.engines.form.helpers import APP, changed, field, form, publish, records

LINES = field("o2", "subform", "lines", fields=[
    field("l1", "text", "product"),
    field("l2", "number", "qty", scale=0),
    field("l3", "money", "price"),
    field("l4", "formula", "line_total", formula="qty * price"),
])
ORDERS = form(
    "orders",
    field("o1", "text", "title"),
    field("o3", "money", "price"),
    field("o4", "number", "qty", scale=0),
    field("o5", "money", "shipping"),
    field("o6", "formula", "total", formula="{Price} * qty + shipping"),
    field("o7", "formula", "size", formula='IF(total >= 10000, "L", IF(total >= 1000, "M", "S"))'),
    field("o8", "formula", "code", formula='"Order-" & title'),
    LINES,
    field("o9", "rollup", "lines_total", source="lines", aggregate="sum", field="line_total"),
    field("o10", "formula", "grand_total", formula="total + lines_total"),
)


@pytest.fixture
def orders(api):
    published = publish(api, ORDERS)
    assert published.status_code == 200, published.text


def test_text_becomes_the_ast_by_id_with_its_result_type(api, orders):
    body = api.get(f"{APP}/forms/orders").json()["body"]
    total = next(f for f in body["fields"] if f["key"] == "total")
    assert "formula" not in total and total["result"] == "number"
    assert {"ref": "o3"} in total["expression"]["args"][0]["args"]
    size = next(f for f in body["fields"] if f["key"] == "size")
    assert size["result"] == "text"


def test_values_are_computed_on_create_and_update_in_decimal(api, orders):
    made = api.post(records("orders"), json={"title": "A7", "price": "19.90", "qty": "3"})
    assert made.status_code == 201, made.text
    record = made.json()
    # X4: blank shipping counts as 0; decimal, not 59.699999…; X5: "Order-" & title
    assert (record["total"], record["size"], record["code"]) == ("59.70", "S", "Order-A7")
    changed_ = api.patch(f"{records('orders')}/{record['id']}", json={"version": record["version"], "qty": "100",
                                                                      "title": None})
    assert changed_.status_code == 200, changed_.text
    assert (changed_.json()["total"], changed_.json()["size"], changed_.json()["code"]) == ("1990.00", "M", "Order-")


def test_formulas_are_read_only(api, orders):
    refused = api.post(records("orders"), json={"title": "A", "total": "5"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "total"


def test_row_formula_and_the_parent_total_m11(api, orders):
    made = api.post(records("orders"), json={"title": "A", "price": "10", "qty": "1", "lines": [
        {"product": "Pen", "qty": "3", "price": "2.50"}, {"product": "Ink", "qty": "2", "price": "9.90"}]}).json()
    assert [r["line_total"] for r in made["lines"]] == ["7.50", "19.80"]
    assert (made["lines_total"], made["grand_total"]) == ("27.30", "37.30")
    pen, ink = made["lines"]
    edited = api.patch(f"{records('orders')}/{made['id']}", json={"version": made["version"], "lines": [
        {"id": pen["id"], "qty": "4"}]}).json()
    assert (edited["lines_total"], edited["grand_total"]) == ("10.00", "20.00")


def test_filter_and_sort_on_a_stored_formula(api, orders):
    for title, price in (("a", "5"), ("b", "50"), ("c", "500")):
        api.post(records("orders"), json={"title": title, "price": price, "qty": "3"})
    found = api.get(records("orders"), params={"filter": '{"fn": ">", "args": [{"ref": "total"}, '
                                                          '{"lit": "100", "type": "number"}]}', "sort": "-total"})
    assert found.status_code == 200, found.text
    assert [r["title"] for r in found.json()["items"]] == ["c", "b"]


def test_a_parse_error_names_the_field_and_the_column(api):
    broken = form("broken", field("a", "number", "amount"), field("b", "formula", "tax", formula="amount * (2"))
    saved = api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    assert saved.status_code == 201
    answer = api.put(f"{APP}/forms/broken", json=broken)
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert error["field"] == "$.fields[1].formula" and "Column" in error["message"]


def test_a_cycle_of_three_formulas_is_refused_with_the_cycle_named(api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    circle = form("circle", field("a", "formula", "total", formula="tax + 1"),
                  field("b", "formula", "tax", formula="net * 2"), field("c", "formula", "net", formula="total - 1"))
    answer = api.put(f"{APP}/forms/circle", json=circle)
    assert answer.status_code == 422
    message = answer.json()["errors"][0]["message"]
    assert "Total → Tax → Net → Total" in message or "Tax → Net → Total → Tax" in message \
        or "Net → Total → Tax → Net" in message


def test_changing_a_formula_recomputes_every_record_in_a_constant_number_of_statements(api, engine):
    small = form("small", field("a", "number", "amount", scale=2), field("b", "formula", "tax", formula="amount * 2"))
    assert publish(api, small).status_code == 200
    counts = {}
    for n in (10, 1000):
        key = f"f{n}"
        definition = {**small, "key": key}
        assert publish(api, definition).status_code == 200
        assert api.post(f"{records(key)}:bulk", json={"records": [{"amount": str(i)} for i in range(n)]}).status_code \
            in (200, 201)
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany, into=statements):
            into.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            again = changed(definition, b={"formula": "amount * 3 + 1"})
            assert publish(api, again).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[n] = len(statements)
        items = api.get(records(key), params={"sort": "-amount", "limit": 1}).json()["items"]
        assert items[0]["tax"] == f"{(n - 1) * 3 + 1}.00"
    assert counts[10] == counts[1000]


def test_a_formula_over_the_clock_is_computed_on_read_and_refused_in_filters(api):
    clock = form("tasks", field("a", "date", "due"), field("b", "formula", "late", formula="DAYS(TODAY(), due)"))
    assert publish(api, clock).status_code == 200
    made = api.post(records("tasks"), json={"due": "2000-01-01"}).json()
    assert int(made["late"].split(".")[0]) > 9000
    assert int(api.get(f"{records('tasks')}/{made['id']}").json()["late"].split(".")[0]) > 9000
    refused = api.get(records("tasks"), params={"filter": '{"fn": ">", "args": [{"ref": "late"}, '
                                                         '{"lit": "1", "type": "number"}]}'})
    assert refused.status_code == 422 and "TODAY()" in refused.json()["errors"][0]["message"]
    assert api.get(records("tasks"), params={"sort": "late"}).status_code == 422


def test_a_result_type_change_recreates_the_column(api, orders):
    made = api.post(records("orders"), json={"title": "A", "price": "2", "qty": "3"}).json()
    assert made["total"] == "6.00"
    as_text = changed(ORDERS, o6={"formula": "title & \"!\""}, o7={"formula": '"x"'},
                      o10={"formula": "lines_total"})
    published = publish(api, as_text)
    assert published.status_code == 200, published.text
    assert api.get(f"{records('orders')}/{made['id']}").json()["total"] == "A!"


def test_a_parse_error_gives_the_span_for_the_editor(api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    broken = form("broken", field("a", "number", "amount"), field("b", "formula", "tax", formula="amount * nope"))
    error = api.put(f"{APP}/forms/broken", json=broken).json()["errors"][0]
    assert (error["start"], error["end"]) == (9, 13) and "nope" in error["message"]
