"""Builders for report tests: an orders form, its records, and running a query."""

from __future__ import annotations

from typing import Any

from tests.engines.form.helpers import APP, field, form, publish, records

STAGES = [{"id": s, "label": {"en": s.title()}} for s in ("lead", "quote", "won", "lost")]


def orders_form(*permissions: dict, extra: tuple = ()) -> dict[str, Any]:
    return form("orders", field("o_customer", "text", "customer"), field("o_amount", "money", "amount"),
                field("o_stage", "select", "stage", options=STAGES), field("o_day", "date", "day"),
                field("o_at", "datetime", "placed_at"), field("o_qty", "number", "qty"), *extra,
                permissions=list(permissions))


def setup(api, rows: list[dict], *permissions: dict) -> None:
    assert publish(api, orders_form(*permissions)).status_code == 200
    if rows:
        response = api.post(f"{records('orders')}:bulk", json={"records": rows})
        assert response.status_code in (200, 201), response.text


def query(client, body: dict, chart: dict | None = None, status: int = 200) -> dict:
    payload = {"query": {"source": {"form": "orders"}, **body}}
    if chart:
        payload["chart"] = chart
    response = client.post(f"{APP}/reports:query", json=payload)
    assert response.status_code == status, response.text
    return response.json()


def rows_of(data: dict) -> list[dict]:
    return data["rows"]
