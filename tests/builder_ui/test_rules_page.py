"""The rule designer's pages: who may open them, creating a rule, switching one on and off,
formula text turned into the AST a rule keeps (and problems at their paths), the record
page's rule buttons and the bell in the top bar."""

import json
import re

from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import RulePause
from tests.engines.form.helpers import APP, records
from tests.engines.rules.helpers import DEALS_URL, eq, publish_rule, rule, setup_forms
from tests.platform.http.test_csrf import form_token, sign_in

STATE = re.compile(r'<script type="application/json" id="rule-state">(.*?)</script>', re.S)


def as_page(client, api) -> None:
    api.headers.pop("Authorization")  # the same client: the pages need its session
    sign_in(client)


def test_only_designers_open_the_rules_of_an_app(client, api, sessions):
    setup_forms(api)
    with transaction(sessions) as session:
        create_user(session, "clerk", "clerk-password-123")
    api.headers.pop("Authorization")
    token = form_token(client)
    client.post("/login", data={"username": "clerk", "password": "clerk-password-123", "csrf_token": token})
    assert client.get("/apps/crm/rules").status_code == 403
    assert client.get("/apps/crm").status_code == 200
    assert 'data-testid="rules-link"' not in client.get("/apps/crm").text


def test_a_new_rule_opens_in_the_editor_with_the_registries(client, api):
    setup_forms(api)
    as_page(client, api)
    assert 'href="/apps/crm/rules"' in client.get("/apps/crm").text
    refused = client.post("/apps/crm/rules", data={"csrf_token": form_token(client, "/apps/crm/rules")})
    assert refused.status_code == 422 and "Give the rule a name." in refused.text
    made = client.post("/apps/crm/rules", data={"label_en": "Invoice won deals", "label_zh": "赢单开票",
                                                 "csrf_token": form_token(client, "/apps/crm/rules")},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/apps/crm/rules/invoice_won_deals"
    page = client.get("/apps/crm/rules/invoice_won_deals")
    state = json.loads(STATE.search(page.text).group(1))
    assert {t["type"] for t in state["triggers"]} >= {"record.created", "record.updated", "schedule", "date_relative",
                                                      "button", "webhook"}
    assert {a["type"] for a in state["actions"]} >= {"create_record", "notify", "wait"}
    assert {f["key"] for f in state["forms"]} == {"deals", "invoices"}
    assert state["body"]["label"] == {"en": "Invoice won deals", "zh-CN": "赢单开票"}
    listing = client.get("/apps/crm/rules").text
    assert "Invoice won deals" in listing and "Draft, not published yet" in listing
    token = form_token(client, "/apps/crm/rules")
    chinese = client.post("/apps/crm/rules", data={"label_zh": "生日祝福", "csrf_token": token}, follow_redirects=False)
    assert chinese.headers["location"] == "/apps/crm/rules/rule"


def test_formulas_become_the_ast_and_problems_name_their_part(client, api):
    setup_forms(api)
    as_page(client, api)
    client.post("/apps/crm/rules", data={"label_en": "Won", "csrf_token": form_token(client, "/apps/crm/rules")})
    url = "/apps/crm/rules/won/formulas"
    headers = {"X-CSRF-Token": form_token(client, "/apps/crm/rules/won")}
    done = client.post(url, headers=headers, json={"form": "deals", "items": [
        {"path": "condition", "text": '{Stage} = "Won"', "condition": True},
        {"path": "actions[0].values.amount", "text": "{Amount} * 2"}]})
    assert done.status_code == 200, done.text
    assert done.json()["asts"]["condition"]["fn"] == "="
    assert done.json()["asts"]["actions[0].values.amount"]["fn"] == "*"
    back = client.post(url, headers=headers, json={"form": "deals", "items": [
        {"path": "condition", "ast": eq("stage", "Won")}]})
    assert back.json()["texts"]["condition"] == 'stage = "Won"'
    bad = client.post(url, headers=headers, json={"form": "deals", "items": [
        {"path": "actions[1].text", "text": "{Stage"}, {"path": "condition", "text": "{Amount}", "condition": True}]})
    assert bad.status_code == 422
    fields = [e["field"] for e in bad.json()["errors"]]
    assert fields == ["$.actions[1].text", "$.condition"]


def test_a_published_rule_is_switched_off_and_on_from_the_list(client, api):
    setup_forms(api)
    body = rule("tell", {"type": "record.created", "form": "deals"}, [{"type": "notify", "owner": True, "text": "hi"}])
    assert publish_rule(api, body).status_code == 200
    draft = {**body, "label": {"en": "Tell, reworded"}}
    assert api.put(f"{APP}/definitions/rule/tell", json=draft).status_code == 200  # work in progress
    bearer = api.headers["Authorization"]
    as_page(client, api)
    token = form_token(client, "/apps/crm/rules")
    assert 'aria-checked="true"' in client.get("/apps/crm/rules").text
    client.post("/apps/crm/rules/tell/enabled", data={"enabled": "", "csrf_token": token})
    assert 'aria-checked="false"' in client.get("/apps/crm/rules").text
    client.cookies.clear()
    client.headers["Authorization"] = bearer
    live = client.get(f"{APP}/definitions/rule/tell").json()["body"]
    assert live["enabled"] is False and live["label"] == {"en": "tell"}
    kept = client.get(f"{APP}/definitions/rule/tell", params={"which": "draft"}).json()["body"]
    assert kept["enabled"] is False and kept["label"] == {"en": "Tell, reworded"}


def test_a_button_rule_is_a_button_on_its_forms_record_page(client, api):
    setup_forms(api)
    deal = api.post(DEALS_URL, json={"name": "Acme"}).json()["id"]
    press = rule("mark", {"type": "button", "form": "deals"},
                 [{"type": "update_records", "values": {"stage": "Checked"}}], label={"en": "Mark checked"})
    off = rule("off", {"type": "button", "form": "deals"}, [{"type": "notify", "owner": True, "text": "x"}],
               label={"en": "Switched off"}, enabled=False)
    for body in (press, off):
        assert publish_rule(api, body).status_code == 200
    as_page(client, api)
    page = client.get(f"/apps/crm/forms/deals/records/{deal}").text
    assert "Mark checked" in page and "Switched off" not in page
    assert f'data-rule-button="/api/v1/apps/crm/forms/deals/records/{deal}:run-rule/mark"' in page
    assert "Mark checked" not in client.get(f"/apps/crm/forms/invoices/records/{deal}").text
    assert records("deals")


def test_every_signed_in_page_has_the_bell(client, api):
    as_page(client, api)
    page = client.get("/").text
    assert 'data-testid="bell"' in page and "Mark all read" in page
    client.cookies.clear()
    assert 'data-testid="bell"' not in client.get("/login").text


def test_a_rule_paused_by_the_engine_shows_so_in_the_list_and_the_switch_lifts_it(client, api, sessions):
    setup_forms(api)
    assert publish_rule(api, rule("tell", {"type": "record.created", "form": "deals"},
                                  [{"type": "notify", "owner": True, "text": "hi"}])).status_code == 200
    with transaction(sessions) as s:
        s.add(RulePause(app="crm", rule="tell", reason="storm"))
    as_page(client, api)
    listing = client.get("/apps/crm/rules").text
    assert 'data-testid="paused"' in listing and 'aria-checked="false"' in listing
    token = form_token(client, "/apps/crm/rules")
    client.post("/apps/crm/rules/tell/enabled", data={"enabled": "on", "csrf_token": token})
    listing = client.get("/apps/crm/rules").text
    assert 'data-testid="paused"' not in listing and 'aria-checked="true"' in listing


def test_a_message_per_language_is_one_formula_per_language_in_the_editor(client, api):
    setup_forms(api)
    text = {"zh-CN": {"fn": "&", "args": [{"lit": "新商机：", "type": "text"}, {"ref": "name"}]}, "en": "New deal"}
    assert publish_rule(api, rule("tell", {"type": "record.created", "form": "deals"},
                                  [{"type": "notify", "owner": True, "text": text}])).status_code == 200
    as_page(client, api)
    state = json.loads(STATE.search(client.get("/apps/crm/rules/tell").text).group(1))
    assert state["texts"]["actions[0].text.zh-CN"] == '"新商机：" & name'
    assert state["texts"]["actions[0].text.en"] == '"New deal"'
    assert "One message per language" in json.dumps(state["strings"])
    headers = {"X-CSRF-Token": form_token(client, "/apps/crm/rules/tell")}
    done = client.post("/apps/crm/rules/tell/formulas", headers=headers, json={"form": "deals", "items": [
        {"path": "actions[0].text.zh-CN", "text": '"新商机：" & {Name}'},
        {"path": "actions[0].text.en", "text": '"New deal: " & {Name'}]})
    assert done.status_code == 422 and [e["field"] for e in done.json()["errors"]] == ["$.actions[0].text.en"]
