"""Saved views: personal and shared, checked against the form, optimistic versions;
plus the listing's quick search and the all-or-nothing bulk delete they rely on."""

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import APP, field, form, publish, records

VIEWS = f"{APP}/forms/deals/views"
OPTIONS = [{"id": "new", "label": {"en": "New"}}, {"id": "won", "label": {"en": "Won"}}]
READERS = {"role": "sales", "actions": ["read", "update"], "scope": "all", "fields": {"f_secret": "none"}}
WON_OR_BIG = {"fn": "OR", "args": [
    {"fn": "=", "args": [{"ref": "f_stage"}, {"lit": "won", "type": "choice"}]},
    {"fn": ">", "args": [{"ref": "f_amount"}, {"lit": "1000", "type": "number"}]}]}


def deals():
    return form("deals", field("f_name", "text", "name"), field("f_city", "text", "city"),
                field("f_stage", "select", "stage", options=OPTIONS), field("f_amount", "number", "amount"),
                field("f_due", "date", "due"), field("f_secret", "text", "secret"), permissions=[READERS])


@pytest.fixture
def li(app, sessions):
    """A sales rep who may read the deals, not their secret."""
    with transaction(sessions) as s:
        create_role(s, "sales", {"en": "Sales"})
        user = create_user(s, "li", "password-1")
        grant_role(s, user.id, "sales")
        token = create_token(s, "li")[1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}) as client:
        yield client


def test_a_personal_view_is_saved_listed_and_seen_only_by_its_owner(api, li):
    publish(api, deals())
    config = {"filter": WON_OR_BIG, "sort": "-f_amount", "columns": ["f_name", "f_amount"],
              "widths": {"f_name": 180}, "search": "Shang"}
    created = li.post(VIEWS, json={"name": "Big ones", "config": config})
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["shared"] is False and view["version"] == 1 and view["type"] == "table"
    assert view["config"]["filter"] == WON_OR_BIG and view["config"]["columns"] == ["f_name", "f_amount"]
    assert [v["title"] for v in li.get(VIEWS).json()["items"]] == ["Big ones"]
    assert api.get(VIEWS).json()["items"] == []  # the admin does not see li's personal view
    assert api.get(f"{VIEWS}/{view['id']}").status_code == 404


def test_filters_by_field_key_are_stored_by_id(api):
    publish(api, deals())
    by_key = {"fn": "CONTAINS", "args": [{"ref": "city"}, {"lit": "Shang", "type": "text"}]}
    view = api.post(VIEWS, json={"name": {"en": "Shanghai", "zh-CN": "上海"}, "config": {"filter": by_key}}).json()
    assert view["config"]["filter"]["args"][0] == {"ref": "f_city"}
    assert view["name"] == {"en": "Shanghai", "zh-CN": "上海"}


def test_only_admins_share_views_and_everyone_who_reads_sees_them(api, li):
    publish(api, deals())
    refused = li.post(VIEWS, json={"name": "Team", "shared": True})
    assert refused.status_code == 403
    shared = api.post(VIEWS, json={"name": "Team", "shared": True}).json()
    assert [v["title"] for v in li.get(VIEWS).json()["items"]] == ["Team"]
    assert li.patch(f"{VIEWS}/{shared['id']}", json={"version": 1, "name": "Mine"}).status_code == 403
    assert li.delete(f"{VIEWS}/{shared['id']}").status_code == 403
    assert api.delete(f"{VIEWS}/{shared['id']}").status_code == 204
    assert li.get(VIEWS).json()["items"] == []


def test_a_stale_version_is_a_conflict_and_changes_nothing(api):
    publish(api, deals())
    view = api.post(VIEWS, json={"name": "A"}).json()
    renamed = api.patch(f"{VIEWS}/{view['id']}", json={"version": 1, "name": "B"})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    stale = api.patch(f"{VIEWS}/{view['id']}", json={"version": 1, "name": "C"})
    assert stale.status_code == 409 and stale.headers["content-type"] == "application/problem+json"
    assert api.get(f"{VIEWS}/{view['id']}").json()["title"] == "B"


@pytest.mark.parametrize(("body", "where"), [
    ({"name": "x", "config": {"columns": ["f_nope"]}}, "config.columns[0]"),
    ({"name": "x", "config": {"filter": {"fn": "=", "args": [{"ref": "f_nope"}, {"lit": "a", "type": "text"}]}}},
     "config.filter.args[0].ref"),
    ({"name": "x", "config": {"filter": {"fn": ">", "args": [{"ref": "f_name"}, {"lit": "1", "type": "number"}]}}},
     "config.filter.args[1]"),
    ({"name": "x", "type": "kanban", "config": {"group_by": "f_name"}}, "config.group_by"),
    ({"name": "x", "type": "calendar", "config": {}}, "config.date_field"),
    ({"name": "x", "config": {"sort": "-f_nope"}}, "config.sort"),
    ({"name": "  "}, "name"),
    ({"name": "x", "type": "gantt"}, "type"),
    ({"name": "x", "config": {"colour": "red"}}, "config.colour"),
])
def test_a_view_that_does_not_fit_the_form_is_refused_per_field(api, body, where):
    publish(api, deals())
    response = api.post(VIEWS, json=body)
    assert response.status_code == 422, response.text
    assert where in [e["field"] for e in response.json()["errors"]]


def test_a_view_may_not_name_a_hidden_field(api, li):
    publish(api, deals())
    response = li.post(VIEWS, json={"name": "x", "config": {"columns": ["f_name", "f_secret"]}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["config.columns[1]"]


def test_kanban_and_calendar_views_keep_their_field(api):
    publish(api, deals())
    board = api.post(VIEWS, json={"name": "Board", "type": "kanban", "config": {"group_by": "f_stage"}})
    month = api.post(VIEWS, json={"name": "Due", "type": "calendar", "config": {"date_field": "f_due"}})
    assert board.json()["config"]["group_by"] == "f_stage" and month.json()["config"]["date_field"] == "f_due"


def test_quick_search_finds_text_in_any_text_field_ignoring_case(api, li):
    publish(api, deals())
    api.post(f"{records('deals')}:bulk", json={"records": [
        {"name": "Alpha", "city": "Shanghai"}, {"name": "shanty", "city": "Beijing"},
        {"name": "Gamma", "city": "Hangzhou", "secret": "shang"}, {"name": "100%_off", "city": "x"}]})
    found = api.get(records("deals"), params={"q": "SHAN", "sort": "name"}).json()
    assert [r["name"] for r in found["items"]] == ["Alpha", "Gamma", "shanty"] and found["total"] == 3
    # li may not read the secret, so it does not find Gamma through it.
    assert li.get(records("deals"), params={"q": "shang"}).json()["total"] == 1
    assert [r["name"] for r in api.get(records("deals"), params={"q": "%_"}).json()["items"]] == ["100%_off"]


def test_quick_search_pages_with_the_cursor(api):
    publish(api, deals())
    api.post(f"{records('deals')}:bulk", json={"records": [{"name": f"Deal {i}"} for i in range(5)]})
    first = api.get(records("deals"), params={"q": "deal", "limit": 3, "sort": "name"}).json()
    rest = api.get(records("deals"), params={"q": "deal", "limit": 3, "sort": "name",
                                             "cursor": first["next_cursor"]}).json()
    assert [r["name"] for r in first["items"] + rest["items"]] == [f"Deal {i}" for i in range(5)]
    other = api.get(records("deals"), params={"q": "other", "sort": "name", "cursor": first["next_cursor"]})
    assert other.status_code == 422  # a cursor belongs to its search


def test_bulk_delete_moves_all_to_the_recycle_bin_or_none(api):
    publish(api, deals())
    made = api.post(f"{records('deals')}:bulk", json={"records": [{"name": "A"}, {"name": "B"}, {"name": "C"}]})
    a, b, c = made.json()["items"]
    stale = api.request("DELETE", f"{records('deals')}:bulk", json={"records": [
        {"id": a["id"], "version": 1}, {"id": b["id"], "version": 7}]})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "[1].version"
    assert api.get(records("deals")).json()["total"] == 3
    done = api.request("DELETE", f"{records('deals')}:bulk", json={"records": [
        {"id": a["id"], "version": 1}, {"id": b["id"]}]})
    assert done.status_code == 200 and done.json() == {"deleted": [a["id"], b["id"]]}
    assert [r["name"] for r in api.get(records("deals")).json()["items"]] == ["C"]
    assert {r["name"] for r in api.get(records("deals"), params={"deleted": True}).json()["items"]} == {"A", "B"}
    assert c["id"]


def test_the_records_api_lists_what_a_view_lists_with_the_callers_filter_on_top(api, li):
    publish(api, deals())
    rows = [{"name": "A", "stage": "won", "amount": "10"}, {"name": "B", "stage": "new", "amount": "5000"},
            {"name": "C", "stage": "new", "amount": "20"}, {"name": "D", "stage": "won", "amount": "3000"}]
    assert api.post(records("deals") + ":bulk", json={"records": rows}).status_code == 201
    shared = api.post(VIEWS, json={"name": "Won or big", "shared": True,
                                   "config": {"filter": WON_OR_BIG, "sort": "-f_amount"}}).json()
    listed = li.get(records("deals"), params={"view": shared["id"]}).json()
    assert [r["name"] for r in listed["items"]] == ["B", "D", "A"] and listed["total"] == 3
    # the caller's filter holds besides the view's, and the caller's sort replaces the view's
    both = li.get(records("deals"), params={"view": shared["id"], "filter": 'stage = "won"', "sort": "amount"})
    assert [r["name"] for r in both.json()["items"]] == ["A", "D"]
    # someone else's personal view is no view for li
    mine = api.post(VIEWS, json={"name": "Admin's", "config": {"filter": WON_OR_BIG}}).json()
    missing = li.get(records("deals"), params={"view": mine["id"]})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert li.get(records("deals"), params={"view": "no_such_view"}).status_code == 404
