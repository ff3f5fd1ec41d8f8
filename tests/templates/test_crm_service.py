"""The CRM's service desk at work (issue 20): a ticket's first-response and resolution
deadlines are computed from its priority; at 80 % of either the assignee is warned, at a
missed deadline the service leads are told and the ticket is escalated. Through the API and
the job system, the clock moved, never slept; nothing here is CRM code."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from brickwork.kinds import store
from brickwork.platform.appfile import install_template
from brickwork.platform.db import transaction, utcnow
from brickwork.platform.identity.org import grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.jobs.schedules import fire_due
from tests.templates.crm import RECORDS, Crm
from tests.templates.test_crm_upgrade import SHIPPED_1_0


@pytest.fixture
def desk(crm: Crm, app, sessions) -> Crm:
    """The CRM with a service agent (sue) and a service lead (leo)."""
    with transaction(sessions) as s:
        for name, role in (("sue", "service"), ("leo", "service_lead")):
            crm.ids[name] = create_user(s, name, "a-long-password-1", display_name=name.title()).id
            grant_role(s, crm.ids[name], role)
            token = create_token(s, name, "tests")[1]
            crm.clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    return crm


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def ticket(desk: Crm, title: str, priority: str, **values: Any) -> dict[str, Any]:
    customer = desk.create("customers", name=f"{title} 客户", in_pool=True, owner=None)
    return desk.create("tickets", "sue", title=title, customer=customer["id"], priority=priority,
                       assignee=desk.ids["sue"], **values)


def sweep_at(desk: Crm, sessions, drain, clock, hours: float) -> None:
    """Move "now" that many hours on, let the due schedules fire, and run the jobs."""
    fire_due(sessions, clock(hours / 24))
    drain()


def test_a_p1_ticket_s_deadlines_are_computed_from_its_priority_and_follow_a_change(desk):
    made = ticket(desk, "无法登录", "pri_urgent", reported_at="2026-12-07T02:00:00Z")
    assert (at(made["first_response_due"]), at(made["sla_due_at"])) == (
        at("2026-12-07T03:00:00Z"), at("2026-12-07T06:00:00Z"))  # 1 h and 4 h
    assert (at(made["response_warn_at"]), at(made["sla_warn_at"])) == (
        at("2026-12-07T02:48:00Z"), at("2026-12-07T05:12:00Z"))  # 80 % of each
    lowered = desk.edit("tickets", made["id"], priority="pri_medium")  # P3: 8 h and 72 h
    assert (at(lowered["first_response_due"]), at(lowered["sla_due_at"])) == (
        at("2026-12-07T10:00:00Z"), at("2026-12-10T02:00:00Z"))
    # the deadlines are computed, never typed
    refused = desk.api.patch(f"/api/v1/apps/crm/forms/tickets/records/{made['id']}",
                             json={"sla_due_at": "2027-01-01T00:00:00Z", "version": lowered["version"]})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["sla_due_at"]


def test_a_ticket_closed_straight_away_is_answered_and_resolved_at_once(desk, drain):
    reported = (utcnow() - timedelta(hours=130)).isoformat() + "Z"  # P4: resolved within 120 h
    made = ticket(desk, "咨询价格", "pri_low", reported_at=reported)
    assert made["first_responded_at"] is None and made["resolved_at"] is None
    desk.edit("tickets", made["id"], status="ts_closed")
    drain()
    closed = desk.get("tickets", made["id"])
    assert closed["first_responded_at"] and closed["resolved_at"]
    assert closed["sla_met"] is False  # 130 h after it was reported: too late
    desk.edit("tickets", made["id"], status="ts_processing")  # reopened: not resolved any more
    drain()
    reopened = desk.get("tickets", made["id"])
    assert reopened["resolved_at"] is None and reopened["first_responded_at"] == closed["first_responded_at"]


def test_a_p1_ticket_is_warned_at_80_percent_once_and_escalated_to_the_service_lead_at_breach(
        desk, drain, sessions, clock):
    urgent = ticket(desk, "系统宕机", "pri_urgent")
    normal = ticket(desk, "报表导出慢", "pri_medium")  # P3: its deadlines are hours later
    fixed = ticket(desk, "密码重置", "pri_urgent", status="ts_processing")
    drain()
    assert desk.get("tickets", fixed["id"])["first_responded_at"]  # left "Accepted": responded
    desk.edit("tickets", fixed["id"], status="ts_closed")  # resolved within minutes
    drain()
    assert desk.get("tickets", fixed["id"])["sla_met"] is True

    sweep_at(desk, sessions, drain, clock, 0.6)  # 36 min: below 80 % of the first hour
    assert desk.bell("sue") == []
    sweep_at(desk, sessions, drain, clock, 0.85)  # 51 min: the first response is 80 % gone
    [warned] = desk.bell("sue")
    assert "系统宕机" in warned and "first response" in warned
    sweep_at(desk, sessions, drain, clock, 0.9)  # the next sweep: not again
    assert len(desk.bell("sue")) == 1

    desk.edit("tickets", urgent["id"], status="ts_processing")  # sue responds in time
    drain()
    assert desk.get("tickets", urgent["id"])["first_responded_at"]
    sweep_at(desk, sessions, drain, clock, 2)  # past the first hour, but it was answered
    assert len(desk.bell("sue")) == 1 and desk.bell("leo") == []
    sweep_at(desk, sessions, drain, clock, 3.3)  # 3 h 18: 80 % of the 4 h resolution
    assert "系统宕机" in desk.bell("sue")[0] and "resolution" in desk.bell("sue")[0]
    assert not desk.get("tickets", urgent["id"])["escalated"]

    sweep_at(desk, sessions, drain, clock, 4.1)  # 4 h 06: the resolution deadline is missed
    [escalation] = desk.bell("leo")
    assert "系统宕机" in escalation and "escalated" in escalation
    assert len(desk.bell("sue")) == 3  # the assignee hears of it too
    late = desk.get("tickets", urgent["id"])
    assert late["escalated"] is True and late["escalated_at"]
    sweep_at(desk, sessions, drain, clock, 4.2)
    assert len(desk.bell("leo")) == 1  # escalated once

    # neither the P3 ticket, whose own 80 % lies ahead, nor the one resolved in time was warned
    told = desk.bell("sue") + desk.bell("leo")
    assert not any("报表导出慢" in text or "密码重置" in text for text in told)
    assert not desk.get("tickets", normal["id"])["escalated"]
    done = desk.get("tickets", fixed["id"])
    assert (done["escalated"], done["sla_met"]) == (False, True)
    escalated = desk.api.get("/api/v1/apps/crm/forms/tickets/records", params={"filter": "escalated = TRUE"})
    assert [r["id"] for r in escalated.json()["items"]] == [urgent["id"]]


def test_an_unanswered_p3_ticket_warns_after_80_percent_of_8_hours_and_escalates_at_8(
        desk, drain, sessions, clock):
    waiting = ticket(desk, "发票抬头错误", "pri_medium")
    sweep_at(desk, sessions, drain, clock, 1)  # when a P1 would have been warned and escalated
    assert desk.bell("sue") == [] and desk.bell("leo") == []
    sweep_at(desk, sessions, drain, clock, 6.5)  # 80 % of 8 h = 6 h 24
    [warned] = desk.bell("sue")
    assert "发票抬头错误" in warned
    sweep_at(desk, sessions, drain, clock, 8.1)
    assert len(desk.bell("leo")) == 1 and "first response" in desk.bell("leo")[0]
    assert desk.get("tickets", waiting["id"])["escalated"] is True


def test_a_1_0_ticket_with_a_typed_due_time_gets_computed_deadlines_on_upgrade(api, sessions, admin):
    with transaction(sessions) as session:
        install_template(session, store(), copy.deepcopy(SHIPPED_1_0), admin.id)
    customer = api.post(RECORDS.format("customers"), json={"name": "杭州云帆"}).json()
    typed = api.post(RECORDS.format("tickets"), json={
        "title": "旧工单", "customer": customer["id"], "priority": "pri_high",
        "reported_at": "2026-12-01T01:00:00Z", "sla_due_at": "2026-12-31T00:00:00Z"})
    assert typed.status_code == 201, typed.text
    upgraded = api.post("/api/v1/templates/crm:install")
    assert upgraded.status_code in (200, 201), upgraded.text
    kept = api.get(f"{RECORDS.format('tickets')}/{typed.json()['id']}").json()
    assert kept["title"] == "旧工单"
    assert (at(kept["first_response_due"]), at(kept["sla_due_at"])) == (  # P2: 4 h and 24 h
        at("2026-12-01T05:00:00Z"), at("2026-12-02T01:00:00Z"))
