"""The create/edit pages' form-logic endpoints over HTTP: which fields the rules hide for the
values typed so far, and the values linked data fills."""

from __future__ import annotations

import pytest

from tests.builder_ui import test_record_pages as record_pages
from tests.builder_ui.test_form_logic_browser import CUSTOMERS, ORDER, SALES
from tests.engines.form.helpers import publish, records

BASE = "/apps/crm/forms"
bearer, signed, token = record_pages.bearer, record_pages.signed, record_pages.token  # the record pages' fixtures


@pytest.fixture
def forms(bearer):
    for definition in (ORDER, CUSTOMERS, SALES):
        assert publish(bearer, definition).status_code == 200


def test_visibility_follows_the_typed_values(signed, forms):
    csrf = token(signed, f"{BASE}/order/records/new")
    url = f"{BASE}/order/records/visibility"
    person = signed.post(url, data={"kind": "person", "csrf_token": csrf}).json()
    assert person == {"hidden_fields": ["tax_number"], "hidden_sections": ["scompany"]}
    company = signed.post(url, data={"kind": "company", "csrf_token": csrf}).json()
    assert company == {"hidden_fields": [], "hidden_sections": []}


def test_the_new_page_says_where_to_ask(signed, forms):
    page = signed.get(f"{BASE}/sales/records/new").text
    assert 'data-fill-triggers="customer"' in page and f"{BASE}/sales/records/visibility" in page


def test_linked_data_fills_from_the_match_or_blank(signed, bearer, forms):
    acme = bearer.post(records("customers"), json={"name": "Acme", "phone": "555-0100"}).json()
    csrf = token(signed, f"{BASE}/sales/records/new")
    url = f"{BASE}/sales/records/fill"
    found = signed.post(url, data={"customer": str(acme["id"]), "_trigger": "customer", "csrf_token": csrf})
    assert found.json() == {"values": {"customer_phone": "555-0100"}}
    none = signed.post(url, data={"customer": "999", "_trigger": "customer", "csrf_token": csrf})
    assert none.json() == {"values": {"customer_phone": None}}


PRODUCTS = {"key": "products", "label": {"en": "Products"},
            "fields": [{"id": "pname", "key": "name", "type": "text", "label": {"en": "Name"}},
                       {"id": "pprice", "key": "price", "type": "money", "label": {"en": "Price"}}]}
QUOTES = {"key": "quotes", "label": {"en": "Quotes"}, "fields": [
    {"id": "qlines", "key": "lines", "type": "subform", "label": {"en": "Lines"}, "fields": [
        {"id": "qproduct", "key": "product", "type": "relation", "target": "products", "label": {"en": "Product"}},
        {"id": "qprice", "key": "unit_price", "type": "money", "label": {"en": "Unit price"},
         "fill_from": {"form": "products", "match": [{"field": "product", "equals": "id"}], "take": "price"}}]}]}


def test_linked_data_fills_a_cell_of_a_sub_form_row(signed, bearer):
    for definition in (PRODUCTS, QUOTES):
        assert publish(bearer, definition).status_code == 200
    pen = bearer.post(records("products"), json={"name": "Pen", "price": "2.50"}).json()
    page = signed.get(f"{BASE}/quotes/records/new").text
    assert 'data-fill-triggers="lines.product"' in page
    csrf = token(signed, f"{BASE}/quotes/records/new")
    found = signed.post(f"{BASE}/quotes/records/fill", data={
        "lines": "", "lines[0].product": "", "lines[1].product": str(pen["id"]), "_trigger": "lines[1].product",
        "csrf_token": csrf})
    assert found.json() == {"values": {"lines[1].unit_price": "2.50"}}
