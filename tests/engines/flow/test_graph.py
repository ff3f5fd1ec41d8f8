"""Publishing a flow checks the whole drawing and names each problem on its node."""

from __future__ import annotations

from tests.engines.flow.design_helpers import (
    approval,
    branch,
    cc,
    expense_flow,
    flow,
    gt,
    node_types,  # noqa: F401 (a fixture)
    problems,
    publish_flow,
    save,
    setup_form,
    users_spec,
)
from tests.engines.form.helpers import APP

MANAGER = {"source": "direct_manager"}
FINANCE = users_spec(1)
HEAD = {"source": "dept_head", "level": 1}


def test_the_expense_flow_publishes_and_is_stored_as_drawn(api, node_types):  # noqa: F811
    setup_form(api)
    body = expense_flow(MANAGER, FINANCE, HEAD)
    published = publish_flow(api, body)
    assert published.status_code == 200, published.text
    assert published.json()["report"] == {"form": "expenses", "nodes": 5}
    stored = api.get(f"{APP}/definitions/flow/claims").json()["body"]
    group = stored["root"]["next"]["next"]
    assert group["branches"][0]["node"]["approvers"] == [FINANCE]
    assert group["default"]["id"] == "otherwise" and group["next"]["recipients"] == [HEAD]


def test_an_empty_approver_rule_and_a_missing_default_are_named_on_their_nodes(api, node_types):  # noqa: F811
    setup_form(api)
    body = flow("claims", approval("manager", next_={
        "id": "by_amount", "type": "condition_group",
        "branches": [branch("big", approval("finance", users_spec()), gt("amount", 5000))],
        "next": cc("head_cc")}))
    found = problems(publish_flow(api, body))
    assert found == {"nodes.manager.approvers": "empty", "nodes.by_amount.default": "no_default",
                     "nodes.finance.approvers[0].users": "empty", "nodes.head_cc.recipients": "empty"}


def test_a_parallel_group_without_branches_leaves_what_follows_unreachable(api, node_types):  # noqa: F811
    setup_form(api)
    body = flow("claims", {"id": "together", "type": "parallel_group", "branches": [],
                           "next": approval("after", MANAGER)})
    found = problems(publish_flow(api, body))
    assert found == {"nodes.together.branches": "no_branches", "nodes.together": "dead_end",
                     "nodes.after": "unreachable"}


def test_conditions_permissions_and_fields_are_checked_against_the_form(api, node_types):  # noqa: F811
    setup_form(api)
    body = flow("claims", approval("manager", {"source": "field", "field": "title"},
                                   permissions={"amount": "edit", "ghost": "read", "cost": "shout"}, next_={
        "id": "by_amount", "type": "condition_group",
        "branches": [branch("big", None, gt("salary", 5000)), branch("nothing", None)],
        "default": branch("otherwise", None)}))
    found = problems(publish_flow(api, body))
    assert found == {"nodes.manager.approvers[0].field": "not_people",
                     "nodes.manager.permissions.ghost": "unknown_field",
                     "nodes.manager.permissions.cost": "permission", "nodes.big.condition": "unknown_field",
                     "nodes.nothing.condition": "required"}


def test_a_role_the_app_lacks_and_an_unknown_form_are_refused(api, node_types):  # noqa: F811
    setup_form(api)
    found = problems(publish_flow(api, flow("claims", approval("legal", {"source": "role", "role": "legal"}))))
    assert found == {"nodes.legal.approvers[0].role": "unknown_role"}
    assert api.post(f"{APP}/roles", json={"key": "legal", "label": {"en": "Legal"}}).status_code == 201
    assert api.post(f"{APP}/definitions/flow/claims:publish").status_code == 200
    ghost = flow("ghosts", approval("a", MANAGER), form="ghosts")
    assert problems(publish_flow(api, ghost)) == {"$.form": "unknown_form"}


def test_a_return_may_only_go_back_to_a_step_the_instance_passed(api, node_types):  # noqa: F811
    setup_form(api)
    body = flow("claims", {
        "id": "together", "type": "parallel_group",
        "branches": [branch("legal_b", approval("legal", MANAGER)),
                     branch("fin_b", approval("fin", MANAGER, return_targets=["start", "legal", "later"]))],
        "next": approval("later", MANAGER, return_targets=["legal", "fin", "together"])})
    found = problems(publish_flow(api, body))
    assert found == {"nodes.fin.return_targets": "return_target", "nodes.later.return_targets": "return_target"}
    messages = [e["message"] for e in publish_flow(api, body).json()["errors"]]
    assert any("legal does not come before" in m for m in messages)
    assert any("together does not come before" in m for m in messages)


def test_a_draft_is_kept_half_drawn_but_never_with_twin_ids_or_unknown_types(api, node_types):  # noqa: F811
    setup_form(api)
    assert save(api, flow("claims", approval("manager"))).status_code == 200
    twins = flow("claims", approval("manager", MANAGER, next_=approval("manager", MANAGER)))
    assert problems(save(api, twins)) == {"nodes.manager.id": "duplicate"}
    odd = flow("claims", {"id": "robot", "type": "teleport"})
    assert problems(save(api, odd)) == {"nodes.robot.type": "unknown_type"}
