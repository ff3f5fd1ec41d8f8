"""The inbox and what people do besides deciding: batch approve, delegation while away,
urge, comments, CC (automatic and by hand), terminate."""

from __future__ import annotations

from datetime import timedelta

from brickwork.platform.db import utcnow
from tests.engines.flow.helpers import approval, flow, publish_flow, users


def test_batch_approve_reports_what_it_could_not(org):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"], org["b"]))))
    ids = [org.submit("u", "claim", org.record("u", amount=n)["id"])["id"] for n in range(3)]
    tasks = [org.task_of("a", i) for i in ids]
    org.act("b", ids[2], "approve")  # the third is decided meanwhile
    done = org.clients["a"].post("/api/v1/flow-tasks:batch-approve", json={"ids": tasks}).json()
    assert done["approved"] == tasks[:2]
    assert [(r["id"], r["code"]) for r in done["refused"]] == [(tasks[2], "task_closed")]
    assert [org.admin_view(i)["state"] for i in ids] == ["approved"] * 3


def test_tasks_go_to_the_delegate_while_away(org):
    publish_flow(org.api, flow("claim", approval("n", users(org["a"]))))
    away = {"delegate": org["d"], "from": (utcnow() - timedelta(hours=1)).isoformat() + "Z",
            "until": (utcnow() + timedelta(days=3)).isoformat() + "Z"}
    put = org.clients["a"].put("/api/v1/me/delegation", json=away)
    assert put.status_code == 200 and put.json()["delegation"]["delegate"] == org["d"]
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    assert org.open_assignees(i) == {"d"}
    done = org.act("d", i, "approve", comment="for A")
    entry = [e for e in done["timeline"] if e["action"] == "approved" and e["task"]][0]
    assert (entry["actor"], entry["on_behalf_of"]) == (org["d"], org["a"])
    assert org.clients["a"].put("/api/v1/me/delegation", json=None).json() == {"delegation": None}


def test_urge_comment_cc_and_terminate(org, api):
    publish_flow(org.api, flow("claim", {"id": "copy", "type": "cc", "recipients": [{"source": "dept_head"}],
                                         "permissions": {"amount": "read"},
                                         "next": approval("n", users(org["a"]))}))
    i = org.submit("u", "claim", org.record("u", amount=5, cost=3)["id"])["id"]
    seen = org.instance("h2", i)  # U's department head, copied
    assert seen["record"]["amount"] == "5" and "cost" not in seen["record"]
    assert org.clients["h2"].get("/api/v1/flow-tasks", params={"box": "cc"}).json()["counts"]["cc"] == 1
    before = org.clients["a"].get("/api/v1/notifications").json()["unread"]
    org.on_instance("u", i, "urge")
    assert org.clients["a"].get("/api/v1/notifications").json()["unread"] == before + 1
    assert org.on_instance("u", i, "urge", expect=429)["code"] == "too_many_requests"
    org.on_instance("h2", i, "comment", comment="looks fine")
    org.on_instance("a", i, "cc", users=[org["f"]])
    assert org.instance("f", i)["state"] == "running"
    assert org.on_instance("u", i, "terminate", expect=403)["code"] == "forbidden"
    done = api.post(f"/api/v1/flow-instances/{i}:terminate", json={"comment": "duplicate"}).json()
    assert done["state"] == "terminated"
    actions = [e["action"] for e in done["timeline"]]
    assert {"cc", "urged", "comment", "terminate", "terminated"} <= set(actions)
