"""Each app documents its records API with a typed schema per form, and the records the
API returns fit those schemas."""

import jsonschema

from tests.engines.form.helpers import APP, field, form, publish, records
from tests.engines.form.test_round_trip import cases  # noqa: F401 - the fixture


def test_records_fit_the_schema_the_app_publishes(api, cases):  # noqa: F811
    publish(api, form("all", *[case[0] for case in cases]))
    created = api.post(records("all"), json={c[0]["key"]: c[1] for c in cases if c[1] is not None}).json()
    document = api.get(f"{APP}/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    schema = spec["components"]["schemas"]["All"]
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(created, schema)
    listing = spec["paths"]["/api/v1/apps/crm/forms/all/records"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["schema"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/All"}
    for item in api.get(records("all")).json()["items"]:
        jsonschema.validate(item, schema)


def test_the_schema_follows_the_live_version_and_labels(api):
    publish(api, form("deals", field("f_name", "text", "name", required=True)))
    api.put(f"{APP}/forms/deals", json=form("deals", field("f_name", "text", "title")))  # a draft only
    spec = api.get(f"{APP}/openapi.json").json()
    deal = spec["components"]["schemas"]["Deals"]
    assert "name" in deal["properties"] and "title" not in deal["properties"]
    assert deal["properties"]["name"]["title"] == "Name"
    assert deal["x-required-on-create"] == ["name"]
    assert spec["security"] == [{"bearer": []}]


def test_it_needs_credentials(api):
    publish(api, form("deals", field("f_name", "text", "name")))
    assert api.get(f"{APP}/openapi.json", headers={"Authorization": "Bearer bwt_wrong"}).status_code == 401


def test_a_change_must_send_the_version_it_was_made_on(api):
    publish(api, form("deals", field("f_name", "text", "name")))
    spec = api.get(f"{APP}/openapi.json").json()
    body = spec["paths"]["/api/v1/apps/crm/forms/deals/records/{id}"]["patch"]["requestBody"]
    schema = {**body["content"]["application/json"]["schema"], "components": spec["components"]}
    assert body["required"] is True
    made = api.post(records("deals"), json={"name": "A"}).json()
    without = {"name": "B"}
    assert not jsonschema.Draft202012Validator(schema).is_valid(without)
    assert api.patch(f"{records('deals')}/{made['id']}", json=without).status_code == 422
    assert jsonschema.Draft202012Validator(schema).is_valid({"name": "B", "version": made["version"]})
