"""Actions beyond creating and updating: assigning an owner, waiting, schedules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs.schedules import fire_due
from brickwork.platform.models import RuleRun
from tests.engines.rules.helpers import DEALS_URL, INVOICES_URL, count, publish_rule, rule, setup_forms


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
    assert [api.get(f"{DEALS_URL}/{i}").json()["owner"] for i in made] == [ann, bob, ann]
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
