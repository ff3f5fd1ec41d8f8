"""Filtering records with the expression language over the API."""

import json

from tests.engines.form.helpers import field, form, publish, records

DEALS = form(
    "deals",
    field("f_name", "text", "name"),
    field("f_amount", "money", "amount"),
    field("f_stage", "select", "stage", options=[{"id": "new", "label": {"en": "New"}},
                                                 {"id": "won", "label": {"en": "Won"}}]),
    field("f_close", "date", "close"),
)
URL = records("deals")
ROWS = [
    {"name": "Acme 客户", "amount": "120000", "stage": "won", "close": "2024-07-01"},
    {"name": "beta", "amount": "800", "stage": "new"},
    {"name": "Gamma", "stage": "won", "close": "2024-06-30"},
    {"name": "delta"},
]


def names(api, condition, **params):
    response = api.get(URL, params={"filter": json.dumps(condition), "sort": "name", **params})
    assert response.status_code == 200, response.text
    return [r["name"] for r in response.json()["items"]]


def test_and_or_groups_by_field_key(api):
    publish(api, DEALS)
    api.post(f"{URL}:bulk", json={"records": ROWS})
    big_or_won = {"fn": "OR", "args": [
        {"fn": ">=", "args": [{"ref": "amount"}, {"lit": "100000", "type": "number"}]},
        {"fn": "AND", "args": [{"fn": "=", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]},
                               {"fn": "ISBLANK", "args": [{"ref": "amount"}]}]}]}
    assert names(api, big_or_won) == ["Acme 客户", "Gamma"]


def test_blank_semantics_reach_the_api(api):
    publish(api, DEALS)
    api.post(f"{URL}:bulk", json={"records": ROWS})
    not_won = {"fn": "<>", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]}
    assert names(api, not_won) == ["beta", "delta"]  # no stage counts as "not won"
    small = {"fn": "<", "args": [{"ref": "amount"}, {"lit": "1000", "type": "number"}]}
    assert names(api, small) == ["beta"]  # no amount is not "less than 1000"


def test_contains_is_case_insensitive_and_literal(api):
    publish(api, DEALS)
    api.post(f"{URL}:bulk", json={"records": [*ROWS, {"name": "100% sure"}]})
    assert names(api, {"fn": "CONTAINS", "args": [{"ref": "name"}, {"lit": "ACME", "type": "text"}]}) == ["Acme 客户"]
    assert names(api, {"fn": "CONTAINS", "args": [{"ref": "name"}, {"lit": "%", "type": "text"}]}) == ["100% sure"]


def test_a_malformed_filter_names_the_place(api):
    publish(api, DEALS)
    unknown_field = {"fn": "=", "args": [{"ref": "nope"}, {"lit": 1, "type": "number"}]}
    bad = api.get(URL, params={"filter": json.dumps(unknown_field)})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].startswith("$.args[0]")
    assert api.get(URL, params={"filter": "{not json"}).status_code == 422


def test_paging_keeps_the_filter(api):
    publish(api, DEALS)
    api.post(f"{URL}:bulk", json={"records": [{"name": f"n{i:02d}", "stage": "won" if i % 2 else "new"}
                                              for i in range(10)]})
    won = {"fn": "=", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]}
    first = api.get(URL, params={"filter": json.dumps(won), "sort": "name", "limit": 3}).json()
    second = api.get(URL, params={"filter": json.dumps(won), "sort": "name", "limit": 3,
                                  "cursor": first["next_cursor"]}).json()
    assert first["total"] == 5
    assert [r["name"] for r in first["items"] + second["items"]] == ["n01", "n03", "n05", "n07", "n09"]
    assert second["next_cursor"] is None


def test_multiple_choice_has_and_blank(api, engine):
    from sqlalchemy import text

    publish(api, form("tagged", field("f_name", "text", "name"), field(
        "f_tags", "multiselect", "tags", options=[{"id": "vip", "label": {"en": "VIP"}},
                                                  {"id": "new", "label": {"en": "New"}}])))
    url = records("tagged")
    api.post(f"{url}:bulk", json={"records": [{"name": "a", "tags": ["vip", "new"]}, {"name": "b", "tags": []},
                                              {"name": "c"}, {"name": "d", "tags": "New"}]})

    def tagged(condition):
        page = api.get(url, params={"filter": json.dumps(condition), "sort": "name"}).json()
        return [r["name"] for r in page["items"]]

    assert tagged({"fn": "HAS", "args": [{"ref": "tags"}, {"lit": "new", "type": "choice"}]}) == ["a", "d"]
    assert tagged({"fn": "ISBLANK", "args": [{"ref": "tags"}]}) == ["b", "c"]
    with engine.connect() as conn:  # a BLANK is SQL NULL in the table, not JSON null
        assert conn.execute(text("SELECT count(*) FROM r1_tagged WHERE f_f_tags IS NULL")).scalar() == 2
