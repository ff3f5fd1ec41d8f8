"""Reports and dashboards travel in the app file with the forms they read."""

from tests.engines.form.helpers import APP
from tests.engines.report.helpers import setup


def test_an_exported_app_brings_its_reports_and_dashboards(api):
    setup(api, [{"amount": "2.50"}, {"amount": "1.25"}])
    report = {"key": "total", "label": {"en": "Total"}, "chart": {"type": "kpi"},
              "query": {"source": {"form": "orders"}, "measures": [{"id": "rev", "agg": "sum", "field": "amount"}]}}
    board = {"key": "home", "label": {"en": "Home"}, "cells": [{"report": "total"}]}
    for kind, body in (("report", report), ("dashboard", board)):
        assert api.put(f"{APP}/definitions/{kind}/{body['key']}", json=body).status_code == 200
        assert api.post(f"{APP}/definitions/{kind}/{body['key']}:publish").status_code == 200
    document = api.get(f"{APP}:export").json()
    assert [d["key"] for d in document["definitions"]["report"]] == ["total"]
    copied = api.post("/api/v1/apps:import", params={"key": "crm_two"}, json=document)
    assert copied.status_code == 201, copied.text
    cells = api.get("/api/v1/apps/crm_two/dashboards/home/data").json()["cells"]
    assert cells[0]["data"]["chart"]["value"] is None  # the copy has the definitions, not the records
    assert api.get(f"{APP}/dashboards/home/data").json()["cells"][0]["data"]["chart"]["value"] == "3.75"
