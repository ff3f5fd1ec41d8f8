"""The designer's form-logic helpers through TestClient: a condition turned between formula text
and the AST, the preview's visibility, and stored conditions shown as text on the page."""

from tests.builder_ui.test_designer import _csrf, _state
from tests.engines.form.helpers import APP, field, form
from tests.platform.http.test_csrf import sign_in

STAGE = field("f_stage", "select", "stage", label={"en": "Stage"},
              options=[{"id": "won", "label": {"en": "Won"}}, {"id": "lost", "label": {"en": "Lost"}}])
AMOUNT = field("f_amount", "number", "amount", label={"en": "Amount"})
REASON = field("f_reason", "text", "reason", label={"en": "Reason"})


def _signed_in(client, api):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    del api.headers["Authorization"]
    sign_in(client)
    return {"X-CSRF-Token": _csrf(client, "/")}


def test_a_condition_turns_between_text_and_the_filter_builders_ast(client, api, admin):
    headers = _signed_in(client, api)
    url = "/apps/crm/forms/deals/design/condition"
    made = client.post(url, json={"fields": [STAGE, AMOUNT], "condition": '{Stage} = "won" AND amount > 10'},
                       headers=headers)
    assert made.status_code == 200, made.text
    ast = made.json()["ast"]
    assert ast["fn"] == "AND" and ast["args"][0] == {"fn": "=", "args": [{"ref": "f_stage"},
                                                                        {"lit": "won", "type": "choice"}]}
    back = client.post(url, json={"fields": [STAGE, AMOUNT], "condition": ast}, headers=headers)
    assert back.json()["text"] == 'AND(stage = "won", amount > 10)'


def test_a_wrong_condition_is_refused_with_its_position(client, api, admin):
    headers = _signed_in(client, api)
    response = client.post("/apps/crm/forms/deals/design/condition",
                           json={"fields": [AMOUNT], "condition": "amount > nope"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert error["field"] == "$.condition" and "nope" in error["message"]
    assert (error["start"], error["end"]) == (9, 13)


def test_the_preview_hides_what_the_drafts_rules_hide(client, api, admin):
    headers = _signed_in(client, api)
    draft = form("deals", STAGE, {**REASON, "show_when": '{Stage} = "lost"'},
                 sections=[{"id": "s_won", "label": {"en": "Won"}, "show_when": 'stage = "won"'}],
                 layout=[["f_stage"], ["f_reason"], ["s_won"]])
    url = "/apps/crm/forms/deals/design/preview/visibility"
    hidden = client.post(url, json={"body": draft, "values": {}}, headers=headers).json()
    assert hidden == {"hidden_fields": ["reason"], "hidden_sections": ["s_won"]}
    lost = client.post(url, json={"body": draft, "values": {"stage": "lost"}}, headers=headers).json()
    assert lost == {"hidden_fields": [], "hidden_sections": ["s_won"]}


def test_the_designer_page_shows_stored_conditions_as_text(client, api, admin):
    api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}})
    rule = {"id": "r_1", "when": "amount > 100", "message": {"en": "Too much"}, "field": "amount"}
    assert api.put(f"{APP}/forms/deals", json=form(
        "deals", STAGE, AMOUNT, {**REASON, "show_when": '{Stage} = "lost"'}, rules=[rule])).status_code == 200
    del api.headers["Authorization"]
    sign_in(client)
    state = _state(client.get("/apps/crm/forms/deals/design").text)
    assert state["conditions"] == {"f_reason.show_when": 'stage = "lost"', "r_1.when": "amount > 100"}
    assert state["body"]["rules"][0]["when"]["fn"] == ">"  # kept as the AST
    assert any(f["name"] == "IF" for f in state["functions"])
    assert state["strings"]["show_when"] == "Show when"
