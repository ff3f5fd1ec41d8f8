"""``records:compute``: what a save would compute for the values being typed, by the save's
own code, keeping nothing (live calculation on the create and edit pages)."""

import pytest

from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.test_compute_then_check import ORDERS

CUSTOMERS = form("customers", field("c1", "text", "name"), field("c2", "text", "city"))


@pytest.fixture
def orders(api):
    assert publish(api, CUSTOMERS).status_code == 200
    withcustomer = {**ORDERS, "fields": [*ORDERS["fields"],
                                         field("o6", "relation", "customer", target="customers"),
                                         field("o7", "lookup", "city", relation="o6", field="c2"),
                                         field("o8", "number", "count", scale=0, default=1)]}
    answer = publish(api, withcustomer)
    assert answer.status_code == 200, answer.text
    return api


def test_computing_a_new_record_gives_amounts_totals_lookups_and_visibility(orders):
    acme = orders.post(records("customers"), json={"name": "Acme", "city": "Hangzhou"}).json()["id"]
    answer = orders.post(records("orders") + ":compute", json={
        "title": "A", "customer": acme, "big_note": "x",
        "lines": [{"qty": "2", "price": "1000"}, {"qty": "3", "price": "10"}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    values = body["values"]
    assert [line["amount"] for line in values["lines"]] == ["2000.00", "30.00"]
    assert (values["total"], values["city"], values["count"], values["big_note"]) == ("2030.00", "Hangzhou", "1",
                                                                                   "x")
    assert body["hidden_fields"] == [] and body["errors"] == []
    assert orders.get(records("orders")).json()["total"] == 0  # nothing kept
    small = orders.post(records("orders") + ":compute", json={"lines": [{"qty": "1", "price": "5"}],
                                                                "big_note": "x"}).json()
    assert small["hidden_fields"] == ["big_note"] and small["values"]["big_note"] is None


def test_values_not_valid_yet_count_as_blank_and_rules_are_listed(orders):
    body = orders.post(records("orders") + ":compute", json={
        "lines": [{"qty": "abc", "price": "7"}, {"qty": "2", "price": "4000"}]}).json()
    assert [line["amount"] for line in body["values"]["lines"]] == ["0.00", "8000.00"]
    assert body["values"]["total"] == "8000.00"
    assert [e["field"] for e in body["errors"]] == ["total"]


def test_computing_an_edit_keeps_the_record_as_it_was(orders):
    made = orders.post(records("orders"), json={"title": "A", "lines": [{"qty": "1", "price": "10"}]}).json()
    line = made["lines"][0]["id"]
    body = orders.post(f"{records('orders')}/{made['id']}:compute", json={
        "lines": [{"id": line, "qty": "5"}, {"qty": "1", "price": "1"}]}).json()
    assert body["values"]["total"] == "51.00"
    kept = orders.get(f"{records('orders')}/{made['id']}").json()
    assert (kept["version"], kept["total"], len(kept["lines"])) == (1, "10.00", 1)
    missing = orders.post(f"{records('orders')}/999:compute", json={})
    assert missing.status_code == 404


def test_a_taken_unique_value_or_a_missing_link_does_not_stop_the_computation(api):
    assert publish(api, CUSTOMERS).status_code == 200
    deals = form("deals", field("d1", "text", "name", unique=True, required=True),
                 field("d2", "number", "qty", scale=0), field("d3", "relation", "customer", target="customers"),
                 field("d4", "formula", "twice", formula="qty * 2"))
    assert publish(api, deals).status_code == 200
    assert api.post(records("deals"), json={"name": "Acme"}).status_code == 201
    body = api.post(records("deals") + ":compute", json={"name": "Acme", "qty": "4", "customer": 999}).json()
    assert (body["values"]["twice"], body["values"]["name"], body["values"]["customer"]) == ("8.00", None, None)
    assert [e["field"] for e in body["errors"]] == ["name"]  # required, once the taken value is left out
    assert api.post(records("deals") + ":compute", json=[1]).status_code == 422
