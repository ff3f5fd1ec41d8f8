"""The report query model over the API: buckets, measures, ranks, charts (engine-semantics §5.6)."""

import json

from tests.engines.form.helpers import field, form, publish, records
from tests.engines.report.helpers import query, setup

COUNT = {"id": "n", "agg": "count"}
REVENUE = {"id": "rev", "agg": "sum", "field": "amount"}


def test_p1_a_month_is_the_app_zones_month(api):
    # 2024-07-31T16:30Z is 2024-08-01 00:30 in Asia/Shanghai: August.
    setup(api, [{"customer": "a", "amount": "10", "placed_at": "2024-07-31T16:30:00Z"},
                {"customer": "b", "amount": "5", "placed_at": "2024-07-31T15:30:00Z"}])
    data = query(api, {"dimensions": [{"id": "m", "field": "placed_at", "grain": "month"}], "measures": [REVENUE]})
    assert data["rows"] == [{"m": "2024-07", "rev": "5.00"}, {"m": "2024-08", "rev": "10.00"}]


def test_p2_weeks_are_iso_weeks_labelled_with_the_iso_year(api):
    setup(api, [{"day": "2024-12-30"}, {"day": "2024-12-29"}, {"day": "2021-01-03"}])
    data = query(api, {"dimensions": [{"id": "w", "field": "day", "grain": "week"}], "measures": [COUNT]})
    assert [r["w"] for r in data["rows"]] == ["2020-W53", "2024-W52", "2025-W01"]


def test_quarters_years_and_days(api):
    setup(api, [{"day": "2024-03-31"}, {"day": "2024-04-01"}, {"day": "2024-12-31"}])
    for grain, labels in (("quarter", ["2024-Q1", "2024-Q2", "2024-Q4"]), ("year", ["2024"]),
                          ("day", ["2024-03-31", "2024-04-01", "2024-12-31"])):
        data = query(api, {"dimensions": [{"id": "g", "field": "day", "grain": grain}], "measures": [COUNT]})
        assert [r["g"] for r in data["rows"]] == labels


def test_money_sums_exactly_and_blank_is_its_own_bucket(api):
    setup(api, [{"stage": "won", "amount": "0.10"}] * 3 + [{"stage": "lead", "amount": "0.20"}, {"amount": "1"}])
    data = query(api, {"dimensions": [{"id": "s", "field": "stage"}],
                       "measures": [COUNT, REVENUE, {"id": "avg", "agg": "avg", "field": "amount"},
                                    {"id": "hi", "agg": "max", "field": "amount"}]})
    assert data["rows"] == [
        {"s": "lead", "n": 1, "rev": "0.20", "avg": "0.2000", "hi": "0.20"},
        {"s": "won", "n": 3, "rev": "0.30", "avg": "0.1000", "hi": "0.10"},
        {"s": None, "n": 1, "rev": "1.00", "avg": "1.0000", "hi": "1.00"}]


def test_a_conversion_rate_is_a_calculated_measure(api):
    setup(api, [{"stage": "won"}, {"stage": "lost"}, {"stage": "won"}, {"stage": "lead"}])
    is_won = {"fn": "=", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]}
    won = {"id": "won", "agg": "count", "filter": is_won}
    rate = {"id": "rate", "calc": {"fn": "/", "args": [{"ref": "won"}, {"ref": "n"}]}}
    none = {"id": "none", "calc": {"fn": "/", "args": [{"ref": "won"}, {"lit": 0}]}}
    data = query(api, {"measures": [COUNT, won, rate, none]})
    assert data["rows"] == [{"n": 4, "won": 2, "rate": 0.5, "none": None}]


def test_p5_a_leaderboard_ranks_ties_together(api):
    setup(api, [{"customer": "a", "amount": "10"}, {"customer": "b", "amount": "10"}, {"customer": "c", "amount": "7"}])
    body = {"dimensions": [{"id": "who", "field": "customer"}], "measures": [REVENUE],
            "rank": {"by": "rev"}, "sort": [{"by": "rev", "dir": "desc"}], "limit": 3}
    data = query(api, body, chart={"type": "leaderboard"})
    assert [(i["rank"], i["value"]) for i in data["chart"]["items"]] == [(1, "10.00"), (1, "10.00"), (3, "7.00")]


def test_top_n_keeps_the_largest(api):
    setup(api, [{"customer": c, "amount": str(v)} for c, v in (("a", 1), ("b", 5), ("c", 3))])
    body = {"dimensions": [{"id": "who", "field": "customer"}], "measures": [REVENUE],
            "sort": [{"by": "rev", "dir": "desc"}], "limit": 2}
    assert [r["who"] for r in query(api, body)["rows"]] == ["b", "c"]


def test_p6_a_day_without_orders_is_zero_for_a_count_and_a_gap_for_an_average(api):
    setup(api, [{"day": "2024-07-02", "amount": "4"}, {"day": "2024-07-04", "amount": "6"}])
    body = {"dimensions": [{"id": "d", "field": "day", "grain": "day"}],
            "measures": [COUNT, {"id": "avg", "agg": "avg", "field": "amount"}]}
    chart = query(api, body, chart={"type": "line"})["chart"]
    assert chart["categories"] == ["2024-07-02", "2024-07-03", "2024-07-04"]
    assert chart["series"][0]["data"] == [1, 0, 1]
    assert chart["series"][1]["data"] == ["4.0000", None, "6.0000"]


def test_p7_a_kpi_against_a_previous_period_of_zero_shows_a_dash(api):
    setup(api, [{"day": "2024-07-10", "amount": "100"}, {"day": "2024-05-10", "amount": "40"},
                {"day": "2024-06-10", "amount": "50"}])
    current = {"id": "cur", "agg": "sum", "field": "amount"}
    previous = {"id": "prev", "agg": "sum", "field": "amount", "period": "previous"}
    july = {"field": "day", "from": "2024-07-01", "to": "2024-07-30"}  # 30 days: previous is 06-01..06-30
    chart = query(api, {"measures": [current, previous], "date_range": july}, chart={"type": "kpi"})["chart"]
    assert (chart["value"], chart["previous"], chart["change"]) == ("100.00", "50.00", 1.0)
    may = {"field": "day", "from": "2024-05-01", "to": "2024-05-30"}  # previous: April, no orders
    chart = query(api, {"measures": [{"id": "cur", "agg": "count"}, {"id": "prev", "agg": "count",
                                                                   "period": "previous"}], "date_range": may},
                  chart={"type": "kpi"})["chart"]
    assert (chart["value"], chart["previous"], chart["change"], chart["change_text"]) == (1, 0, None, "—")


def test_p4_grouping_along_a_to_many_link_is_refused_with_a_hint(api):
    publish(api, form("lines", field("l_name", "text", "name")))
    publish(api, form("deals", field("d_amount", "money", "amount"),
                      field("d_lines", "relation", "lines", target="lines", multiple=True)))
    response = api.post("/api/v1/apps/crm/reports:query", json={"query": {
        "source": {"form": "deals"}, "dimensions": [{"id": "l", "field": "lines"}],
        "measures": [{"id": "s", "agg": "sum", "field": "amount"}]}})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "rollup" in response.json()["errors"][0]["message"]


def test_drill_through_gives_the_records_counted(api):
    setup(api, [{"stage": "won", "day": "2024-07-02"}, {"stage": "won", "day": "2024-08-02"},
                {"stage": "lost", "day": "2024-07-05"}, {"stage": "won", "day": "2024-07-31"}, {"day": "2024-07-01"}])
    body = {"source": {"form": "orders"}, "dimensions": [{"id": "m", "field": "day", "grain": "month"},
                                                          {"id": "s", "field": "stage"}], "measures": [COUNT]}
    data = query(api, {k: v for k, v in body.items() if k != "source"})
    for row in data["rows"]:
        drill = api.post("/api/v1/apps/crm/reports:drill", json={"query": body, "cell": row})
        assert drill.status_code == 200, drill.text
        listed = api.get(records("orders"), params={"filter": json.dumps(drill.json()["filter"])}).json()
        assert listed["total"] == row["n"], (row, drill.json())


def test_drill_down_moves_to_the_next_grain(api):
    setup(api, [{"day": "2024-07-02"}])
    body = {"source": {"form": "orders"}, "dimensions": [{"id": "y", "field": "day", "grain": "year"}],
            "measures": [COUNT]}
    down = api.post("/api/v1/apps/crm/reports:drill", json={"query": body, "cell": {"y": "2024"}, "mode": "down"})
    assert down.status_code == 200, down.text
    finer = down.json()["query"]
    assert finer["dimensions"][0]["grain"] == "quarter"
    rows = api.post("/api/v1/apps/crm/reports:query", json={"query": finer}).json()["rows"]
    assert rows == [{"y": "2024-Q3", "n": 1}]


def test_a_pie_puts_the_rest_in_others_and_a_funnel_follows_the_stages(api):
    setup(api, [{"customer": str(i), "amount": str(i + 1), "stage": ("lead", "quote", "won")[i % 3]}
                for i in range(10)])
    pie = query(api, {"dimensions": [{"id": "c", "field": "customer"}], "measures": [REVENUE]},
                chart={"type": "pie", "options": {"top": 3}})["chart"]
    assert [s["name"] for s in pie["slices"]] == ["9", "8", "7", "__others__"]
    assert pie["slices"][-1]["value"] == "28.00"
    funnel = query(api, {"dimensions": [{"id": "s", "field": "stage"}], "measures": [COUNT]},
                   chart={"type": "funnel", "options": {"stages": ["lead", "quote", "won", "lost"]}})["chart"]
    assert [(s["name"], s["value"]) for s in funnel["stages"]] == [("lead", 4), ("quote", 3), ("won", 3), ("lost", 0)]
    assert funnel["stages"][1]["of_first"] == 0.75 and funnel["stages"][3]["of_previous"] == 0.0


def test_a_chart_that_does_not_take_the_query_is_a_422(api):
    setup(api, [])
    response = api.post("/api/v1/apps/crm/reports:query", json={
        "query": {"source": {"form": "orders"}, "measures": [COUNT]}, "chart": {"type": "pie"}})
    assert response.status_code == 422


def test_a_saved_report_whose_chart_does_not_fit_is_refused_at_save(api):
    setup(api, [{"amount": "3"}])
    bad = {"key": "r", "label": {"en": "R"}, "query": {"source": {"form": "orders"}, "measures": [COUNT]},
           "chart": {"type": "pie"}}
    response = api.put("/api/v1/apps/crm/definitions/report/r", json=bad)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.dimensions"
    good = {**bad, "chart": {"type": "kpi"}}
    assert api.put("/api/v1/apps/crm/definitions/report/r", json=good).status_code == 200
    assert api.post("/api/v1/apps/crm/definitions/report/r:publish").status_code == 200
    assert api.get("/api/v1/apps/crm/reports/r/data").json()["chart"]["value"] == 1


def test_the_report_endpoints_are_in_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/apps/{app}/reports:query", "/api/v1/apps/{app}/reports/{key}/data",
                 "/api/v1/apps/{app}/dashboards/{key}/data", "/api/v1/apps/{app}/reports:drill"):
        assert path in paths


def test_a_funnel_follows_the_select_fields_option_order_by_default(api):
    setup(api, [{"stage": "won"}, {"stage": "lead"}, {"stage": "lead"}, {"stage": "quote"}])
    funnel = query(api, {"dimensions": [{"id": "s", "field": "stage"}], "measures": [COUNT]},
                   chart={"type": "funnel"})["chart"]
    assert [(s["name"], s["value"]) for s in funnel["stages"]] == [("lead", 2), ("quote", 1), ("won", 1), ("lost", 0)]
    assert funnel["stages"][3]["of_first"] == 0.0 and funnel["stages"][3]["of_previous"] == 0.0


def test_drill_through_a_month_of_datetimes_in_the_app_zone(api):
    setup(api, [{"placed_at": "2024-07-31T16:30:00Z"}, {"placed_at": "2024-07-31T15:30:00Z"},
                {"placed_at": "2024-08-31T15:59:59Z"}, {"placed_at": "2024-08-31T16:00:00Z"}])
    body = {"source": {"form": "orders"}, "dimensions": [{"id": "m", "field": "placed_at", "grain": "month"}],
            "measures": [COUNT], "date_range": {"field": "placed_at", "from": "2024-07-01", "to": "2024-09-30"}}
    data = query(api, {k: v for k, v in body.items() if k != "source"})
    assert data["rows"] == [{"m": "2024-07", "n": 1}, {"m": "2024-08", "n": 2}, {"m": "2024-09", "n": 1}]
    for row in data["rows"]:
        drill = api.post("/api/v1/apps/crm/reports:drill", json={"query": body, "cell": row})
        assert drill.status_code == 200, drill.text
        listed = api.get(records("orders"), params={"filter": json.dumps(drill.json()["filter"])})
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == row["n"]


def test_bad_input_is_a_422_and_never_reaches_sql(api):
    setup(api, [{"day": "2024-07-02"}])
    url = "/api/v1/apps/crm/reports:query"
    base = {"source": {"form": "orders"}, "measures": [COUNT]}
    for query_ in ({**base, "date_range": {"field": "day", "from": "2024-02-30"}},
                   {**base, "members": [2**70]},
                   {**base, "dimensions": [{"id": "d", "field": "qty", "grain": "month"}]},
                   {**base, "filters": {"fn": "NOPE"}}):
        response = api.post(url, json={"query": query_})
        assert response.status_code == 422, (query_, response.text)
    response = api.post(url, json={"query": {**base, "dimensions": [{"id": "d", "field": "day"}]},
                                   "chart": {"type": "pie", "options": {"top": "many"}}})
    assert response.status_code == 422
    drill = api.post("/api/v1/apps/crm/reports:drill", json={
        "query": {**base, "dimensions": [{"id": "m", "field": "day", "grain": "month"}]}, "cell": {"m": "2024-13"}})
    assert drill.status_code == 422
    assert api.get("/api/v1/apps/crm/reports/nope/data").status_code == 404


def test_bars_of_a_select_follow_its_options_unless_sorted(api):
    setup(api, [{"stage": s, "amount": "1.00"} for s in ("won", "lost", "lead", "won", "quote")])
    body = {"dimensions": [{"id": "s", "field": "stage"}], "measures": [{"id": "n", "agg": "count"}]}
    bars = query(api, body, {"type": "bar"})["chart"]
    assert bars["categories"] == ["lead", "quote", "won", "lost"] and bars["series"][0]["data"] == [1, 1, 2, 1]
    ranked = query(api, {**body, "sort": [{"by": "n", "dir": "desc"}]}, {"type": "bar"})["chart"]
    assert ranked["categories"][0] == "won"
