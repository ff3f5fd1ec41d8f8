"""Bad input is a 4xx problem naming what is wrong, never a 500 (issue 11, items 4 and 8):
numbers past 64 bits, forged cursors, huge sorts, lone surrogates, deep or costly filters."""

import base64
import json

import pytest
from starlette.testclient import TestClient

from tests.engines.form.helpers import APP, field, form, publish, records

BIG = 2**64
DEALS = form(
    "deals",
    field("f_name", "text", "name"),
    field("f_amount", "money", "amount"),
    field("f_close", "date", "close"),
    field("f_owner", "user", "rep"),
)
ACCOUNTS = form("accounts", field("a_name", "text", "name"), field("a_deal", "relation", "deal", target="deals"))
URL = records("deals")


@pytest.fixture
def deals(app, admin_token):
    """The API as a program sees it: a crash is an answer (500), not an exception in the test."""
    with TestClient(app, raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {admin_token}", "Accept-Language": "en"}) as api:
        assert publish(api, DEALS).status_code == 200
        created = api.post(f"{URL}:bulk", json={"records": [
            {"name": f"deal {i}", "amount": str(i * 100), "close": f"2024-07-{i + 1:02d}"} for i in range(5)]})
        assert created.status_code == 201
        yield api


def problem(response, status=422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def fields_of(response, status=422) -> set[str]:
    return {e["field"] for e in problem(response, status)["errors"]}


# --- integers beyond 64 bits --------------------------------------------------------------

def test_ids_beyond_64_bits_name_the_parameter(deals):
    assert fields_of(deals.get(f"{URL}/{BIG}")) == {"record_id"}
    assert fields_of(deals.patch(f"{URL}/{2**63}", json={"version": 1})) == {"record_id"}
    assert fields_of(deals.delete(f"{URL}/1", params={"version": BIG})) == {"version"}
    assert fields_of(deals.get(f"{URL}/1/related", params={"limit": BIG})) == {"limit"}
    assert fields_of(deals.get(f"{APP}/forms/deals/views/{BIG}")) == {"view_id"}
    assert fields_of(deals.get(f"{APP}/definitions/form/deals/versions/{BIG}")) == {"version"}
    assert fields_of(deals.get(f"{APP}/definitions/form/deals/diff", params={"a": 1, "b": BIG})) == {"b"}
    assert deals.get(f"{URL}/{2**63 - 1}").status_code == 404  # the largest id is merely absent


def test_versions_and_values_beyond_64_bits_name_the_field(deals):
    assert fields_of(deals.patch(f"{URL}/1", json={"version": BIG, "name": "x"})) == {"version"}
    assert fields_of(deals.patch(f"{URL}:bulk", json={"records": [{"id": BIG, "version": 1}]})) == {"[0].id"}
    assert "rep" in fields_of(deals.post(URL, json={"name": "x", "rep": BIG}))
    assert publish(deals, ACCOUNTS).status_code == 200
    assert "deal" in fields_of(deals.post(records("accounts"), json={"name": "x", "deal": BIG}))
    assert "deal" in fields_of(deals.post(records("accounts"), json={"name": "x", "deal": "9" * 5000}))


def test_digits_that_are_no_decimal_digits(deals):
    """"³".isdigit() is true, and int("³") fails: found by Schemathesis."""
    assert fields_of(deals.patch(f"{URL}/1", json={"version": "³", "name": "x"})) == {"version"}
    assert "rep" in fields_of(deals.post(URL, json={"name": "x", "rep": "³"}))
    assert fields_of(deals.put(f"{APP}/forms/deals", json=DEALS, headers={"If-Match": '"³"'.encode()})) == {"If-Match"}
    assert deals.get(f"{URL}:pick", params={"q": "³"}).status_code == 200


def test_an_id_beyond_64_bits_in_a_filter(deals):
    condition = {"fn": "=", "args": [{"ref": "rep"}, {"lit": BIG, "type": "user"}]}
    assert fields_of(deals.get(URL, params={"filter": json.dumps(condition)})) == {"$.args[1].lit"}


# --- cursors ------------------------------------------------------------------------------

def test_a_genuine_cursor_pages_on(deals):
    first = deals.get(URL, params={"sort": "close", "limit": 2}).json()
    second = deals.get(URL, params={"sort": "close", "limit": 2, "cursor": first["next_cursor"]})
    assert [r["name"] for r in second.json()["items"]] == ["deal 2", "deal 3"]


def forge(values) -> str:
    """A cursor as the unsigned format made them: base64 of [digest, values]."""
    return base64.urlsafe_b64encode(json.dumps(["0" * 16, values]).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    forge([{"a": 1}, 1]), forge(["not a date", 1]), forge([BIG, BIG]), "x" * 10_000, "..", "%%%",
])
def test_a_forged_cursor_is_refused(deals, cursor):
    assert fields_of(deals.get(URL, params={"sort": "close", "cursor": cursor})) == {"cursor"}


def test_a_tampered_or_borrowed_cursor_is_refused(deals):
    cursor = deals.get(URL, params={"sort": "close", "limit": 2}).json()["next_cursor"]
    payload, mac = cursor.split(".")
    values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered = base64.urlsafe_b64encode(json.dumps(["1999-01-01", values[1]]).encode()).decode().rstrip("=")
    assert fields_of(deals.get(URL, params={"sort": "close", "cursor": f"{tampered}.{mac}"})) == {"cursor"}
    # The same values belong to another listing: another sort.
    assert fields_of(deals.get(URL, params={"sort": "-close", "cursor": cursor})) == {"cursor"}


# --- sort, text, nesting ------------------------------------------------------------------

def test_a_sort_of_thousands_of_keys_is_refused(deals):
    assert fields_of(deals.get(URL, params={"sort": ",".join(["name"] * 3000)})) == {"sort"}
    assert fields_of(deals.get(URL, params={"sort": ",".join(["-name", "id"] * 1500)})) == {"sort"}
    assert deals.get(URL, params={"sort": "-close,name,id"}).status_code == 200


def test_a_lone_surrogate_is_refused(deals):
    condition = {"fn": "=", "args": [{"ref": "name"}, {"lit": "\ud800", "type": "text"}]}
    problem(deals.get(URL, params={"filter": json.dumps(condition)}))
    body = b'{"name": "half \\ud83d of an emoji"}'
    problem(deals.post(URL, content=body, headers={"content-type": "application/json"}))
    unknown = json.dumps({"fn": "\udc00", "args": []})  # named in the message it answers with
    assert fields_of(deals.get(URL, params={"filter": unknown})) == {"$.fn"}
    assert deals.get(URL, params={"filter": json.dumps(
        {"fn": "CONTAINS", "args": [{"ref": "name"}, {"lit": "😀", "type": "text"}]})}).status_code == 200


def test_json_nested_thousands_deep_is_refused(deals):
    assert fields_of(deals.get(URL, params={"filter": "[" * 5000 + "]" * 5000})) == {"filter"}
    deep = {"fn": "NOT", "args": []}
    node = deep
    for _ in range(400):  # parses, but is far past the 64 levels of the language
        child = {"fn": "NOT", "args": []}
        node["args"].append(child)
        node = child
    node["args"].append({"fn": "ISBLANK", "args": [{"ref": "name"}]})
    assert problem(deals.get(URL, params={"filter": json.dumps(deep)}))["errors"][0]["code"] == "too_deep"
    body = ("[" * 100_000 + "]" * 100_000).encode()
    problem(deals.post(f"{URL}:bulk", content=body, headers={"content-type": "application/json"}), status=400)


def nested(levels: int, wrap) -> dict:
    node = {"ref": "name"}
    for _ in range(levels):
        node = wrap(node)
    return node


def test_a_30_level_substitute_filter_is_refused_before_it_runs(deals):
    tripling = nested(30, lambda t: {"fn": "SUBSTITUTE", "args": [
        t, {"lit": "a", "type": "text"}, {"lit": "aaa", "type": "text"}]})
    condition = {"fn": "=", "args": [tripling, {"lit": "x", "type": "text"}]}
    errors = problem(deals.get(URL, params={"filter": json.dumps(condition)}))["errors"]
    assert errors[0]["code"] == "too_long_text" and "SUBSTITUTE" in errors[0]["message"]
    # Other requests are answered as usual.
    assert deals.get(URL).status_code == 200


def test_deep_filters_within_the_limit_run(deals):
    upper = nested(60, lambda t: {"fn": "UPPER", "args": [t]})
    condition = {"fn": "=", "args": [upper, {"lit": "DEAL 3", "type": "text"}]}
    response = deals.get(URL, params={"filter": json.dumps(condition)})
    assert [r["name"] for r in response.json()["items"]] == ["deal 3"]
    inner = {"fn": "ISBLANK", "args": [{"ref": "name"}]}
    node = inner
    for _ in range(61):
        node = {"fn": "NOT", "args": [node]}
    assert deals.get(URL, params={"filter": json.dumps(node)}).json()["total"] == 5


def test_dateadd_with_a_huge_count_is_blank(deals):
    for unit in ("day", "week", "month", "quarter", "year"):
        huge = {"fn": "=", "args": [
            {"fn": "DATEADD", "args": [{"ref": "close"}, {"lit": "999999999999", "type": "number"},
                                       {"lit": unit, "type": "text"}]},
            {"lit": None, "type": "date"}]}
        response = deals.get(URL, params={"filter": json.dumps(huge)})
        assert response.status_code == 200, (unit, response.text)
        assert response.json()["total"] == 5  # past the calendar: BLANK for every record


def test_publishing_a_formula_25_deep(deals):
    text = "{amount}"
    for _ in range(25):
        text = f"ROUND({text} + 1, 2)"
    deep = form("deep", field("d_amount", "money", "amount"), field("d_calc", "formula", "calc", formula=text))
    assert publish(deals, deep).status_code == 200
    created = deals.post(records("deep"), json={"amount": "1.00"})
    assert created.json()["calc"] == "26.00"
