"""Paths beyond the reference scenarios: sequential turns, a handling step, a return to an
earlier approver, resume at the returner, self-selected approvers, the submitter as approver."""

from __future__ import annotations

from tests.engines.flow.helpers import approval, flow, publish_flow, users


def test_sequential_turns_and_a_handling_step(org):
    handle = {"id": "pay", "type": "handler", "approvers": [users(org["f"])], "next": None}
    publish_flow(org.api, flow("claim", approval("n", users(org["a"], org["b"]), handle, mode="sequential")))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    assert org.open_assignees(i) == {"a"}
    org.act("a", i, "approve")
    assert org.open_assignees(i) == {"b"}
    org.act("b", i, "approve")
    assert org.open_assignees(i) == {"f"}
    assert org.act("f", i, "reject", expect=409, comment="no")["code"] == "action_not_enabled"
    done = org.act("f", i, "approve")
    assert done["state"] == "approved" and org.outcomes(i, "pay") == {"f": "submitted"}


def test_return_to_an_earlier_approver_runs_the_path_from_there(org):
    publish_flow(org.api, flow("claim", approval("n1", users(org["a"]), approval(
        "n2", users(org["b"]), approval("n3", users(org["c"]), actions=["approve", "return"])))))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("a", i, "approve")
    org.act("b", i, "approve")
    refused = org.act("c", i, "return", expect=422, comment="why", target="n3")
    assert refused["errors"][0]["code"] == "not_passed"
    back = org.act("c", i, "return", comment="check again", target="n2")
    assert back["state"] == "running" and org.open_assignees(i) == {"b"}
    org.act("b", i, "approve")
    assert org.open_assignees(i) == {"c"}


def test_resume_at_the_returner_after_resubmit(org):
    publish_flow(org.api, flow("claim", approval("n1", users(org["a"]), approval(
        "n2", users(org["b"]), actions=["approve", "return"])), settings={"return_resume": "resume_at_returner"}))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("a", i, "approve")
    org.act("b", i, "return", comment="fix it")
    org.on_instance("u", i, "resubmit")
    assert org.open_assignees(i) == {"b"}


def test_self_selected_approvers_and_the_submitter_skipped(org):
    pick = {"source": "self_select", "users": [org["a"], org["b"], org["u"]]}
    publish_flow(org.api, flow("claim", approval("n", [pick, users(org["u"])], mode="all")))
    record = org.record("u", amount=1)
    missing = org.submit("u", "claim", record["id"], expect=422)
    assert missing["errors"][0]["field"] == "chosen.n"
    outside = org.submit("u", "claim", record["id"], expect=422, chosen={"n": [org["c"]]})
    assert outside["errors"][0]["code"] == "out_of_range"
    i = org.submit("u", "claim", record["id"], chosen={"n": [org["b"], org["u"]]})["id"]
    assert org.open_assignees(i) == {"b"}  # the submitter is taken out (on_self: skip)


def test_dedupe_in_a_later_turn_of_a_sequential_node(org):
    publish_flow(org.api, flow("claim", approval("n1", users(org["a"]), approval(
        "n2", users(org["b"], org["a"]), mode="sequential"))))
    i = org.submit("u", "claim", org.record("u", amount=1)["id"])["id"]
    org.act("a", i, "approve")
    done = org.act("b", i, "approve")
    assert done["state"] == "approved"
    assert org.outcomes(i, "n2") == {"b": "approved", "a": "auto_approved"}
