"""Deadlines in hours (service-level agreements): a date-relative rule swept every five
minutes compares a date-and-time field with NOW() to the minute, and its notify action
tells the holders of a role ("the service leads"), not only named people or fields."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

import brickwork.engines.form.conditions as conditions
from brickwork.engines.rules.engine import pinned_rule
from brickwork.engines.rules.sweeps import sweep
from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import JobSchedule, Notification, User
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.engines.rules.helpers import publish_rule, rule

ISSUES = form("issues", field("i_title", "text", "title"), field("i_due", "datetime", "due_at"))
URL = records("issues")
OVERDUE = {"fn": "<=", "args": [{"ref": "due_at"}, {"fn": "NOW", "args": []}]}
ESCALATE = rule("escalate", {"type": "date_relative", "form": "issues", "cron": "*/5 * * * *"},
                [{"type": "notify", "roles": ["duty"], "text": {"ref": "title"}}], condition=OVERDUE)


def people(sessions) -> dict[str, int]:
    """ann and gone hold the role duty (gone is deactivated); bob holds none."""
    with transaction(sessions) as s:
        create_role(s, "duty", {"en": "On duty"})
        ids = {name: create_user(s, name, "a-long-password-1").id for name in ("ann", "gone", "bob")}
        grant_role(s, ids["ann"], "duty")
        grant_role(s, ids["gone"], "duty")
        s.get(User, ids["gone"]).is_active = False
    return ids


def test_a_five_minute_sweep_finds_deadlines_to_the_minute_and_tells_the_role_s_holders(api, sessions, monkeypatch):
    ids = people(sessions)
    assert publish(api, ISSUES).status_code == 200
    published = publish_rule(api, ESCALATE)
    assert published.status_code == 200, published.text
    with sessions() as s:
        assert s.scalar(select(JobSchedule.cron).where(JobSchedule.key == "rule:crm:escalate")) == "*/5 * * * *"
    now = utcnow().replace(microsecond=0)
    soon = api.post(URL, json={"title": "due in 10 minutes", "due_at": (now + timedelta(minutes=10)).isoformat() + "Z"})
    later = api.post(URL, json={"title": "due in 2 hours", "due_at": (now + timedelta(hours=2)).isoformat() + "Z"})
    assert soon.status_code == later.status_code == 201

    def run(minutes: int) -> dict[str, int]:
        """A sweep that many minutes from now: conditions read "now" from the clock."""
        monkeypatch.setattr(conditions, "now", lambda: (now + timedelta(minutes=minutes)).replace(tzinfo=UTC))
        with transaction(sessions) as s:
            return sweep(s, "crm", pinned_rule(s, "crm", "escalate"))

    assert run(5)["marked"] == 0  # the same day, 5 minutes before: not yet
    assert run(11)["marked"] == 1  # a minute after the first deadline
    assert run(16)["marked"] == 0  # once
    assert run(121)["marked"] == 1
    with sessions() as s:
        told = s.execute(select(Notification.user_id, Notification.text)
                         .where(Notification.source == "rule:escalate").order_by(Notification.id)).all()
    assert [tuple(t) for t in told] == [(ids["ann"], "due in 10 minutes"), (ids["ann"], "due in 2 hours")]


def test_roles_to_notify_are_a_list_of_keys(api):
    assert publish(api, ISSUES).status_code == 200
    refused = api.put(f"{APP}/definitions/rule/bad", json=rule("bad", {"type": "record.created", "form": "issues"},
                                                                [{"type": "notify", "roles": "duty", "text": "x"}]))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["$.actions[0].roles"]
