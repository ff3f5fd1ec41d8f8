"""A rule's notification in each reader's language, and a journey that stops: the rule's
condition is read again on the record as it is when a run resumes after a wait."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import RuleRun, User
from tests.engines.rules.helpers import DEALS_URL, INVOICES_URL, count, edit, eq, publish_rule, rule, setup_forms
from tests.support.jobs import time_passes


def people(sessions, **locales: str | None) -> dict[str, int]:
    ids = {}
    with transaction(sessions) as s:
        for name, locale in locales.items():
            ids[name] = create_user(s, name, "a-long-password-1").id
            s.get(User, ids[name]).locale = locale
    return ids


def bell(app_client, sessions, name: str) -> list[str]:
    from starlette.testclient import TestClient

    with transaction(sessions) as s:
        token = create_token(s, name, "tests")[1]
    with TestClient(app_client, headers={"Authorization": f"Bearer {token}"}) as client:
        return [n["text"] for n in client.get("/api/v1/notifications").json()["items"]]


def test_each_person_reads_the_notification_in_their_language(app, api, drain, sessions, settings):
    setup_forms(api)
    ids = people(sessions, ann="zh-CN", bob="en", cid=None)
    published = publish_rule(api, rule("tell", {"type": "record.created", "form": "deals"}, [
        {"type": "notify", "users": list(ids.values()),
         "text": {"zh-CN": {"fn": "&", "args": [{"lit": "新商机：", "type": "text"}, {"ref": "name"}]},
                  "en": {"fn": "&", "args": [{"lit": "New deal: ", "type": "text"}, {"ref": "name"}]}}},
        {"type": "notify", "users": [ids["bob"]], "text": "plain text stays as it is"}]))
    assert published.status_code == 200, published.text
    api.post(DEALS_URL, json={"name": "ACME"})
    drain()
    assert bell(app, sessions, "ann") == ["新商机：ACME"]
    assert bell(app, sessions, "bob") == ["plain text stays as it is", "New deal: ACME"]
    # no language of their own: the installation's
    assert bell(app, sessions, "cid") == ["新商机：ACME" if settings.default_locale == "zh-CN" else "New deal: ACME"]


def test_a_run_resumed_after_a_wait_stops_when_its_condition_no_longer_holds(api, drain, sessions, engine):
    setup_forms(api)
    publish_rule(api, rule("chase", {"type": "record.created", "form": "deals"}, [
        {"type": "wait", "days": 3},
        {"type": "create_record", "form": "invoices", "values": {"deal": {"ref": "name"}}}],
        condition={"fn": "NOT", "args": [eq("stage", "lost")]}))
    kept = api.post(DEALS_URL, json={"name": "kept", "stage": "open"}).json()
    lost = api.post(DEALS_URL, json={"name": "lost", "stage": "open"}).json()
    drain(due_only=True)
    assert count(api, INVOICES_URL) == 0  # three days have not passed
    edit(api, lost["id"], stage="lost")  # on day 2
    time_passes(engine)
    drain()
    assert [r["deal"] for r in api.get(INVOICES_URL).json()["items"]] == ["kept"]
    with sessions() as s:
        runs = {(r.record_id, r.trigger): (r.status, r.reason) for r in s.scalars(select(RuleRun))}
    assert runs[(kept["id"], "resume")] == ("succeeded", None)
    assert runs[(lost["id"], "resume")] == ("skipped", "condition")


def test_a_message_in_languages_the_installation_does_not_speak_is_refused(api):
    setup_forms(api)
    body = rule("tell", {"type": "record.created", "form": "deals"},
                [{"type": "notify", "users": [1], "text": {"fr": "Bonjour"}}])
    refused = api.put("/api/v1/apps/crm/definitions/rule/tell", json=body)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert "$.actions[0].text" in refused.text and "zh-CN, en" in refused.text
