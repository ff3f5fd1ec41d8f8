"""The path preview: who will approve, given the record's values and the submitter."""

from __future__ import annotations

from tests.engines.flow.design_helpers import (
    approval,
    expense_flow,
    expense_org,
    flow,
    node_types,  # noqa: F401 (a fixture)
    publish_flow,
    setup_form,
    users_spec,
)
from tests.engines.form.helpers import APP, records

PREVIEW = f"{APP}/flows/claims:preview"


def names(response) -> list[tuple[str, list[str]]]:
    assert response.status_code == 200, response.text
    return [(s["node"], [p["name"] for p in s["people"]]) for s in response.json()["steps"]]


def published_claims(api, sessions, admin) -> dict[str, int]:
    setup_form(api)
    people = expense_org(sessions, admin)
    body = expense_flow({"source": "direct_manager"}, users_spec(people["Fiona"]), {"source": "dept_head", "level": 1})
    assert publish_flow(api, body).status_code == 200
    return people


def test_a_big_claim_goes_past_finance_and_a_small_one_does_not(api, sessions, admin, node_types):  # noqa: F811
    published_claims(api, sessions, admin)
    big = names(api.post(PREVIEW, json={"values": {"amount": 8000}}))
    assert big == [("manager", ["Mark"]), ("finance", ["Fiona"]), ("head_cc", ["Hana"])]
    small = [("manager", ["Mark"]), ("head_cc", ["Hana"])]
    assert names(api.post(PREVIEW, json={"values": {"amount": 5000}})) == small
    # BLANK makes "amount > 5000" false: the default branch; a value not valid yet is blank.
    assert names(api.post(PREVIEW, json={"values": {"amount": "lots"}})) == small


def test_a_saved_record_is_previewed_with_the_values_typed_over_it(api, sessions, admin, node_types):  # noqa: F811
    published_claims(api, sessions, admin)
    claim = api.post(records("expenses"), json={"title": "Trip", "amount": 9000}).json()
    on_file = api.post(PREVIEW, json={"record_id": claim["id"]})
    assert [s["node"] for s in on_file.json()["steps"]] == ["manager", "finance", "head_cc"]
    assert on_file.json()["steps"][1]["branch"] == "big" and on_file.json()["version"] == 1
    lowered = api.post(PREVIEW, json={"record_id": claim["id"], "values": {"amount": 10}})
    assert [s["node"] for s in lowered.json()["steps"]] == ["manager", "head_cc"]
    assert api.post(PREVIEW, json={"record_id": 999}).status_code == 404


def test_the_submitter_as_approver_is_skipped_and_nobody_goes_to_the_flow_admin(api, sessions, admin, node_types):  # noqa: F811
    setup_form(api)
    people = expense_org(sessions, admin)
    body = flow("claims", approval("self", {"source": "submitter"}, mode="all",
                                   next_=approval("ceo", {"source": "dept_head", "level": 3})),
                settings={"admins": [people["Sam"]]})
    assert publish_flow(api, body).status_code == 200
    steps = api.post(PREVIEW, json={}).json()["steps"]
    assert [(s["node"], s["empty"], [p["name"] for p in s["people"]]) for s in steps] == [
        ("self", "assign_to_flow_admin", ["Sam"]), ("ceo", "assign_to_flow_admin", ["Sam"])]


def test_an_unpublished_flow_has_no_preview(api, node_types):  # noqa: F811
    setup_form(api)
    missing = api.post(PREVIEW, json={"values": {"amount": 1}})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
