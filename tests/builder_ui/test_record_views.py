"""The table, kanban and calendar pages as a signed-in browser gets them (no script run)."""

import json
import re

import pytest
from starlette.testclient import TestClient

from tests.engines.form.helpers import APP, field, form, publish, records
from tests.platform.http.test_csrf import sign_in

BASE = "/apps/crm/forms/deals"
STAGES = [{"id": "new", "label": {"en": "New", "zh-CN": "新"}}, {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]
XSS = "<script>alert(1)</script>"


def deals():
    name = field("f_name", "text", "name")
    name["label"] = {"en": f"Name {XSS}", "zh-CN": "名称"}
    return form("deals", name, field("f_city", "text", "city"), field("f_stage", "select", "stage", options=STAGES),
                field("f_amount", "money", "amount"), field("f_due", "date", "due"),
                field("f_at", "datetime", "meeting"))


@pytest.fixture
def page(app, admin):
    """A browser-like client signed in with a session cookie."""
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        sign_in(client)
        yield client


@pytest.fixture
def data(api):
    publish(api, deals())
    made = api.post(f"{records('deals')}:bulk", json={"records": [
        {"name": "Alpha", "city": "Shanghai", "stage": "won", "amount": "500", "due": "2026-03-05",
         "meeting": "2026-03-09T23:30:00Z"},
        {"name": XSS, "city": "Beijing", "stage": "new", "amount": "2000", "due": "2026-03-20"},
        {"name": "Gamma", "city": "Shangrao", "amount": "10"}]})
    assert made.status_code == 201, made.text
    return made.json()["items"]


def script_data(html: str, element_id: str):
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_table_page_is_a_shell_with_fields_for_its_script(page, data):
    response = page.get(BASE)
    assert response.status_code == 200
    assert 'aria-current="page"' in response.text and "views_table.js" in response.text
    assert XSS not in response.text  # the label travels escaped in JSON only
    fields = script_data(response.text, "views-data")["fields"]
    assert [f["key"] for f in fields] == ["name", "city", "stage", "amount", "due", "meeting"]
    assert fields[0]["label"] == f"Name {XSS}"
    assert fields[2]["operators"] == ["=", "<>", "IN", "ISBLANK"] and fields[2]["options"][1]["label"] == "Won"
    assert f'href="{BASE}/records/new"' in response.text


def test_rows_follow_filter_sort_search_and_columns(page, data):
    won_or_big = {"fn": "AND", "args": [
        {"fn": "OR", "args": [{"fn": "=", "args": [{"ref": "f_stage"}, {"lit": "won", "type": "choice"}]},
                              {"fn": ">", "args": [{"ref": "f_amount"}, {"lit": "1000", "type": "number"}]}]},
        {"fn": "CONTAINS", "args": [{"ref": "f_city"}, {"lit": "Shang", "type": "text"}]}]}
    rows = page.get(f"{BASE}/rows", params={"filter": json.dumps(won_or_big), "columns": "f_name,f_amount"})
    assert rows.status_code == 200 and rows.headers["x-total"] == "1"
    assert "Alpha" in rows.text and "Gamma" not in rows.text
    assert "CN¥500.00" in rows.text or "¥500.00" in rows.text  # as people read money
    assert "Shanghai" not in rows.text  # the city column is hidden
    assert f'href="{BASE}/records/{data[0]["id"]}"' in rows.text
    by_amount = page.get(f"{BASE}/rows", params={"sort": "-f_amount", "columns": "f_name"}).text
    assert by_amount.index("&lt;script&gt;") < by_amount.index("Alpha") < by_amount.index("Gamma")
    assert XSS not in by_amount
    found = page.get(f"{BASE}/rows", params={"q": "shang"})
    assert found.headers["x-total"] == "2"


def test_rows_page_with_the_cursor(page, api, data):
    api.post(f"{records('deals')}:bulk", json={"records": [{"name": f"Deal {i:02d}"} for i in range(60)]})
    first = page.get(f"{BASE}/rows", params={"sort": "f_name", "columns": "f_name"})
    assert first.headers["x-total"] == "63" and first.text.count("<tr") == 50
    rest = page.get(f"{BASE}/rows", params={"sort": "f_name", "columns": "f_name",
                                            "cursor": first.headers["x-next-cursor"]})
    assert rest.text.count("<tr") == 13 and rest.headers["x-next-cursor"] == "" and "x-total" not in rest.headers


def test_a_bad_filter_is_a_problem_the_script_can_show(page, data):
    bad = page.get(f"{BASE}/rows", params={"filter": json.dumps({"fn": ">", "args": [
        {"ref": "f_name"}, {"lit": "1", "type": "number"}]})})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert page.get(f"{BASE}/rows", params={"filter": "{"}).status_code == 422


def test_a_saved_view_opens_with_its_config(page, api, data):
    view = api.post(f"{APP}/forms/deals/views", json={"name": "Won", "shared": True, "config": {
        "sort": "-f_amount", "columns": ["f_name"]}}).json()
    html = page.get(BASE, params={"view": view["id"]}).text
    assert script_data(html, "views-data")["view"]["config"]["columns"] == ["f_name"]
    assert f'<option value="{view["id"]}" selected>Won</option>' in html
    assert page.get(BASE, params={"view": 999}).status_code == 404


def test_anonymous_visitors_go_to_login_and_unknown_forms_say_so(client, page, data):
    assert client.get(BASE, follow_redirects=False).status_code == 303
    missing = page.get("/apps/crm/forms/nope")
    assert missing.status_code == 404 and "error-page" in missing.text


def test_kanban_has_a_column_per_option_and_blank(page, data):
    html = page.get(f"{BASE}/kanban", params={"by": "stage"}).text
    columns = re.findall(r'<section class="kanban-column" data-option="(\w*)"', html)
    assert columns == ["new", "won", ""]
    assert html.count('class="kanban-card"') == 3 and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS not in html.split('id="views-data"')[0]
    assert script_data(html, "views-data") | {} == {"api": f"{APP}/forms/deals", "key": "stage", "movable": True,
                                                     "cards_url": f"{BASE}/kanban/cards"}
    more = page.get(f"{BASE}/kanban/cards", params={"by": "stage", "option": ""})
    assert "Gamma" in more.text and more.headers["x-next-cursor"] == ""


def test_kanban_without_a_select_field_says_so(page, api):
    publish(api, form("notes", field("f_text", "text", "text")))
    html = page.get("/apps/crm/forms/notes/kanban").text
    assert "no single-choice field" in html


@pytest.mark.parametrize(("lang", "first_day"), [("zh-CN", "周一"), ("en", "Mon")])
def test_calendar_month_starts_on_the_locales_first_weekday(page, data, lang, first_day):
    html = page.get(f"{BASE}/calendar", params={"by": "due", "month": "2026-03"},
                    headers={"Accept-Language": lang}).text
    assert re.search(r"<th scope=\"col\">(.*?)</th>", html).group(1) == first_day
    cell = re.search(r'data-date="2026-03-05">(.*?)</td>', html, re.S).group(1)
    assert "Alpha" in cell
    assert "month=2026-04" in html and "month=2026-02" in html


def test_calendar_puts_a_datetime_on_its_local_day(page, data):
    # 23:30 UTC on the 9th is the 10th in Shanghai, the app's zone.
    html = page.get(f"{BASE}/calendar", params={"by": "meeting", "month": "2026-03"}).text
    cell = re.search(r'data-date="2026-03-10">(.*?)</td>', html, re.S).group(1)
    assert "Alpha" in cell and "7:30" in cell
