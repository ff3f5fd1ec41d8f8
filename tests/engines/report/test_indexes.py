"""The indexes reports read through (decision 0048): on SQLite, a published report's GROUP BY
reads an index holding every column it uses instead of scanning and sorting the table, and
gives the same rows; a report over what no index can hold makes none; PostgreSQL gets none."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from brickwork.engines.form import derived_indexes
from tests.engines.form.helpers import APP, field, publish
from tests.engines.report.helpers import orders_form, query, rows_of, setup

BY_STAGE = {"dimensions": [{"id": "stage", "field": "stage"}],
            "measures": [{"id": "n", "agg": "count"}, {"id": "total", "agg": "sum", "field": "amount"}]}
ROWS = [{"customer": f"C{i}", "amount": str(100 + i), "stage": ("lead", "quote", "won", "lost")[i % 4],
         "day": f"2026-0{1 + i % 9}-1{i % 10}"} for i in range(40)]


def save_report(api, key: str, body: dict) -> None:
    report = {"key": key, "label": {"en": key}, "chart": {"type": "table"},
              "query": {"source": {"form": "orders"}, **body}}
    assert api.put(f"{APP}/definitions/report/{key}", json=report).status_code == 200
    assert api.post(f"{APP}/definitions/report/{key}:publish").status_code == 200


def derived(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return derived_indexes.existing(conn, "r1_orders")


def plans_of_report(api, body: dict) -> tuple[list[dict], list[str]]:
    """The report's rows, and SQLite's plan of each statement it ran on the orders table."""
    seen: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "r1_orders" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(" ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters).fetchall()))

    event.listen(Engine, "before_cursor_execute", capture)  # the app's engine, whichever it is
    try:
        rows = rows_of(query(api, body))
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    return rows, seen


def test_a_saved_report_reads_its_index_and_gives_the_same_rows(api, engine):
    setup(api, ROWS)
    before = rows_of(query(api, BY_STAGE))
    assert derived(engine) == {}
    save_report(api, "by_stage", BY_STAGE)
    made = derived(engine)
    if engine.dialect.name == "postgresql":
        assert made == {}  # its planner scans the table for a whole-table aggregate anyway
        return
    assert list(made.values()) == [["f_o_stage", "f_o_amount", "deleted_at"]]
    after, plans = plans_of_report(api, BY_STAGE)
    assert after == before
    assert any("COVERING INDEX dx_r1_orders" in p for p in plans), plans
    assert not any("TEMP B-TREE FOR GROUP BY" in p for p in plans), plans  # read in group order


def test_a_filter_and_a_measures_filter_are_in_the_index_too(api, engine):
    setup(api, ROWS)
    body = {"dimensions": [{"id": "stage", "field": "stage"}],
            "measures": [{"id": "big", "agg": "count", "filter": {"fn": ">", "args": [
                {"ref": "qty"}, {"lit": 5, "type": "number"}]}}],
            "filters": {"fn": "=", "args": [{"ref": "customer"}, {"lit": "C1", "type": "text"}]}}
    save_report(api, "big_by_stage", body)
    if engine.dialect.name == "sqlite":
        assert list(derived(engine).values()) == [["f_o_stage", "f_o_customer", "f_o_qty", "deleted_at"]]


def test_a_report_over_a_formula_makes_no_index(api, engine):
    formula = field("o_double", "formula", "double", formula="amount * 2")
    assert publish(api, orders_form(extra=(formula,))).status_code == 200
    save_report(api, "double", {"dimensions": [{"id": "stage", "field": "stage"}],
                                "measures": [{"id": "d", "agg": "sum", "field": "double"}]})
    assert derived(engine) == {}  # it could not cover the query: it would only cost writes


def test_the_index_follows_the_report_and_survives_the_forms_publish(api, engine):
    setup(api, ROWS)
    save_report(api, "by_stage", BY_STAGE)
    by_day = {"dimensions": [{"id": "day", "field": "day", "grain": "month"}], "measures": BY_STAGE["measures"]}
    save_report(api, "by_stage", by_day)  # the same report, now by month
    if engine.dialect.name == "sqlite":
        assert list(derived(engine).values()) == [["f_o_day", "f_o_amount", "deleted_at"]]
    assert publish(api, orders_form(extra=(field("o_note", "text", "note"),))).status_code == 200
    if engine.dialect.name == "sqlite":
        assert list(derived(engine).values()) == [["f_o_day", "f_o_amount", "deleted_at"]]


def test_a_report_served_by_anothers_index_gets_none_of_its_own(api, engine):
    setup(api, ROWS)
    save_report(api, "by_stage", BY_STAGE)
    save_report(api, "by_stage_for_c1", {**BY_STAGE, "filters": {"fn": "=", "args": [
        {"ref": "customer"}, {"lit": "C1", "type": "text"}]}})
    if engine.dialect.name == "sqlite":  # (stage, amount) reads (stage, amount, customer) as well
        assert list(derived(engine).values()) == [["f_o_stage", "f_o_amount", "f_o_customer", "deleted_at"]]
        _rows, plans = plans_of_report(api, BY_STAGE)
        assert any("COVERING INDEX dx_r1_orders" in p for p in plans), plans
