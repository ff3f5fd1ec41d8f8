"""F1: approvers of an "any" node deciding at the same moment, in real concurrent requests
(each its own connection and transaction): exactly one decision counts."""

from __future__ import annotations

import threading

from sqlalchemy import select

from brickwork.platform.models import FlowNodeRun, OutboxEvent
from tests.engines.flow.helpers import approval, flow, publish_flow, users


def _race(org, instance_id: int, names: list[str]) -> list[tuple[int, dict]]:
    tasks = {name: org.task_of(name, instance_id) for name in names}
    gate = threading.Barrier(len(names))
    answers: list[tuple[int, dict]] = []

    def approve(name: str) -> None:
        gate.wait()
        done = org.clients[name].post(f"/api/v1/flow-tasks/{tasks[name]}:approve", json={})
        answers.append((done.status_code, done.json()))

    threads = [threading.Thread(target=approve, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _counts(sessions, instance_id: int, node: str) -> tuple[int, int]:
    with sessions() as s:
        completed = sum(1 for p in s.scalars(select(OutboxEvent.payload).where(
            OutboxEvent.topic == "flow.node.completed")) if p.get("instance") == instance_id and p.get("node") == node)
        next_runs = len(s.scalars(select(FlowNodeRun.id).where(FlowNodeRun.instance_id == instance_id,
                                                               FlowNodeRun.node_id == "next")).all())
    return completed, next_runs


def test_f1_two_approvers_of_an_any_node_at_once(org, sessions):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"], org["b"]), approval("next", users(org["c"])),
                                                 mode="any")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    answers = _race(org, i, ["a", "b"])
    codes = sorted(code for code, _body in answers)
    assert codes == [200, 409]
    assert [body["code"] for code, body in answers if code == 409] == ["task_closed"]
    outcomes = org.outcomes(i, "n")
    assert sorted(outcomes.values()) == ["approved", "no_response"]
    assert _counts(sessions, i, "n") == (1, 1)
    assert org.open_assignees(i) == {"c"}


def test_eight_approvers_at_once_make_one_decision(org, sessions):
    eight = ["a", "b", "c", "d", "e", "x", "y", "l1"]
    publish_flow(org.api, flow("claim", approval("n", users(*[org[n] for n in eight]),
                                                 approval("next", users(org["f"])), mode="any")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    answers = _race(org, i, eight)
    assert sorted(code for code, _body in answers) == [200] + [409] * 7
    assert sorted(org.outcomes(i, "n").values()) == ["approved"] + ["no_response"] * 7
    assert _counts(sessions, i, "n") == (1, 1)


def test_each_action_moves_the_version_once_and_a_refused_one_not_at_all(org):
    """Pages compare the instance's version: an action bumps it by one (decision or not);
    a wrong actor (403) or a task decided already (409) leaves the approval as it was."""
    publish_flow(org.api, flow("claim", approval("n", users(org["a"], org["b"], org["c"]), mode="all")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    first = org.admin_view(i)["version"]
    a_task = org.task_of("a", i)
    org.act("a", i, "approve")
    assert org.admin_view(i)["version"] == first + 1
    again = org.clients["a"].post(f"/api/v1/flow-tasks/{a_task}:approve", json={})
    assert again.status_code == 409 and again.json()["code"] == "task_closed"
    wrong = org.clients["a"].post(f"/api/v1/flow-tasks/{org.task_of('b', i)}:approve", json={})
    assert wrong.status_code == 403
    view = org.admin_view(i)
    assert view["version"] == first + 1 and view["state"] == "running"
    assert [e["action"] for e in view["timeline"]].count("approved") == 1
    org.act("b", i, "approve")
    org.act("c", i, "approve")  # decides the node and ends the instance: still one step
    view = org.admin_view(i)
    assert view["state"] == "approved" and view["version"] == first + 3
    assert sorted(org.outcomes(i, "n").values()) == ["approved"] * 3
