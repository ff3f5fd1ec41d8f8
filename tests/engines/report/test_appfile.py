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


def test_a_date_range_reads_back_as_it_was_written(api):
    """The stored report says "from", as the author and the JSON Schema do, not Python's "from_"."""
    setup(api, [{"amount": "2.50"}])
    report = {"key": "july", "label": {"en": "July"}, "chart": {"type": "kpi"},
              "query": {"source": {"form": "orders"}, "measures": [{"id": "n", "agg": "count"}],
                        "date_range": {"field": "placed_at", "from": "2024-07-01", "to": "2024-07-31"}}}
    assert api.put(f"{APP}/definitions/report/july", json=report).status_code == 200
    saved = api.get(f"{APP}/definitions/report/july", params={"which": "draft"}).json()["body"]
    assert saved["query"]["date_range"] == {"field": "placed_at", "from": "2024-07-01", "to": "2024-07-31"}
    assert api.post(f"{APP}/definitions/report/july:publish").status_code == 200
    [exported] = api.get(f"{APP}:export").json()["definitions"]["report"]
    assert exported["query"]["date_range"]["from"] == "2024-07-01"
