"""Lookups: the linked record's current value, live, filterable and sortable (M9)."""

import pytest

from tests.engines.form.helpers import field, form, publish, records

CUSTOMERS = form("customers", field("c1", "text", "name"), field("c2", "phone", "phone"),
                 field("c3", "number", "rank", scale=0))
ORDERS = form(
    "orders",
    field("o1", "text", "title"),
    field("o2", "relation", "customer", target="customers", on_delete="clear"),
    field("o3", "phone", "customer_phone"),  # a copy made when the order was taken (linked data)
    field("o4", "lookup", "customer_phone_live", relation="customer", field="phone"),
    field("o5", "lookup", "customer_rank", relation="o2", field="rank"),
)


@pytest.fixture
def shop(api):
    assert publish(api, CUSTOMERS).status_code == 200
    published = publish(api, ORDERS)
    assert published.status_code == 200, published.text
    acme = api.post(records("customers"), json={"name": "Acme", "phone": "13800138000", "rank": "2"}).json()
    beta = api.post(records("customers"), json={"name": "Beta", "phone": "13900139000", "rank": "1"}).json()
    return acme, beta


def test_a_lookup_shows_the_linked_records_current_value(api, shop):
    acme, _beta = shop
    order = api.post(records("orders"), json={"title": "A", "customer": acme["id"],
                                              "customer_phone": acme["phone"]}).json()
    assert order["customer_phone_live"] == "+8613800138000"
    changed = api.patch(f"{records('customers')}/{acme['id']}", json={"version": acme["version"],
                                                                     "phone": "13700137000"})
    assert changed.status_code == 200
    again = api.get(f"{records('orders')}/{order['id']}").json()
    assert again["customer_phone"] == "+8613800138000"  # the copy keeps the old number
    assert again["customer_phone_live"] == "+8613700137000"  # the lookup shows the new one
    assert api.get(records("orders")).json()["items"][0]["customer_phone_live"] == "+8613700137000"


def test_a_lookup_is_blank_without_a_link_or_with_the_linked_record_in_the_bin(api, shop):
    acme, _beta = shop
    lone = api.post(records("orders"), json={"title": "B"}).json()
    assert lone["customer_phone_live"] is None
    order = api.post(records("orders"), json={"title": "A", "customer": acme["id"]}).json()
    assert api.delete(f"{records('customers')}/{acme['id']}").status_code == 204
    assert api.get(f"{records('orders')}/{order['id']}").json()["customer_rank"] is None


def test_lookups_filter_and_sort_through_the_same_sub_query(api, shop):
    acme, beta = shop
    for title, who in (("a", acme), ("b", beta), ("c", acme)):
        api.post(records("orders"), json={"title": title, "customer": who["id"]})
    first = api.get(records("orders"), params={"sort": "customer_rank,title", "limit": 2}).json()
    assert [o["title"] for o in first["items"]] == ["b", "a"]
    rest = api.get(records("orders"), params={"sort": "customer_rank,title", "limit": 2,
                                              "cursor": first["next_cursor"]}).json()
    assert [o["title"] for o in rest["items"]] == ["c"]
    found = api.get(records("orders"), params={"filter": '{"fn": "=", "args": [{"ref": "customer_rank"}, '
                                                         '{"lit": "2", "type": "number"}]}'})
    assert found.status_code == 200, found.text
    assert sorted(o["title"] for o in found.json()["items"]) == ["a", "c"]


def test_a_lookup_of_a_missing_field_is_refused(api):
    assert publish(api, CUSTOMERS).status_code == 200
    wrong = form("orders", field("o2", "relation", "customer", target="customers"),
                 field("o4", "lookup", "nope", relation="customer", field="fax"))
    answer = publish(api, wrong)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "$.fields[1].field"


def test_a_formula_over_a_lookup_follows_the_linked_record(api, shop):
    acme, _beta = shop
    with_formula = {**ORDERS, "fields": [*ORDERS["fields"], field("o6", "formula", "x", formula="customer_rank + 1")]}
    answer = publish(api, with_formula)
    assert answer.status_code == 200, answer.text
    order = api.post(records("orders"), json={"title": "A", "customer": acme["id"]}).json()
    assert order["x"] == "3.00"
    assert api.patch(f"{records('customers')}/{acme['id']}", json={"version": 1, "rank": "5"}).status_code == 200
    assert api.get(f"{records('orders')}/{order['id']}").json()["x"] == "6.00"
    assert api.get(records("orders"), params={"sort": "-x"}).json()["items"][0]["x"] == "6.00"
    assert api.delete(f"{records('customers')}/{acme['id']}").status_code == 204  # on_delete: clear
    assert api.get(f"{records('orders')}/{order['id']}").json()["x"] == "1.00"
