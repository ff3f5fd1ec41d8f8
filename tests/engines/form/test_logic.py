"""Form logic on every save: visibility rules (M1, M2) and validation rules."""

import pytest

from tests.engines.form import test_access
from tests.engines.form.helpers import APP, changed, field, form, publish, records

people, SALES_OWN = test_access.people, test_access.SALES_OWN  # users with roles, and a role that cannot see cost

INVOICES = form(
    "invoices",
    field("i1", "boolean", "need_invoice"),
    field("i2", "text", "invoice_title", required=True, show_when="need_invoice"),
    field("i3", "formula", "title_length", formula="LEN(invoice_title)"),
    field("i4", "select", "kind", options=[{"id": "person", "label": {"en": "Person"}},
                                           {"id": "company", "label": {"en": "Company"}}]),
    field("i5", "text", "tax_number"),
    field("i6", "number", "amount", scale=0),
    sections=[{"id": "s1", "label": {"en": "Company"}, "show_when": 'kind = "company"'}],
    layout=[["i1"], ["i2"], ["i3"], ["i4", "i6"], ["s1"], ["i5"]],
    rules=[{"id": "r1", "when": "amount < 0", "field": "amount",
            "message": {"en": "The amount cannot be negative.", "zh-CN": "金额不能为负数。"}}],
)


@pytest.fixture
def invoices(api):
    published = publish(api, INVOICES)
    assert published.status_code == 200, published.text


def test_conditions_are_kept_as_the_ast_by_id(api, invoices):
    body = api.get(f"{APP}/forms/invoices").json()["body"]
    title = next(f for f in body["fields"] if f["key"] == "invoice_title")
    assert title["show_when"] == {"ref": "i1"}
    assert body["rules"][0]["when"]["args"][0] == {"ref": "i6"}


def test_m1_required_only_when_shown(api, invoices):
    assert api.post(records("invoices"), json={"need_invoice": False}).status_code == 201
    refused = api.post(records("invoices"), json={"need_invoice": True})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["invoice_title"]


def test_m2_hidden_value_is_cleared_on_save(api, invoices):
    made = api.post(records("invoices"), json={"need_invoice": True, "invoice_title": "ACME Ltd"}).json()
    assert made["title_length"] == "8.00"
    saved = api.patch(f"{records('invoices')}/{made['id']}", json={"need_invoice": False, "version": 1})
    assert saved.status_code == 200, saved.text
    assert saved.json()["invoice_title"] is None
    assert saved.json()["title_length"] == "0.00"
    # a hidden value sent along is not kept either
    made = api.post(records("invoices"), json={"need_invoice": False, "invoice_title": "Stray"}).json()
    assert made["invoice_title"] is None


def test_m2_keep_when_hidden(api):
    assert publish(api, changed(INVOICES, i2={"keep_when_hidden": True})).status_code == 200
    made = api.post(records("invoices"), json={"need_invoice": True, "invoice_title": "ACME Ltd"}).json()
    saved = api.patch(f"{records('invoices')}/{made['id']}", json={"need_invoice": False, "version": 1})
    assert saved.json()["invoice_title"] == "ACME Ltd"


def test_a_section_rule_hides_its_fields(api, invoices):
    made = api.post(records("invoices"), json={"kind": "person", "tax_number": "X1"}).json()
    assert made["tax_number"] is None
    made = api.post(records("invoices"), json={"kind": "company", "tax_number": "X1"}).json()
    assert made["tax_number"] == "X1"


def test_a_validation_rule_refuses_with_its_message_at_its_field(api, invoices):
    refused = api.post(records("invoices"), json={"amount": -5})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "amount", "code": "rule", "message": "The amount cannot be negative."}]
    made = api.post(records("invoices"), json={"amount": 5}).json()
    refused = api.patch(f"{records('invoices')}/{made['id']}", json={"amount": -1, "version": 1},
                        headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == "金额不能为负数。"


def test_a_circle_of_visibility_rules_is_refused(api):
    circle = form("loops", field("a1", "text", "first", show_when="NOT(ISBLANK(second))"),
                  field("a2", "text", "second", show_when="NOT(ISBLANK(first))"))
    refused = api.put(f"{APP}/forms/loops", json=circle)
    if refused.status_code == 404:  # the app does not exist yet
        publish(api, form("seed", field("s1", "text", "name")))
        refused = api.put(f"{APP}/forms/loops", json=circle)
    assert refused.status_code == 422
    assert "circle" in refused.text and "First" in refused.text


def test_a_condition_must_be_true_or_false(api):
    publish(api, form("seed", field("s1", "text", "name")))
    refused = api.put(f"{APP}/forms/bad", json=form("bad", field("b1", "text", "name", show_when="name")))
    assert refused.status_code == 422


def test_a_field_hidden_by_permission_is_never_cleared(api, people):
    lead = form("leads", field("f_name", "text", "name"), field("f_cost", "money", "cost", show_when='name = "big"'),
                permissions=[SALES_OWN])
    assert publish(api, lead).status_code == 200
    li = people["li"]
    made = li.post(records("leads"), json={"name": "big"}).json()
    assert api.patch(f"{records('leads')}/{made['id']}", json={"cost": "99", "version": 1}).status_code == 200
    assert li.patch(f"{records('leads')}/{made['id']}", json={"name": "small", "version": 2}).status_code == 200
    assert api.get(f"{records('leads')}/{made['id']}").json()["cost"] == "99.00"  # li cannot see it: kept
    assert api.patch(f"{records('leads')}/{made['id']}", json={"name": "tiny", "version": 3}).json()["cost"] is None
