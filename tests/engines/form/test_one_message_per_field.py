"""A field refused for one reason is told once, with the reason that matters: a required
number given as "abc" is "not a number", not also "required" (nor a rule on it)."""

from tests.engines.form.helpers import field, form, publish, records

ITEMS = form("items", field("i1", "text", "name"), field("i2", "number", "amount", required=True),
             rules=[{"id": "r1", "when": "ISBLANK(amount)", "field": "amount",
                     "message": {"en": "Give an amount.", "zh-CN": "请填写金额。"}}])


def messages(answer, key):
    assert answer.status_code == 422, answer.text
    return [(e["code"], e["message"]) for e in answer.json()["errors"] if e["field"] == key]


def test_a_value_that_does_not_parse_is_told_once(api):
    assert publish(api, ITEMS).status_code == 200
    told = messages(api.post(records("items"), json={"name": "Pen", "amount": "abc"}), "amount")
    assert len(told) == 1 and told[0][0] == "type"
    missing = messages(api.post(records("items"), json={"name": "Pen"}), "amount")
    assert [code for code, _message in missing] == ["required"]


def test_a_bulk_create_tells_each_row_once(api):
    assert publish(api, ITEMS).status_code == 200
    answer = api.post(f"{records('items')}:bulk", json={"records": [{"name": "A", "amount": "x"}, {"name": "B"}]})
    assert answer.status_code == 422, answer.text
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("[0].amount", "type"),
                                                                          ("[1].amount", "required")]
