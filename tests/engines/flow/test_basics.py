"""A first smoke path: submit, approve, the record's state."""

from tests.engines.flow.helpers import EXPENSES_URL, approval, flow, publish_flow, users


def test_one_approver_approves_and_the_record_says_approved(org):
    publish_flow(org.api, flow("claim", approval("mgr", users(org["a"]))))
    record = org.record("u", amount=100)
    started = org.submit("u", "claim", record["id"])
    assert started["state"] == "running"
    assert org.open_assignees(started["id"]) == {"a"}
    done = org.act("a", started["id"], "approve")
    assert done["state"] == "approved"
    seen = org.clients["u"].get(f"{EXPENSES_URL}/{record['id']}").json()
    assert seen["_meta"]["flow_state"] == "approved"
