"""Flows travel in the app file after the forms they approve, with the roles they name."""

from tests.engines.flow.design_helpers import expense_flow, node_types, publish_flow, setup_form, users_spec  # noqa: F401
from tests.engines.form.helpers import APP


def test_an_exported_app_brings_its_flows_and_the_copy_publishes_them(api, node_types):  # noqa: F811
    setup_form(api)
    assert api.post(f"{APP}/roles", json={"key": "finance", "label": {"en": "Finance"}}).status_code == 201
    body = expense_flow({"source": "direct_manager"}, {"source": "role", "role": "finance"},
                        {"source": "dept_head", "level": 1})
    assert publish_flow(api, body).status_code == 200
    document = api.get(f"{APP}:export").json()
    assert [d["key"] for d in document["definitions"]["flow"]] == ["claims"]
    assert "finance" in {r["key"] for r in document["roles"]}
    copied = api.post("/api/v1/apps:import", params={"key": "crm_two"}, json=document)
    assert copied.status_code == 201, copied.text
    live = api.get("/api/v1/apps/crm_two/definitions/flow/claims").json()
    assert live["state"] == "published" and live["body"]["root"]["next"]["approvers"] == [{"source": "direct_manager"}]


def test_a_file_whose_flow_names_a_missing_form_is_refused_whole(api, node_types):  # noqa: F811
    setup_form(api)
    assert publish_flow(api, expense_flow({"source": "direct_manager"}, users_spec(1),
                                          {"source": "submitter"})).status_code == 200
    document = api.get(f"{APP}:export").json()
    document["definitions"]["form"] = []
    refused = api.post("/api/v1/apps:import", params={"key": "crm_three"}, json=document)
    assert refused.status_code == 422, refused.text
    assert api.get("/api/v1/apps/crm_three").status_code == 404
