"""Field keys that a record already uses for itself are refused when the form is saved."""

import pytest

from tests.engines.form.helpers import APP, field, form


@pytest.mark.parametrize("key", ["id", "version", "created_at", "updated_by", "owner_id", "deleted_at",
                                 "flow_state"])
def test_a_field_keyed_like_a_system_name_is_refused_at_save(api, key):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    response = api.put(f"{APP}/forms/deals", json=form("deals", field("a", "text", key)))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "$.fields[0].key" and key in error["message"]
    lines = field("s", "subform", "lines", fields=[field("s1", "text", key)])
    response = api.put(f"{APP}/forms/deals", json=form("deals", lines))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.fields[0].fields[0].key"


def test_owner_and_department_stay_ordinary_keys(api):
    """They sit under ``_meta`` in the API and as owner_id/department_id in the SQL view."""
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    response = api.put(f"{APP}/forms/deals", json=form("deals", field("a", "user", "owner"),
                                                       field("b", "department", "department")))
    assert response.status_code == 200, response.text
