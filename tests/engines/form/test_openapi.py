"""Each app documents its records API with typed read, create and update schemas per form,
under names a generated client can keep, and the records the API returns fit them."""

import re

import jsonschema

from tests.engines.form.helpers import APP, changed, field, form, publish, records
from tests.engines.form.test_round_trip import cases  # noqa: F401 - the fixture

OPTIONS = [{"id": "a", "label": {"en": "Alpha", "zh-CN": "甲"}}]


def validator(spec, name):
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_records_fit_the_schema_the_app_publishes(api, cases):  # noqa: F811
    publish(api, form("all", *[case[0] for case in cases]))
    created = api.post(records("all"), json={c[0]["key"]: c[1] for c in cases if c[1] is not None}).json()
    document = api.get(f"{APP}/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"]["AllRead"])
    validator(spec, "AllRead").validate(created)
    listing = spec["paths"]["/api/v1/apps/crm/forms/all/records"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AllPage"}
    validator(spec, "AllPage").validate(api.get(records("all")).json())
    # What was read goes back as a change once the computed fields are left out.
    writable = spec["components"]["schemas"]["AllUpdate"]["properties"]
    assert "autonumber" not in writable and "formula" not in writable
    back = {k: v for k, v in created.items() if k in writable}
    validator(spec, "AllUpdate").validate(back)
    assert api.patch(f"{records('all')}/{created['id']}", json=back).status_code == 200


def test_names_stay_when_labels_or_the_language_change(api):
    deals = form("deals", field("f_stage", "select", "stage", options=OPTIONS), label={"en": "Deals", "zh-CN": "商机"})
    publish(api, deals)
    names = []
    for language, definition in (("en", deals), ("zh-CN", deals), ("zh-CN", changed(
            {**deals, "label": {"en": "Opportunities", "zh-CN": "机会"}}, f_stage={"label": {"zh-CN": "阶段"}}))):
        publish(api, definition)
        spec = api.get(f"{APP}/openapi.json", headers={"Accept-Language": language}).json()
        operations = sorted(op["operationId"] for item in spec["paths"].values()
                            for op in item.values() if isinstance(op, dict) and "operationId" in op)
        titles = sorted(s.get("title", "") for s in spec["components"]["schemas"].values())
        names.append((spec["info"]["title"], sorted(spec["components"]["schemas"]), operations, titles,
                      spec["components"]["schemas"]["DealsRead"]["properties"]["stage"].get("title")))
    assert names[0] == names[1] == names[2]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]*", text) for text in [names[0][0], *names[0][1], *names[0][2],
                                                                 *names[0][3]])
    assert names[0][4] is None  # an enum is named by a generator after its title: the label stays out
    assert "机会" in spec["components"]["schemas"]["DealsRead"]["description"]
    assert "阶段" in spec["components"]["schemas"]["DealsRead"]["properties"]["stage"]["description"]


def test_lists_declare_what_the_server_reads(api):
    publish(api, form("deals", field("f_name", "text", "name")))
    paths = api.get(f"{APP}/openapi.json").json()["paths"]
    listing = paths["/api/v1/apps/crm/forms/deals/records"]["get"]
    assert [p["name"] for p in listing["parameters"]] == ["filter", "sort", "limit", "cursor", "fields", "deleted",
                                                          "q"]
    one = paths["/api/v1/apps/crm/forms/deals/records/{id}"]
    assert [p["name"] for p in one["delete"]["parameters"]] == ["version", "If-Match", "Prefer"]
    assert [p["name"] for p in one["get"]["parameters"]] == ["deleted", "fields"]
    assert [p["name"] for p in one["patch"]["parameters"]] == ["If-Match", "fields", "Prefer"]
    assert [p["in"] for p in one["patch"]["parameters"]] == ["header", "query", "header"]
    assert set(one["get"]["responses"]["200"]["headers"]) == {"ETag"}
    create = paths["/api/v1/apps/crm/forms/deals/records"]["post"]
    assert [p["name"] for p in create["parameters"]] == ["fields", "Prefer"]
    assert set(create["responses"]["201"]["headers"]) == {"Location", "ETag", "Preference-Applied"}


def test_the_platform_document_declares_the_same_headers_and_parameters(api):
    spec = api.get("/openapi.json").json()
    records = spec["paths"]["/api/v1/apps/{app}/forms/{form}/records"]
    one = spec["paths"]["/api/v1/apps/{app}/forms/{form}/records/{record_id}"]
    bulk = spec["paths"]["/api/v1/apps/{app}/forms/{form}/records:bulk"]
    named = {(p["in"], p["name"]) for p in one["patch"]["parameters"]}
    assert {("header", "if-match"), ("header", "prefer"), ("query", "fields")} <= named
    assert {("header", "if-match"), ("header", "prefer")} <= {(p["in"], p["name"]) for p in one["delete"]["parameters"]}
    assert ("header", "prefer") in {(p["in"], p["name"]) for p in records["post"]["parameters"]}
    assert ("query", "fields") in {(p["in"], p["name"]) for p in bulk["post"]["parameters"]}
    assert set(records["post"]["responses"]["201"]["headers"]) == {"Location", "ETag", "Preference-Applied"}
    assert "ETag" in one["get"]["responses"]["200"]["headers"]
    assert "expression language" in next(p for p in records["get"]["parameters"] if p["name"] == "filter")[
        "description"]


def test_decimals_are_strings_with_their_places(api):
    publish(api, form("deals", field("f_amount", "money", "amount", currency="CNY"),
                      field("f_share", "number", "share", scale=0)))
    spec = api.get(f"{APP}/openapi.json").json()
    amount = spec["components"]["schemas"]["DealsCreate"]["properties"]["amount"]
    share = spec["components"]["schemas"]["DealsCreate"]["properties"]["share"]
    assert amount["type"] == ["string", "null"] and amount["format"] == "decimal"
    made = api.post(records("deals"), json={"amount": "19.9", "share": "7"}).json()
    assert re.fullmatch(amount["pattern"], made["amount"]) and re.fullmatch(share["pattern"], made["share"])
    assert not re.fullmatch(amount["pattern"], "19.999")
    assert api.post(records("deals"), json={"amount": "19.999"}).status_code == 422


def test_create_names_required_fields_and_update_the_version(api):
    publish(api, form("deals", field("f_name", "text", "name", required=True), field("f_mail", "email", "mail"),
                      field("f_site", "url", "site")))
    schemas = api.get(f"{APP}/openapi.json").json()["components"]["schemas"]
    assert schemas["DealsCreate"]["required"] == ["name"]
    assert schemas["DealsUpdate"]["required"] == ["version"]
    assert schemas["DealsRead"]["properties"]["mail"]["format"] == "email"
    assert schemas["DealsRead"]["properties"]["site"]["format"] == "uri"
    assert "flow_state" in schemas["RecordMeta"]["properties"]


def test_every_error_is_a_problem_as_the_server_sends_it(api):
    publish(api, form("deals", field("f_name", "text", "name", required=True)))
    spec = api.get(f"{APP}/openapi.json").json()
    for item in spec["paths"].values():
        for operation in (op for op in item.values() if isinstance(op, dict)):
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "409" in spec["paths"]["/api/v1/apps/crm/forms/deals/records/{id}"]["patch"]["responses"]
    refused = api.post(records("deals"), json={})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    unreadable = api.post(records("deals"), content=b"\xff", headers={"Content-Type": "application/json"})
    assert unreadable.status_code == 400 and unreadable.headers["content-type"] == "application/problem+json"
    assert {"400"} <= set(spec["paths"]["/api/v1/apps/crm/forms/deals/records"]["post"]["responses"])
    assert {"400"} <= set(spec["paths"]["/api/v1/apps/crm/forms/deals/records/{id}"]["patch"]["responses"])
    validator(spec, "Problem").validate(refused.json())
    assert refused.json()["errors"][0]["field"] == "name"


def test_it_needs_credentials(api):
    publish(api, form("deals", field("f_name", "text", "name")))
    assert api.get(f"{APP}/openapi.json", headers={"Authorization": "Bearer bwt_wrong"}).status_code == 401


def test_a_change_must_send_the_version_it_was_made_on(api):
    publish(api, form("deals", field("f_name", "text", "name")))
    spec = api.get(f"{APP}/openapi.json").json()
    body = spec["paths"]["/api/v1/apps/crm/forms/deals/records/{id}"]["patch"]["requestBody"]
    assert body["required"] is True
    made = api.post(records("deals"), json={"name": "A"}).json()
    without = {"name": "B"}
    assert not validator(spec, "DealsUpdate").is_valid(without)
    assert api.patch(f"{records('deals')}/{made['id']}", json=without).status_code == 422
    assert validator(spec, "DealsUpdate").is_valid({"name": "B", "version": made["version"]})


def test_a_sub_forms_computed_columns_are_only_read(api):
    lines = field("f_lines", "subform", "lines", fields=[field("c_qty", "number", "qty"),
                                                         field("c_double", "formula", "double", formula="qty * 2")])
    publish(api, form("orders", lines))
    schemas = api.get(f"{APP}/openapi.json").json()["components"]["schemas"]
    assert set(schemas["OrdersCreate"]["properties"]["lines"]["items"]["properties"]) == {"id", "qty"}
    assert set(schemas["OrdersRead"]["properties"]["lines"]["items"]["properties"]) == {"id", "qty", "double"}
    made = api.post(records("orders"), json={"lines": [{"qty": "2"}]})
    assert made.status_code == 201, made.text
    validator(api.get(f"{APP}/openapi.json").json(), "OrdersRead").validate(made.json())
