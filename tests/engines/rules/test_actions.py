"""Actions beyond creating and updating: assigning an owner, waiting, schedules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs.schedules import fire_due
from brickwork.platform.models import Notification, RuleRun
from tests.engines.form.helpers import publish
from tests.engines.rules.helpers import DEALS, DEALS_URL, INVOICES_URL, count, publish_rule, rule, setup_forms


def users(sessions, *names: str) -> list[int]:
    with transaction(sessions) as s:
        return [create_user(s, name, "a-long-password-1").id for name in names]


def test_round_robin_and_least_loaded_owners(api, drain, sessions):
    setup_forms(api)
    ann, bob = users(sessions, "ann", "bob")
    publish_rule(api, rule("turns", {"type": "record.created", "form": "deals"},
                           [{"type": "assign_owner", "field": "owner", "users": [ann, bob],
                             "strategy": "round_robin"}]))
    made = [api.post(DEALS_URL, json={"name": f"d{i}"}).json()["id"] for i in range(3)]
    drain()
    # one turn each, whichever record's run came first (PostgreSQL's worker runs several at once)
    assert sorted(api.get(f"{DEALS_URL}/{i}").json()["owner"] for i in made) == sorted([ann, bob, ann])
    publish_rule(api, rule("turns", {"type": "record.created", "form": "deals"},
                           [{"type": "assign_owner", "field": "owner", "users": [ann, bob],
                             "strategy": "least_loaded"}]))
    new = api.post(DEALS_URL, json={"name": "d3"}).json()["id"]
    drain()
    assert api.get(f"{DEALS_URL}/{new}").json()["owner"] == bob  # ann holds two, bob one


def test_a_wait_defers_the_rest_of_the_actions(api, drain, sessions):
    setup_forms(api)
    publish_rule(api, rule("later", {"type": "record.created", "form": "deals"}, [
        {"type": "wait", "minutes": 0},
        {"type": "create_record", "form": "invoices", "values": {"deal": {"ref": "name"}}}]))
    api.post(DEALS_URL, json={"name": "ACME"})
    drain()
    assert api.get(INVOICES_URL).json()["items"][0]["deal"] == "ACME"
    with sessions() as s:
        done = list(s.scalars(select(RuleRun).order_by(RuleRun.id)))
    assert [(r.trigger, r.status) for r in done] == [("record.created", "waiting"), ("resume", "succeeded")]


def test_a_cron_rule_runs_once_for_slots_missed_while_down(api, drain, sessions):
    setup_forms(api)
    assert publish_rule(api, rule("hourly", {"type": "schedule", "cron": "0 * * * *"}, [
        {"type": "create_record", "form": "invoices", "values": {"deal": "hourly"}}])).status_code == 200
    fire_due(sessions, utcnow() + timedelta(hours=5))  # the worker was down four hours
    drain()
    assert count(api, INVOICES_URL) == 1


def test_round_robin_over_a_roles_holders_skips_those_at_the_cap_and_tells_the_owner(api, drain, sessions):
    setup_forms(api)
    ann, bob, cid = users(sessions, "ann", "bob", "cid")
    with transaction(sessions) as s:
        create_role(s, "closer", {"en": "Closer"})
        for user in (ann, bob):
            grant_role(s, user, "closer")  # cid holds no such role: never chosen
    api.post(DEALS_URL, json={"name": "held", "owner": ann})  # ann holds one already
    assert publish_rule(api, rule("turns", {"type": "record.created", "form": "deals"}, [
        {"type": "assign_owner", "roles": ["closer"], "strategy": "round_robin", "cap": 2},
        {"type": "notify", "user_fields": ["owner"], "text": "Yours"}],
        condition={"fn": "ISBLANK", "args": [{"ref": "owner"}]})).status_code == 200
    made = [api.post(DEALS_URL, json={"name": f"d{i}"}).json()["id"] for i in range(4)]
    drain()
    owners = [api.get(f"{DEALS_URL}/{i}").json().get("owner") for i in made]
    # two each at most: ann (who held one) takes one more, bob two, and the fourth finds nobody
    assert sorted(owners, key=str) == sorted([ann, bob, bob, None], key=str)
    with sessions() as s:
        runs = list(s.scalars(select(RuleRun).where(RuleRun.rule == "turns", RuleRun.record_id.in_(made))))
        told = sorted(s.scalars(select(Notification.user_id)))
    assert sorted(r.status for r in runs) == ["failed", "succeeded", "succeeded", "succeeded"]
    assert told == sorted([ann, bob, bob])  # the notification after the assignment reaches the new owner


def test_a_claim_button_makes_the_presser_the_owner_within_the_cap(api, sessions, app):
    setup_forms(api)
    [ann] = users(sessions, "ann")
    with transaction(sessions) as s:
        create_role(s, "closer", {"en": "Closer"})
        grant_role(s, ann, "closer")
        token = create_token(s, "ann", "tests")[1]
    # ann may read every deal but change none herself: the rule, run as the system, may
    assert publish(api, {**DEALS, "permissions": [
        {"role": "closer", "actions": ["read"], "scope": "all"}]}).status_code == 200
    claim = [{"type": "assign_owner", "strategy": "caller", "cap": 1}]
    assert publish_rule(api, rule("claim", {"type": "button", "form": "deals"}, claim, roles=["closer"],
                                  run_as="system")).status_code == 200
    assert publish_rule(api, rule("take", {"type": "button", "form": "deals"}, claim,
                                  roles=["closer"])).status_code == 200
    first, second = (api.post(DEALS_URL, json={"name": n}).json()["id"] for n in ("a", "b"))
    with TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}) as ann_client:
        as_herself = ann_client.post(f"{DEALS_URL}/{first}:run-rule/take")
        done = ann_client.post(f"{DEALS_URL}/{first}:run-rule/claim")
        refused = ann_client.post(f"{DEALS_URL}/{second}:run-rule/claim")
    assert as_herself.json()["status"] == "failed"  # a rule run as its presser has the presser's rights
    assert done.status_code == 200 and done.json()["status"] == "succeeded", done.text
    assert refused.json()["status"] == "failed"
    assert "at most 1" in refused.json()["error"]
    assert api.get(f"{DEALS_URL}/{first}").json()["owner"] == ann
    assert api.get(f"{DEALS_URL}/{second}").json().get("owner") is None


def test_an_assignment_names_users_or_roles_and_a_whole_cap(api):
    setup_forms(api)
    bad = api.put("/api/v1/apps/crm/definitions/rule/x", json=rule("x", {"type": "record.created", "form": "deals"}, [
        {"type": "assign_owner", "strategy": "round_robin", "cap": 0}]))
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {"$.actions[0].users", "$.actions[0].cap"}


def test_a_log_record_names_the_record_the_presser_and_the_owner_before_the_run(api, sessions, app):
    """``{"event": "record"}``, ``{"event": "actor"}`` and ``{"before": key}``: what no
    formula reaches (the record's id, the presser under a system run, the owner the actions
    replaced), for an audit trail such as a pool log."""
    setup_forms(api)
    ann, bob = users(sessions, "ann", "bob")
    with transaction(sessions) as s:
        create_role(s, "closer", {"en": "Closer"})
        grant_role(s, ann, "closer")
        token = create_token(s, "ann", "tests")[1]
    log = {"key": "handovers", "label": {"en": "Handovers"}, "fields": [
        {"id": "h_deal", "key": "deal", "label": {"en": "Deal"}, "type": "number"},
        {"id": "h_from", "key": "from_owner", "label": {"en": "From"}, "type": "user"},
        {"id": "h_to", "key": "to_owner", "label": {"en": "To"}, "type": "user"},
        {"id": "h_by", "key": "by", "label": {"en": "By"}, "type": "user"}]}
    assert publish(api, log).status_code == 200
    assert publish(api, {**DEALS, "permissions": [
        {"role": "closer", "actions": ["read"], "scope": "all"}]}).status_code == 200
    assert publish_rule(api, rule("claim", {"type": "button", "form": "deals"}, [
        {"type": "assign_owner", "strategy": "caller"},
        {"type": "create_record", "form": "handovers", "values": {
            "deal": {"event": "record"}, "from_owner": {"before": "owner"}, "to_owner": {"ref": "owner"},
            "by": {"event": "actor"}}}], roles=["closer"], run_as="system")).status_code == 200
    deal = api.post(DEALS_URL, json={"name": "Acme", "owner": bob}).json()["id"]
    with TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}) as ann_client:
        done = ann_client.post(f"{DEALS_URL}/{deal}:run-rule/claim")
    assert done.json()["status"] == "succeeded", done.text
    [row] = api.get("/api/v1/apps/crm/forms/handovers/records").json()["items"]
    assert (row["deal"], row["from_owner"], row["to_owner"], row["by"]) == (str(deal), bob, ann, ann)
