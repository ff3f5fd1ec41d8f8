"""Ids the pages receive as text: "³" or "١" pass ``str.isdigit()`` but are no id (``int("³")``
fails), and twenty digits overflow a 64-bit column. Each page answers what it answers for any
other wrong id, never a 500."""

from __future__ import annotations

import pytest

from tests.builder_ui import test_record_pages as record_pages
from tests.builder_ui.test_form_logic_browser import CUSTOMERS, SALES
from tests.engines.form.helpers import publish, records

bearer, signed, token, fragment, new_deal = (record_pages.bearer, record_pages.signed, record_pages.token,
                                             record_pages.fragment, record_pages.new_deal)
BASE = "/apps/crm/forms"
NOT_IDS = ["³", "١", "99999999999999999999"]


@pytest.fixture
def sales(bearer):
    for definition in (CUSTOMERS, SALES):
        assert publish(bearer, definition).status_code == 200


@pytest.mark.parametrize("wrong", NOT_IDS)
def test_a_person_or_record_chosen_by_a_wrong_id_is_a_field_error(signed, sales, wrong):
    owner = fragment(signed, f"{BASE}/deal/records/new", {"name": "Acme", "owner": wrong})
    assert owner.status_code == 422
    assert 'data-key="owner"' in owner.text and "field-error" in owner.text
    customer = fragment(signed, f"{BASE}/sales/records/new", {"customer": wrong})
    assert customer.status_code == 422 and "field-error" in customer.text


@pytest.mark.parametrize("wrong", NOT_IDS)
def test_linked_data_for_a_wrong_id_fills_blank(signed, bearer, sales, wrong):
    bearer.post(records("customers"), json={"name": "Acme", "phone": "555-0100"})
    found = signed.post(f"{BASE}/sales/records/fill", data={
        "customer": wrong, "_trigger": "customer", "csrf_token": token(signed, f"{BASE}/sales/records/new")})
    assert found.status_code == 200 and found.json() == {"values": {"customer_phone": None}}


@pytest.mark.parametrize("wrong", NOT_IDS)
def test_restoring_a_wrong_id_asks_to_select_records(signed, bearer, wrong):
    deal = new_deal(bearer)
    assert bearer.delete(f"{records('deal')}/{deal['id']}").status_code == 204
    csrf = token(signed, f"{BASE}/deal/trash")
    for data in ({"one": wrong}, {"ids": [wrong]}):
        refused = signed.post(f"{BASE}/deal/trash/restore", data={**data, "csrf_token": csrf})
        assert refused.status_code == 422 and "Select the records to restore." in refused.text
    assert bearer.get(f"{records('deal')}/{deal['id']}").status_code == 404  # still in the bin


@pytest.mark.parametrize("wrong", NOT_IDS)
def test_a_wrong_version_on_edit_is_refused_like_a_missing_one(signed, bearer, wrong):
    deal = new_deal(bearer, stage="new")
    path = f"{BASE}/deal/records/{deal['id']}/fields/stage"
    for version in ("", wrong):
        refused = fragment(signed, path, {"stage": "won", "_version": version, "_original": '"new"'})
        assert refused.status_code == 422 and "The record is not valid." in refused.text
    assert bearer.get(f"{records('deal')}/{deal['id']}").json()["stage"] == "new"
