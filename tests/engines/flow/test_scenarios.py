"""The reference's flow scenarios (engine-semantics §1.13) F2–F11, F13, F15 through the API,
on the database the run is given (SQLite, or PostgreSQL with BRICKWORK_TEST_DATABASE_URL).
F1 (concurrency) is in test_concurrency.py, F12 (timeouts) in test_timeouts.py, F14
(versions) in test_versions.py."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.platform.models import OutboxEvent
from tests.engines.flow.helpers import EXPENSES_URL, approval, flow, publish_flow, users


def events(sessions, topic: str, instance_id: int) -> int:
    with sessions() as s:
        rows = s.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)).all()
        return sum(1 for p in rows if p.get("instance") == instance_id)


def gt(key: str, number: int) -> dict:
    return {"fn": ">", "args": [{"ref": key}, {"lit": number, "type": "number"}]}


def test_f2_all_mode_one_reject_rejects_at_once(org, sessions):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"], org["b"], org["c"]), mode="all")))
    record = org.record("u", amount=10)
    i = org.submit("u", "claim", record["id"])["id"]
    assert org.open_assignees(i) == {"a", "b", "c"}
    org.act("a", i, "approve")
    done = org.act("b", i, "reject", comment="too much")
    assert done["state"] == "rejected"
    assert org.outcomes(i, "n") == {"a": "approved", "b": "rejected", "c": "no_response"}
    assert events(sessions, "flow.instance.rejected", i) == 1
    # The record is unlocked: its owner edits it again.
    current = org.clients["u"].get(f"{EXPENSES_URL}/{record['id']}").json()
    assert current["_meta"]["flow_state"] == "rejected"
    edited = org.clients["u"].patch(f"{EXPENSES_URL}/{record['id']}", json={"amount": 5, "version": current["version"]})
    assert edited.status_code == 200, edited.text


def test_f2_a_reject_needs_a_comment(org):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]))))
    i = org.submit("u", "claim", org.record("u", amount=10)["id"])["id"]
    refused = org.act("a", i, "reject", expect=422)
    assert refused["errors"][0]["field"] == "comment"


def test_f3_ratio_60_of_5(org):
    five = [org[n] for n in ("a", "b", "c", "d", "e")]
    publish_flow(org.api, flow("claim", approval("n", users(*five), mode="ratio", ratio=60)))
    for last, expected in (("approve", "approved"), ("reject", "rejected")):
        i = org.submit("u", "claim", org.record("u", amount=10)["id"])["id"]
        org.act("a", i, "approve")
        org.act("b", i, "reject", comment="no")
        org.act("c", i, "approve")
        after = org.act("d", i, "reject", comment="no")
        assert after["state"] == "running"  # a=2, r=2: 3 approvals still possible
        done = org.act("e", i, last, comment="decided")
        assert done["state"] == expected


def test_f4_condition_branches_first_true_wins_blank_goes_default(org):
    group = {"id": "g", "type": "condition_group", "next": None,
             "branches": [{"id": "p1", "condition": gt("amount", 100000),
                           "node": approval("ceo_ok", {"source": "role", "role": "ceo"})},
                          {"id": "p2", "condition": gt("amount", 5000), "node": approval("h1_ok", users(org["h1"]))}],
             "default": {"id": "other", "node": approval("h2_ok", users(org["h2"]))}}
    publish_flow(org.api, flow("claim", group))
    for amount, who in ((8000, {"h1"}), (200000, {"ceo"}), (None, {"h2"})):
        i = org.submit("u", "claim", org.record("u", amount=amount)["id"])["id"]
        assert org.open_assignees(i) == who, amount


def test_f5_department_heads_shift_up_for_a_head(org):
    publish_flow(org.api, flow("claim", approval("l1", {"source": "dept_head", "level": 1},
                                                 approval("l2", {"source": "dept_head", "level": 2}),
                                                 on_self="skip")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    assert org.open_assignees(i) == {"h2"}
    org.act("h2", i, "approve")
    assert org.open_assignees(i) == {"h1"}
    j = org.submit("h2", "claim", org.record("h2", amount=1)["id"])["id"]
    assert org.open_assignees(j) == {"h1"}
    org.act("h1", j, "approve")
    assert org.open_assignees(j) == {"ceo"}
    assert all(t["assignee"] != org["h2"] for t in org.admin_view(j)["tasks"])


def test_f6_a_role_without_members_auto_approves_or_goes_to_the_flow_admin(org):
    publish_flow(org.api, flow("claim", approval("legal", {"source": "role", "role": "nobody"},
                                                 on_empty="auto_approve")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])
    assert i["state"] == "approved"
    auto = [e for e in i["timeline"] if e["action"] == "auto_approved"]
    assert auto and auto[0]["actor"] is None and auto[0]["data"]["reason"] == "no_approver"
    publish_flow(org.api, flow("claim", approval("legal", {"source": "role", "role": "nobody"},
                                                 on_empty="assign_to_flow_admin"), settings={"admins": [org["x"]]}))
    j = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    assert org.open_assignees(j) == {"x"}


def test_f6_reject_on_empty_refuses_the_submit(org):
    publish_flow(org.api, flow("claim", approval("legal", {"source": "role", "role": "nobody"}, on_empty="reject")))
    record = org.record("u", amount=1)
    refused = org.submit("u", "claim", record["id"], expect=409)
    assert refused["code"] == "no_approver"
    assert org.clients["u"].get(f"{EXPENSES_URL}/{record['id']}").json()["_meta"]["flow_state"] is None


def _three_steps(org):
    return flow("claim", approval("n1", users(org["h1"]),
                                  approval("n2", users(org["f"]),
                                           approval("n3", users(org["h1"])),
                                           permissions={"amount": "edit"})))


def test_f7_the_same_approver_later_is_approved_for_them(org):
    publish_flow(org.api, _three_steps(org))
    i = org.submit("u", "claim", org.record("u", amount=100)["id"])["id"]
    org.act("h1", i, "approve")
    done = org.act("f", i, "approve")
    assert done["state"] == "approved"
    assert org.outcomes(i, "n3") == {"h1": "auto_approved"}
    assert [t["reason"] for t in done["tasks"] if t["node"] == "n3"] == ["dedupe"]


def test_f7_not_when_the_record_changed_in_between(org):
    publish_flow(org.api, _three_steps(org))
    i = org.submit("u", "claim", org.record("u", amount=100)["id"])["id"]
    org.act("h1", i, "approve")
    version = org.instance("f", i)["record"]["version"]
    org.act("f", i, "approve", values={"amount": 150}, version=version)
    assert org.open_assignees(i) == {"h1"}


def test_f8_return_to_the_submitter_then_the_path_runs_again(org):
    group = {"id": "g", "type": "condition_group",
             "branches": [{"id": "big", "condition": gt("amount", 100000),
                           "node": approval("ceo_ok", {"source": "role", "role": "ceo"})}],
             "default": {"id": "small", "node": None},
             "next": approval("n2", users(org["b"]), actions=["approve", "reject", "return"])}
    publish_flow(org.api, flow("claim", approval("n1", users(org["a"]), group)))
    record = org.record("u", amount=8000)
    i = org.submit("u", "claim", record["id"])["id"]
    org.act("a", i, "approve")
    returned = org.act("b", i, "return", comment="fix the amount")
    assert returned["state"] == "returned"
    assert org.open_assignees(i) == {"u"}
    mine = org.instance("u", i)
    assert "resubmit" in mine["actions"] and "amount" in mine["editable"]
    again = org.on_instance("u", i, "resubmit", values={"amount": 200000}, version=mine["record"]["version"])
    assert again["state"] == "running"
    assert org.open_assignees(i) == {"a"}
    assert len([t for t in again["tasks"] if t["node"] == "n1"]) == 2
    org.act("a", i, "approve")
    assert org.open_assignees(i) == {"ceo"}


def test_f9_withdraw_until_first_action(org):
    publish_flow(org.api, flow("claim", approval("n1", users(org["a"]), approval("n2", users(org["b"])))))
    record = org.record("u", amount=1)
    i = org.submit("u", "claim", record["id"])["id"]
    locked = org.clients["u"].patch(f"{EXPENSES_URL}/{record['id']}", json={"amount": 2, "version": 2})
    assert locked.status_code == 409 and locked.json()["code"] == "in_approval"
    done = org.on_instance("u", i, "withdraw")
    assert done["state"] == "withdrawn"
    assert {t["outcome"] for t in done["tasks"]} == {"cancelled"}
    current = org.clients["u"].get(f"{EXPENSES_URL}/{record['id']}").json()
    assert org.clients["u"].patch(f"{EXPENSES_URL}/{record['id']}",
                                  json={"amount": 2, "version": current["version"]}).status_code == 200
    j = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("a", j, "approve")
    refused = org.on_instance("u", j, "withdraw", expect=409)
    assert refused["code"] == "withdraw_not_allowed"


def test_f10_transfer_not_to_an_assignee(org):
    publish_flow(org.api, flow("claim", approval("n2", users(org["a"], org["b"]), mode="all")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    refused = org.act("a", i, "transfer", expect=422, users=[org["b"]])
    assert refused["errors"][0]["code"] == "already_assignee"
    org.act("a", i, "transfer", users=[org["c"]])
    assert org.outcomes(i, "n2") == {"a": "transferred", "b": None, "c": None}
    assert org.open_assignees(i) == {"b", "c"}
    org.act("b", i, "approve")
    assert org.act("c", i, "approve")["state"] == "approved"


def test_f11_add_sign_before(org):
    publish_flow(org.api, flow("claim", approval("finance", users(org["f"]),
                                                 actions=["approve", "reject", "add_sign"])))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("f", i, "add-sign", users=[org["x"]], position="before")
    assert org.open_assignees(i) == {"x"}
    assert [t["state"] for t in org.admin_view(i)["tasks"] if t["assignee"] == org["f"]] == ["waiting"]
    org.act("x", i, "approve")
    assert org.open_assignees(i) == {"f"}
    assert org.act("f", i, "approve")["state"] == "approved"
    j = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("f", j, "add-sign", users=[org["x"]], position="before")
    done = org.act("x", j, "reject", comment="no")
    assert done["state"] == "rejected"


def test_f13_a_reject_in_one_parallel_branch_rejects_all(org):
    group = {"id": "p", "type": "parallel_group", "next": approval("after", users(org["a"])),
             "branches": [{"id": "legal", "node": approval("l", users(org["l1"]))},
                          {"id": "money", "node": approval("fin", users(org["f"]))}]}
    publish_flow(org.api, flow("claim", group))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    assert org.open_assignees(i) == {"l1", "f"}
    done = org.act("l1", i, "reject", comment="no")
    assert done["state"] == "rejected"
    assert org.outcomes(i, "fin") == {"f": "no_response"}
    assert "after" not in {t["node"] for t in done["tasks"]}
    j = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("l1", j, "approve")
    assert org.open_assignees(j) == {"f"}
    org.act("f", j, "approve")
    assert org.open_assignees(j) == {"a"}  # the join fired once both branches ended


def test_f15_hidden_fields_and_edit_permissions(org):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]),
                                                 permissions={"amount": "read", "cost": "hidden"})))
    record = org.record("u", amount=100, cost=70, note="taxi")
    i = org.submit("u", "claim", record["id"])["id"]
    seen = org.instance("a", i)
    assert "cost" not in seen["record"] and seen["record"]["amount"] == "100"
    task = org.task_of("a", i)
    refused = org.clients["a"].patch(f"/api/v1/flow-tasks/{task}/record",
                                     json={"values": {"amount": 1}, "version": seen["record"]["version"]})
    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["errors"]] == ["amount"]
    assert org.api.get(f"{EXPENSES_URL}/{record['id']}").json()["amount"] == "100"
    other = org.clients["b"].get(f"/api/v1/flow-instances/{i}")
    assert other.status_code == 404


def test_a_wrong_actor_gets_403_and_the_inbox_counts(org):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]))))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    task = org.task_of("a", i)
    assert org.clients["b"].post(f"/api/v1/flow-tasks/{task}:approve", json={}).status_code == 403
    inbox = org.clients["a"].get("/api/v1/flow-tasks", params={"box": "todo"}).json()
    assert inbox["counts"]["todo"] == 1 and inbox["items"][0]["task"] == task
    assert org.clients["u"].get("/api/v1/flow-tasks", params={"box": "started"}).json()["counts"]["started"] == 1
    org.act("a", i, "approve")
    assert org.clients["a"].get("/api/v1/flow-tasks", params={"box": "done"}).json()["counts"] == {
        "todo": 0, "done": 1, "started": 0, "cc": 0}
    again = org.clients["a"].post(f"/api/v1/flow-tasks/{task}:approve", json={})
    assert again.status_code == 409 and again.json()["code"] == "task_closed"
    bell = org.clients["u"].get("/api/v1/notifications").json()
    assert bell["unread"] >= 1
