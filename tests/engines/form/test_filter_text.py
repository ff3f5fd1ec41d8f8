"""``filter`` as the expression language's text: the same records as the JSON tree, its
problems placed in the text in the caller's language, and only readable fields named."""

import json

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import User
from tests.engines.form.helpers import field, form, publish, records

LEVELS = [{"id": c, "label": {"en": f"Level {c}", "zh-CN": f"{c}级"}} for c in "ABCD"]
READER = {"role": "reader", "actions": ["read"], "scope": "all", "fields": {"f_revenue": "none"}}
CUSTOMERS = form(
    "customers",
    field("f_name", "text", "name"),
    field("f_level", "select", "level", options=LEVELS),
    field("f_revenue", "number", "revenue", label={"en": "Annual revenue", "zh-CN": "年收入"}),
    field("f_since", "date", "since"),
    permissions=[READER],
)
URL = records("customers")
ROWS = [("a1", "A", 600000, "2025-01-10"), ("a2", "A", 400000, "2025-03-01"), ("b1", "B", 900000, None),
        ("a3", "A", 500000, "2024-12-31"), ("c1", "C", None, "2025-02-02")]


@pytest.fixture
def customers(api):
    publish(api, CUSTOMERS)
    made = api.post(f"{URL}:bulk", json={"records": [
        {"name": n, "level": lv, "revenue": r, "since": d} for n, lv, r, d in ROWS]})
    assert made.status_code == 201, made.text
    return api


def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [r["name"] for r in answer.json()["items"]]


def test_text_and_json_tree_find_the_same_records(customers):
    text = customers.get(URL, params={"filter": 'level = "A" AND revenue > 500000', "sort": "-revenue"})
    tree = customers.get(URL, params={"sort": "-revenue", "filter": json.dumps({"fn": "AND", "args": [
        {"fn": "=", "args": [{"ref": "level"}, {"lit": "A", "type": "choice"}]},
        {"fn": ">", "args": [{"ref": "revenue"}, {"lit": "500000", "type": "number"}]}]})})
    assert names(text) == names(tree) == ["a1"]
    assert text.json()["total"] == 1


def test_text_names_fields_by_key_or_label_with_functions_and_blanks(customers):
    by_label = customers.get(URL, params={"filter": '{Annual revenue} >= 500000 and since < DATE(2025, 1, 1)'})
    assert names(by_label) == ["a3"]
    blank = customers.get(URL, params={"filter": "ISBLANK(revenue) OR NOT ISBLANK(revenue) AND level = \"B\""})
    assert names(blank) == ["b1", "c1"]
    chinese = customers.get(URL, params={"filter": "{年收入} < 450000"})
    assert names(chinese) == ["a2"]


def test_pages_of_a_text_filter_follow_their_cursor(customers):
    first = customers.get(URL, params={"filter": 'level = "A"', "sort": "revenue", "limit": 2})
    assert names(first) == ["a2", "a3"] and first.json()["total"] == 3
    rest = customers.get(URL, params={"filter": 'level = "A"', "sort": "revenue", "limit": 2,
                                      "cursor": first.json()["next_cursor"]})
    assert names(rest) == ["a1"] and rest.json()["next_cursor"] is None


@pytest.mark.parametrize(("text", "code", "column"), [
    ('level = "A" AND', "unexpected_end", 16),
    ('level = "A" AND revenu > 5', "unknown_field", 17),
    ("revenue > \"many\"", "type_mismatch", 11),
])
def test_bad_text_is_422_on_filter_with_its_place(customers, text, code, column):
    refused = customers.get(URL, params={"filter": text})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    error = refused.json()["errors"][0]
    assert error["field"] == "filter" and error["code"] == code
    assert error["column"] == column and error["message"].startswith(f"Column {column}:")


def test_a_bad_filter_is_told_in_the_callers_language(customers):
    refused = customers.get(URL, params={"filter": "level = "}, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "filter" and error["message"].startswith("第 9 列")


def test_broken_json_tree_is_still_told_as_json(customers):
    refused = customers.get(URL, params={"filter": '{"fn": "=", "args": ['})
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {"field": "filter", "code": "json",
                                           "message": "The filter is not valid JSON."}


@pytest.fixture
def reader(app, sessions, customers):
    with transaction(sessions) as s:
        create_role(s, "reader", {"en": "Reader"})
        user = create_user(s, "reader", "password-1")
        grant_role(s, user.id, "reader")
        token = create_token(s, "reader")[1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}) as client:
        yield client


def test_a_field_the_caller_may_not_read_is_no_field_to_the_text(reader):
    assert names(reader.get(URL, params={"filter": 'level = "A"'})) == ["a1", "a2", "a3"]
    for text in ("revenue > 500000", "{Annual revenue} > 500000", "f_revenue > 1"):
        refused = reader.get(URL, params={"filter": text})
        assert refused.status_code == 422, text
        error = refused.json()["errors"][0]
        assert error["field"] == "filter" and error["code"] == "unknown_field"
        assert "revenue" not in error["message"].partition("Did you mean")[2]  # no hint at the hidden name
    tree = reader.get(URL, params={"filter": json.dumps(
        {"fn": ">", "args": [{"ref": "revenue"}, {"lit": "1", "type": "number"}]})})
    assert tree.status_code == 403  # the JSON tree names fields by id or key: refused as before


def test_see_as_a_person_reads_the_text_over_that_persons_fields(customers, reader, sessions):
    with sessions() as s:
        person = s.scalar(select(User.id).where(User.username == "reader"))
    preview = f"{URL.rsplit('/records', 1)[0]}/preview/{person}"
    assert names(customers.get(preview, params={"filter": 'level = "A" and name <> "a2"'})) == ["a1", "a3"]
    refused = customers.get(preview, params={"filter": "revenue > 1"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "unknown_field"
