"""Formulas that sum up a sub-form's rows or a relation's records: SUM(lines.amount), kept
correct as rows and links are added, changed and removed."""

import pytest
from sqlalchemy import event

from tests.engines.form.helpers import changed, field, form, publish, records

LINES = field("o2", "subform", "lines", fields=[
    field("l1", "text", "product"),
    field("l2", "number", "qty", scale=0),
    field("l3", "money", "price"),
    field("l4", "formula", "amount", formula="qty * price"),
])
ORDERS = form(
    "orders", field("o1", "text", "title"), field("o3", "number", "discount", scale=2), LINES,
    field("o4", "formula", "total", formula="SUM(lines.amount)"),
    field("o5", "formula", "net", formula="SUM(lines.amount) * (1 - discount)"),
    field("o6", "formula", "count", formula="COUNT(lines)"),
    field("o7", "formula", "average", formula="AVERAGE(lines.price)"),
    field("o8", "formula", "dearest", formula="MAX(lines.price)"),
)


def order(api, oid):
    return api.get(f"{records('orders')}/{oid}").json()


def sums(record):
    return tuple(record[k] for k in ("total", "net", "count", "average", "dearest"))


@pytest.fixture
def orders(api):
    answer = publish(api, ORDERS)
    assert answer.status_code == 200, answer.text


def test_the_total_follows_lines_added_edited_and_deleted(api, orders):
    made = api.post(records("orders"), json={"title": "A", "discount": "0.10", "lines": [
        {"product": "Pen", "qty": "3", "price": "2.50"}, {"product": "Ink", "qty": "2", "price": "9.90"}]})
    assert made.status_code == 201, made.text
    made = made.json()
    assert [line["amount"] for line in made["lines"]] == ["7.50", "19.80"]
    assert sums(made) == ("27.30", "24.57", "2.00", "6.20", "9.90")
    pen, ink = made["lines"]
    edited = api.patch(f"{records('orders')}/{made['id']}", json={"version": made["version"], "lines": [
        {"id": pen["id"], "qty": "4"}, {"id": ink["id"]}, {"product": "Pad", "qty": "1", "price": "1"}]})
    assert edited.status_code == 200, edited.text
    assert sums(order(api, made["id"])) == ("30.80", "27.72", "3.00", "4.47", "9.90")
    edited = edited.json()
    deleted = api.patch(f"{records('orders')}/{made['id']}", json={"version": edited["version"], "lines": [
        {"id": ink["id"]}]})
    assert deleted.status_code == 200, deleted.text
    assert sums(order(api, made["id"])) == ("19.80", "17.82", "1.00", "9.90", "9.90")
    emptied = api.patch(f"{records('orders')}/{made['id']}", json={"version": deleted.json()["version"],
                                                                  "lines": []})
    assert emptied.status_code == 200, emptied.text
    # SUM and COUNT of no rows are 0; AVERAGE and MAX of none are blank.
    assert sums(order(api, made["id"])) == ("0.00", "0.00", "0.00", None, None)


def test_a_formula_over_the_rows_can_be_filtered_and_sorted(api, orders):
    for title, price in (("small", "1"), ("big", "100")):
        api.post(records("orders"), json={"title": title, "lines": [{"qty": "2", "price": price}]})
    page = api.get(records("orders"), params={"sort": "-total"}).json()["items"]
    assert [o["title"] for o in page] == ["big", "small"]


def test_publishing_an_aggregate_computes_it_for_existing_records(api):
    plain = {**ORDERS, "fields": ORDERS["fields"][:3]}
    assert publish(api, plain).status_code == 200
    made = api.post(records("orders"), json={"title": "A", "lines": [{"qty": "2", "price": "3"}]}).json()
    assert publish(api, ORDERS).status_code == 200
    assert order(api, made["id"])["total"] == "6.00"


def test_a_changed_aggregate_is_recomputed_in_a_constant_number_of_statements(api, engine):
    counts = {}
    for n in (5, 200):
        key = f"orders{n}"
        assert publish(api, {**ORDERS, "key": key}).status_code == 200
        made = api.post(f"{records(key)}:bulk", json={"records": [
            {"title": str(i), "lines": [{"qty": "1", "price": str(i)}, {"qty": "2", "price": "1"}]}
            for i in range(n)]})
        assert made.status_code in (200, 201), made.text
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany, into=statements):
            into.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            answer = publish(api, changed({**ORDERS, "key": key}, o4={"formula": "SUM(lines.amount) + COUNT(lines)"}))
            assert answer.status_code == 200, answer.text
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[n] = len(statements)
        top = api.get(records(key), params={"sort": "-total", "limit": 1}).json()["items"][0]
        assert top["total"] == f"{(n - 1) + 2 + 2}.00"
    assert counts[5] == counts[200]


def test_a_formula_over_the_clock_sums_up_rows_when_read(api):
    due = field("o9", "formula", "due_now", formula="IF(TODAY() >= DATE(2000, 1, 1), SUM(lines.amount), 0)")
    answer = publish(api, {**ORDERS, "fields": [*ORDERS["fields"], due]})
    assert answer.status_code == 200, answer.text
    made = api.post(records("orders"), json={"title": "A", "lines": [{"qty": "2", "price": "3"}]}).json()
    assert made["due_now"] == "6.00"
    listed = api.get(records("orders")).json()["items"]
    assert [o["due_now"] for o in listed] == ["6.00"]


@pytest.mark.parametrize(("formula", "code", "where"), [
    ("SUM(lines)", "rows_not_values", "lines"),
    ("lines.amount + 1", "list_outside_aggregate", "lines.amount"),
    ("SUM(lines.amout)", "unknown_field", "amout"),
    ("SUM(title.amount)", "not_rows", "title"),
])
def test_a_wrong_aggregate_is_refused_at_its_place(api, formula, code, where):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    answer = api.put("/api/v1/apps/crm/forms/orders", json=changed(ORDERS, o4={"formula": formula}))
    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["code"] == code
    assert formula[error["start"]:error["end"]] == where


def test_the_error_is_in_the_users_language(api):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    answer = api.put("/api/v1/apps/crm/forms/orders", json=changed(ORDERS, o4={"formula": "SUM(lines)"}),
                     headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 422
    assert "COUNT(lines)" in answer.json()["errors"][0]["message"]
    assert "SUM needs" not in answer.json()["errors"][0]["message"]


# --- over a relation to many -------------------------------------------------------------------

DEALS = form("deals", field("d1", "text", "title"), field("d2", "money", "amount"))
CUSTOMERS = form(
    "customers", field("c1", "text", "name"),
    field("c2", "relation", "opportunities", target="deals", multiple=True, on_delete="clear"),
    field("c3", "formula", "pipeline", formula="SUM(opportunities.amount)"),
    field("c4", "formula", "deals", formula="COUNT(opportunities)"),
)


@pytest.fixture
def crm(api):
    assert publish(api, DEALS).status_code == 200
    answer = publish(api, CUSTOMERS)
    assert answer.status_code == 200, answer.text


def customer(api, cid):
    found = api.get(f"{records('customers')}/{cid}").json()
    return found["pipeline"], found["deals"]


def test_a_sum_over_a_relation_follows_links_amounts_and_deletes(api, crm):
    deals = [api.post(records("deals"), json={"title": t, "amount": a}).json()
             for t, a in (("D1", "100"), ("D2", "20.50"), ("D3", "7"))]
    acme = api.post(records("customers"), json={"name": "Acme", "opportunities": [deals[0]["id"], deals[1]["id"]]})
    assert acme.status_code == 201, acme.text
    acme = acme.json()
    assert (acme["pipeline"], acme["deals"]) == ("120.50", "2.00")
    relinked = api.patch(f"{records('customers')}/{acme['id']}", json={
        "version": acme["version"], "opportunities": [deals[1]["id"], deals[2]["id"]]})
    assert relinked.status_code == 200, relinked.text
    assert customer(api, acme["id"]) == ("27.50", "2.00")
    d3 = deals[2]
    edited = api.patch(f"{records('deals')}/{d3['id']}", json={"version": d3["version"], "amount": "10"})
    assert edited.status_code == 200
    assert customer(api, acme["id"]) == ("30.50", "2.00")
    assert api.delete(f"{records('deals')}/{d3['id']}").status_code == 204  # the link is cleared
    assert customer(api, acme["id"]) == ("20.50", "1.00")


def test_a_field_a_formula_sums_up_cannot_change_type(api, crm):
    answer = publish(api, changed(DEALS, d2={"type": "text"}))
    assert answer.status_code == 422, answer.text
    assert "Pipeline" in answer.json()["errors"][0]["message"]


# --- over the records of another form that link here (a reverse relation) -----------------------

TASKS = form("tasks", field("t1", "text", "name"), field("t2", "number", "hours", scale=1),
             field("t3", "relation", "project", target="projects", on_delete="clear"))
PROJECTS = form("projects", field("p1", "text", "name"))
WITH_HOURS = {**PROJECTS, "fields": [*PROJECTS["fields"],
                                     field("p2", "formula", "hours", formula="SUM(tasks.project.hours)"),
                                     field("p3", "formula", "task_count", formula="COUNT(tasks.project)")]}


def test_a_sum_over_records_that_link_here_follows_moves(api):
    assert publish(api, PROJECTS).status_code == 200
    assert publish(api, TASKS).status_code == 200
    answer = publish(api, WITH_HOURS)
    assert answer.status_code == 200, answer.text
    a, b = (api.post(records("projects"), json={"name": n}).json()["id"] for n in ("A", "B"))
    task = api.post(records("tasks"), json={"name": "x", "hours": "1.5", "project": a}).json()
    api.post(records("tasks"), json={"name": "y", "hours": "2", "project": a})

    def hours(pid):
        found = api.get(f"{records('projects')}/{pid}").json()
        return found["hours"], found["task_count"]

    assert hours(a) == ("3.50", "2.00")
    moved = api.patch(f"{records('tasks')}/{task['id']}", json={"version": task["version"], "project": b})
    assert moved.status_code == 200, moved.text
    assert (hours(a), hours(b)) == (("2.00", "1.00"), ("1.50", "1.00"))
    assert api.delete(f"{records('tasks')}/{task['id']}").status_code == 204
    assert hours(b) == ("0.00", "0.00")
    assert api.post(f"{records('tasks')}/{task['id']}:restore").status_code == 200
    assert hours(b) == ("1.50", "1.00")
