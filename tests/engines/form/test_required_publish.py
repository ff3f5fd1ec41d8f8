"""Publishing a required field onto a form with records: counted, refused without a fill value,
filled in the publishing transaction with one."""

from sqlalchemy import select

from brickwork.platform.db import transaction
from brickwork.platform.models import AuditEntry
from tests.engines.form.helpers import APP, changed, field, form, publish, records

V1 = form("customers", field("f_name", "text", "name"), field("f_city", "text", "city"))


def _seed(api):
    assert publish(api, V1).status_code == 200
    for name, city in (("ACME", "Xi'an"), ("Beta", None), ("Gamma", None)):
        assert api.post(records("customers"), json={"name": name, "city": city}).status_code == 201
    gone = api.post(records("customers"), json={"name": "Trashed"}).json()["id"]
    api.delete(f"{records('customers')}/{gone}")


def _names_and(api, key):
    items = api.get(records("customers"), params={"sort": "id"}).json()["items"]
    return [(r["name"], r.get(key)) for r in items]


def test_a_new_required_field_is_counted_and_refused_without_a_fill_value(api):
    _seed(api)
    v2 = form("customers", *V1["fields"], field("f_tier", "text", "tier", required=True))
    assert api.put(f"{APP}/forms/customers", json=v2).status_code == 200
    dry = api.post(f"{APP}/forms/customers:publish", params={"dry_run": "true"})
    assert dry.json()["report"]["required_blank"] == {"f_tier": 3}  # live records only
    refused = api.post(f"{APP}/forms/customers:publish")
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "tier" and "3 records" in refused.json()["errors"][0]["message"]
    assert "tier" not in api.get(records("customers")).json()["items"][0]  # nothing changed
    done = api.post(f"{APP}/forms/customers:publish", json={"fill": {"f_tier": "B"}})
    assert done.status_code == 200, done.text
    assert done.json()["report"]["filled"] == {"f_tier": {"value": "B", "records": 4}}
    assert _names_and(api, "tier") == [("ACME", "B"), ("Beta", "B"), ("Gamma", "B")]
    # The old records can be edited again.
    first = api.get(records("customers"), params={"sort": "id"}).json()["items"][0]
    edited = api.patch(f"{records('customers')}/{first['id']}", json={"name": "ACME Ltd", "version": first["version"]})
    assert edited.status_code == 200, edited.text


def test_a_field_turned_required_fills_only_its_blank_records_and_is_audited_once(api, sessions):
    _seed(api)
    assert api.put(f"{APP}/forms/customers", json=changed(V1, f_city={"required": True})).status_code == 200
    dry = api.post(f"{APP}/forms/customers:publish", params={"dry_run": "true"})
    assert dry.json()["report"]["required_blank"] == {"f_city": 2}
    bad = api.post(f"{APP}/forms/customers:publish", json={"fill": {"city": "   "}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "city"
    done = api.post(f"{APP}/forms/customers:publish", json={"fill": {"city": "Unknown"}})
    assert done.status_code == 200, done.text
    assert _names_and(api, "city") == [("ACME", "Xi'an"), ("Beta", "Unknown"), ("Gamma", "Unknown")]
    with transaction(sessions) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "definition.publish")).all()
    assert entries[-1].changes["report"]["filled"] == {"f_city": {"value": "Unknown", "records": 3}}


def test_a_required_field_with_a_default_or_on_an_empty_form_needs_no_fill(api):
    assert publish(api, V1).status_code == 200
    v2 = form("customers", *V1["fields"], field("f_tier", "text", "tier", required=True))
    assert publish(api, v2).status_code == 200  # no records
    api.post(records("customers"), json={"name": "ACME", "tier": "A"})
    v3 = form("customers", *v2["fields"], field("f_n", "number", "n", required=True, default=1))
    response = publish(api, v3, dry_run="true")
    assert "required_blank" not in response.json()["report"]


def test_a_number_turned_required_text_counts_its_blank_values(api):
    v1 = form("customers", field("f_name", "text", "name"), field("f_size", "number", "size"))
    assert publish(api, v1).status_code == 200
    for size in ("3", None):
        api.post(records("customers"), json={"name": "x", "size": size})
    v2 = changed(v1, f_size={"type": "text", "required": True})
    assert api.put(f"{APP}/forms/customers", json=v2).status_code == 200
    dry = api.post(f"{APP}/forms/customers:publish", params={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["report"]["required_blank"] == {"f_size": 1}
    done = api.post(f"{APP}/forms/customers:publish", json={"fill": {"size": "none"}})
    assert done.status_code == 200, done.text
    assert _names_and(api, "size") == [("x", "3"), ("x", "none")]
