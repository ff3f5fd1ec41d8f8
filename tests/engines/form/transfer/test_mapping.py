"""Columns are matched to fields by label (zh or en) or key; the mapping is checked before rows are read."""

import pytest
from sqlalchemy import true

from brickwork.engines.form.access import Entry, Grant
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.forms import AppRef, Form
from brickwork.engines.form.transfer.mapping import check_mapping, suggest_mapping
from brickwork.platform.errors import Invalid


def make_form():
    body = {"key": "customers", "label": {"en": "Customers"}, "fields": [
        {"id": "f1", "key": "name", "type": "text", "required": True,
         "label": {"en": "Customer name", "zh-CN": "客户名称"}},
        {"id": "f2", "key": "annual_revenue", "type": "money", "label": {"en": "Annual revenue", "zh-CN": "年营业额"}},
        {"id": "f3", "key": "code", "type": "autonumber", "label": {"en": "Code", "zh-CN": "编号"}},
        {"id": "f4", "key": "secret", "type": "text", "label": {"en": "Secret"}},
    ]}
    return Form(AppRef(1, "crm"), "customers", 1, FormDefinition.model_validate(body))


GRANT = Grant([Entry(frozenset({"create", "read"}), true(), True)], {"f1", "f2", "f3", "f4"}, {"f1", "f2", "f3"})


def test_headers_match_labels_in_either_language_or_keys_ignoring_case_and_spaces():
    form = make_form()
    headers = ["客户名称", " ANNUAL   revenue ", "编号", "Secret", "Notes"]
    assert suggest_mapping(form, GRANT, headers) == {
        "客户名称": "name", " ANNUAL   revenue ": "annual_revenue",
        "编号": None,  # set by the server
        "Secret": None,  # not writable for this caller
        "Notes": None}
    assert suggest_mapping(form, GRANT, ["customer_name", "Customer Name*"]) == {
        "customer_name": "name", "Customer Name*": None}  # a field is filled by one column
    assert suggest_mapping(form, GRANT, ["Code"], upsert_key="code") == {"Code": "code"}


def test_a_mapping_that_cannot_work_is_refused_with_every_reason():
    form = make_form()
    with pytest.raises(Invalid) as caught:
        check_mapping(form, GRANT, ["A", "B", "C"], {"A": "annual_revenue", "B": "annual_revenue", "C": "secret",
                                                     "Z": "name"}, upsert_key="code")
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("mapping.B", "twice"), ("mapping.C", "unknown_field"), ("mapping.Z", "unknown_column"),
        ("mapping.name", "required"), ("upsert_key", "unmapped")}
    assert check_mapping(form, GRANT, ["A", "B"], {"A": "name", "B": None}, None) == {"A": "name"}
    with pytest.raises(Invalid):
        check_mapping(form, GRANT, ["A"], ["name"], None)
