"""F14: a running instance keeps the flow version it started with; publishing a new version
changes only the instances started after it."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.engines.flow import service
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import principal_for
from brickwork.platform.models import FlowInstance, FlowNodeRun, FlowTask
from tests.engines.flow.helpers import approval, flow, publish_flow, users


def _v3_and_v4(org):
    v3 = flow("claim", approval("n1", users(org["a"]), approval("n_review", users(org["c"]))))
    v4 = flow("claim", approval("n1", users(org["a"])))
    return v3, v4


def test_f14_the_old_instance_still_reaches_the_removed_node(org):
    v3, v4 = _v3_and_v4(org)
    publish_flow(org.api, v3)
    old = org.submit("u", "claim", org.record("u", amount=1)["id"])
    publish_flow(org.api, v4)
    new = org.submit("u", "claim", org.record("u", amount=1)["id"])
    assert (old["flow_version"], new["flow_version"]) == (1, 2)
    org.act("a", old["id"], "approve")
    assert org.open_assignees(old["id"]) == {"c"}
    assert org.act("a", new["id"], "approve")["state"] == "approved"
    assert org.act("c", old["id"], "approve")["state"] == "approved"


def test_a_new_version_published_while_100_instances_run_leaves_them_on_theirs(org, sessions):
    v3, v4 = _v3_and_v4(org)
    publish_flow(org.api, v3)
    with transaction(sessions) as s:
        u = principal_for(s, org["u"])
        records = RecordService(s, load_form(s, "crm", "expenses"), u).bulk_create([{"amount": n} for n in range(100)])
        started = [service.start(s, "crm", "claim", {"record_id": r["id"]}, u).id for r in records]
    publish_flow(org.api, v4)
    with transaction(sessions) as s:
        a = principal_for(s, org["a"])
        for instance_id in started:
            task = s.scalar(select(FlowTask.id).where(FlowTask.instance_id == instance_id, FlowTask.state == "open"))
            service.act_on_task(s, task, "approve", {}, a)
    with sessions() as s:
        versions = set(s.scalars(select(FlowInstance.flow_version).where(FlowInstance.id.in_(started))))
        states = set(s.scalars(select(FlowInstance.state).where(FlowInstance.id.in_(started))))
        reviews = s.scalars(select(FlowNodeRun.instance_id).where(FlowNodeRun.node_id == "n_review",
                                                                  FlowNodeRun.state == "active")).all()
    assert versions == {1} and states == {"running"}
    assert sorted(reviews) == sorted(started)
