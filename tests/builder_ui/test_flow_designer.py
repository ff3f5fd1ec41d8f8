"""The app's flows page (list and create) and the flow designer's page, through TestClient."""

import json
import re

from tests.builder_ui.test_designer import _sign_in_as
from tests.engines.flow.design_helpers import EXPENSES, expense_flow, save, setup_form, users_spec
from tests.engines.form.helpers import publish
from tests.platform.http.test_csrf import form_token, sign_in


def _state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="flow-designer-state">(.*?)</script>', html,
                                re.S).group(1))


def test_a_designer_creates_a_flow_over_a_form_and_opens_it_in_the_designer(client, admin, api):
    assert publish(api, EXPENSES).status_code == 200
    del api.headers["Authorization"]  # the page as its designer sees it, signed in
    sign_in(client)
    home = client.get("/apps/crm")
    assert 'href="/apps/crm/flows"' in home.text
    page = client.get("/apps/crm/flows")
    assert page.status_code == 200 and "This app has no approval flows yet." in page.text
    token = form_token(client, "/apps/crm/flows")
    made = client.post("/apps/crm/flows", data={"label_en": "Expense claims", "label_zh": "报销审批",
                                                "form": "expenses", "csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/apps/crm/flows/expense_claims/design"
    state = _state(client.get(made.headers["location"]).text)
    assert state["body"]["root"]["type"] == "start" and "next" not in state["body"]["root"]
    assert state["revision"] == 1 and state["body"]["form"] == "expenses"
    assert [f["key"] for f in state["fields"]] == ["title", "amount", "cost", "owner", "dept"]
    listed = client.get("/apps/crm/flows").text
    assert "Expense claims" in listed and "Draft, not published yet" in listed
    again = client.post("/apps/crm/flows", data={"label_en": "x", "key": "expense_claims", "form": "expenses",
                                                 "csrf_token": token})
    assert again.status_code == 409 and "This key is taken." in again.text
    nowhere = client.post("/apps/crm/flows", data={"label_en": "x", "form": "ghosts", "csrf_token": token})
    assert nowhere.status_code == 422 and "Choose the form whose records the flow approves." in nowhere.text


def test_the_designer_page_shows_a_saved_drafts_problems_by_node(client, admin, api):
    setup_form(api)
    body = expense_flow({"source": "direct_manager"}, users_spec(), {"source": "dept_head", "level": 1})
    assert save(api, body).status_code == 200
    del api.headers["Authorization"]
    sign_in(client)
    state = _state(client.get("/apps/crm/flows/claims/design").text)
    assert state["problems"] == []  # a half-drawn draft is kept; publishing says what is missing
    assert state["strings"]["modes"]["all"] and state["filter"]["add_condition"]
    assert client.get("/apps/crm/flows/ghost/design").status_code == 404


def test_people_who_do_not_design_the_app_get_no_flow_pages(client, sessions, admin, api):
    setup_form(api)
    del api.headers["Authorization"]
    _sign_in_as(client, sessions, "clerk")
    assert client.get("/apps/crm/flows").status_code == 403
    assert client.get("/apps/crm/flows/claims/design").status_code == 403
    assert 'href="/apps/crm/flows"' not in client.get("/apps/crm").text
