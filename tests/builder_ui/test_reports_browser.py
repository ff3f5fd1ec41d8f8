"""In a real Chromium: the builder makes "deals won per month" and "the funnel by stage" in the
report designer, publishes them, puts both on a dashboard with a date filter, sees the charts
(read from the ECharts instances: labels and numbers, not pixels), clicks a bar and gets
exactly the records it counted; the dashboard in Chinese fits a 390 px phone."""

import pytest
from playwright.sync_api import expect

from tests.engines.form.helpers import APP, field, form, publish, records

pytestmark = pytest.mark.browser

STAGES = [{"id": s, "label": {"en": s.title(), "zh-CN": zh}} for s, zh in
          (("lead", "线索"), ("quote", "报价"), ("won", "赢单"), ("lost", "输单"))]
DEALS = [("Acme", "won", "2024-01-05"), ("Birch", "won", "2024-01-20"), ("Cobalt", "lead", "2024-01-25"),
         ("Delta", "quote", "2024-02-10"), ("Echo", "won", "2024-03-03"), ("Fjord", "lead", "2024-03-15"),
         ("Garnet", "lost", "2024-03-20")]


def option(page, testid: str) -> dict:
    """The option of the ECharts chart drawn in the element with this test id (the first)."""
    return page.get_by_test_id(testid).first.evaluate(
        "box => { const o = box.chart.getOption(); return {x: (o.xAxis || [{}])[0].data, "
        "y: (o.yAxis || [{}])[0].data, series: o.series.map(s => s.data.map(d => d && d.value !== undefined "
        "? {name: d.name, value: d.value} : d))}; }")


def setup_deals(live_api) -> dict[str, int]:
    deals = form("deals", field("d_title", "text", "title"), field("d_stage", "select", "stage", options=STAGES),
                 field("d_amount", "money", "amount"), field("d_closed", "date", "closed_on"))
    assert publish(live_api, deals).status_code == 200
    made = live_api.post(f"{records('deals')}:bulk", json={"records": [
        {"title": t, "stage": s, "closed_on": d, "amount": "100.00"} for t, s, d in DEALS]})
    assert made.status_code == 201, made.text
    return {r["title"]: r["id"] for r in made.json()["items"]}


def wait_for_chart(page, testid: str) -> None:
    page.wait_for_function(f"() => {{ const b = document.querySelector('[data-testid={testid}]');"
                           " return b && b.chart && b.getAttribute('aria-busy') === null; }}")


def test_build_reports_put_them_on_a_dashboard_and_drill_into_a_bar(signed_in, live_server, live_api, shot):
    ids = setup_deals(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm")
    page.get_by_test_id("reports-link").click()

    # Deals won per month, as columns.
    page.get_by_test_id("new-report").get_by_role("textbox").fill("won_monthly")
    page.get_by_test_id("new-report").get_by_role("button").click()
    page.wait_for_selector("[data-testid=report-designer][data-ready]")
    page.get_by_test_id("report-label").fill("Deals won per month")
    page.get_by_test_id("add-dimension").click()
    page.locator(".dim-field").select_option("closed_on")
    page.locator(".dim-grain").select_option("month")
    filter_row = page.get_by_test_id("report-filter").locator(".filter-row").first
    filter_row.locator(".filter-field").select_option(label="Stage")
    filter_row.locator(".filter-value-input").select_option("won")
    page.get_by_test_id("report-chart").select_option("column")
    page.wait_for_function("() => { const b = document.querySelector('[data-testid=report-preview]');"
                           " return b.chart && b.chart.getOption().xAxis[0].data.length === 3; }")
    drawn = option(page, "report-preview")
    assert drawn["x"] == ["2024-01", "2024-02", "2024-03"] and drawn["series"] == [[2, 0, 1]]
    shot(page, "designer")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Published.")

    # Click January's bar: the two deals won in January, no others.
    box = page.get_by_test_id("report-preview").locator(".report-canvas")
    x, y = page.get_by_test_id("report-preview").evaluate("b => b.chart.convertToPixel({seriesIndex: 0}, [0, 1])")
    box.click(position={"x": x, "y": y})
    expect(page.get_by_test_id("drill-records").locator("li")).to_have_count(2)
    listed = {int(r) for r in page.get_by_test_id("drill-records").locator("li").evaluate_all(
        "items => items.map(li => li.dataset.record)")}
    assert listed == {ids["Acme"], ids["Birch"]}
    expect(page.get_by_test_id("drill-title")).to_contain_text("2024-01")

    # The funnel by stage.
    page.goto(f"{live_server.url}/apps/crm/reports")
    page.get_by_test_id("new-report").get_by_role("textbox").fill("funnel")
    page.get_by_test_id("new-report").get_by_role("button").click()
    page.wait_for_selector("[data-testid=report-designer][data-ready]")
    page.get_by_test_id("report-label").fill("Funnel by stage")
    page.get_by_test_id("add-dimension").click()
    page.locator(".dim-field").select_option("stage")
    page.get_by_test_id("report-chart").select_option("funnel")
    page.wait_for_function("() => { const b = document.querySelector('[data-testid=report-preview]');"
                           " return b.chart && b.dataset.chartType === 'funnel'; }")
    stages = option(page, "report-preview")["series"][0]
    assert stages == [{"name": "Lead", "value": 2}, {"name": "Quote", "value": 1}, {"name": "Won", "value": 3},
                      {"name": "Lost", "value": 1}]
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Published.")

    # A dashboard with both, the date filter on the day each deal closed.
    page.goto(f"{live_server.url}/apps/crm/reports")
    page.get_by_test_id("new-dashboard").get_by_role("textbox").fill("sales")
    page.get_by_test_id("new-dashboard").get_by_role("button").click()
    page.wait_for_selector("[data-testid=dashboard][data-ready]")
    page.get_by_test_id("dashboard-label").fill("Sales")
    for key in ("won_monthly", "funnel"):
        page.get_by_test_id("add-report").select_option(key)
        expect(page.get_by_test_id("card").last).to_have_attribute("data-report", key)
        page.get_by_test_id("card").last.get_by_label("Date filter on").select_option("closed_on")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("dashboard-status")).to_have_text("Published.")
    page.reload()
    expect(page.get_by_test_id("card")).to_have_count(2)
    page.wait_for_function("() => { const boxes = [...document.querySelectorAll('[data-testid=card-chart]')];"
                           " return boxes.length === 2 && boxes.every(b => b.chart); }")
    cards = page.get_by_test_id("card-chart")
    assert cards.nth(0).evaluate("b => b.chart.getOption().series[0].data") == [2, 0, 1]
    page.get_by_test_id("filter-from").fill("2024-02-01")
    page.get_by_test_id("filter-to").fill("2024-04-01")
    page.get_by_test_id("dashboard-filters").get_by_role("button", name="Apply").click()
    page.wait_for_function("() => document.querySelector('[data-testid=card-chart]').chart"
                           ".getOption().xAxis[0].data.join() === '2024-03'")
    funnel = cards.nth(1).evaluate("b => b.chart.getOption().series[0].data.map(d => d.value)")
    assert funnel == [1, 1, 1, 1]  # Fjord; Delta; Echo; Garnet
    shot(page, "dashboard")

    # Drilling on the dashboard carries its date filter: March's won deal only.
    canvas = cards.nth(0).locator(".report-canvas")
    x, y = cards.nth(0).evaluate("b => b.chart.convertToPixel({seriesIndex: 0}, [0, 0.5])")
    canvas.click(position={"x": x, "y": y})
    expect(page.get_by_test_id("drill-records").locator("li")).to_have_count(1)
    assert page.get_by_test_id("drill-records").locator("li").get_attribute("data-record") == str(ids["Echo"])
    assert page.errors == [], page.errors[:3]

    # The app's menu lists the dashboard; the report's xlsx is the same numbers.
    page.goto(f"{live_server.url}/apps/crm")
    expect(page.get_by_test_id("menu-dashboards")).to_contain_text("Sales")
    assert live_api.get(f"{APP}/reports/won_monthly/data.xlsx").status_code == 200


def test_the_dashboard_in_chinese_fits_a_phone(signed_in, live_server, live_api, shot):
    setup_deals(live_api)
    won = {"key": "by_stage", "label": {"en": "By stage", "zh-CN": "按阶段"}, "chart": {"type": "bar"},
           "query": {"source": {"form": "deals"}, "dimensions": [{"id": "d1", "field": "stage"}],
                     "measures": [{"id": "m1", "agg": "count"}, {"id": "m2", "agg": "sum", "field": "amount"}]}}
    month = {"key": "monthly", "label": {"zh-CN": "每月成交"}, "chart": {"type": "line"},
             "query": {"source": {"form": "deals"}, "measures": [{"id": "m1", "agg": "count"}],
                       "dimensions": [{"id": "d1", "field": "closed_on", "grain": "month"}]}}
    for report in (won, month):
        assert live_api.put(f"{APP}/definitions/report/{report['key']}", json=report).status_code == 200
        assert live_api.post(f"{APP}/definitions/report/{report['key']}:publish").status_code == 200
    board = {"key": "sales", "label": {"zh-CN": "销售"}, "cells": [
        {"report": "by_stage", "w": 6, "h": 4}, {"report": "monthly", "x": 6, "w": 6, "h": 4}]}
    assert live_api.put(f"{APP}/definitions/dashboard/sales", json=board).status_code == 200
    assert live_api.post(f"{APP}/definitions/dashboard/sales:publish").status_code == 200

    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}/apps/crm/dashboards/sales")
    page.wait_for_function("() => { const boxes = [...document.querySelectorAll('[data-testid=card-chart]')];"
                           " return boxes.length === 2 && boxes.every(b => b.chart); }")
    expect(page.get_by_test_id("dashboard-filters")).to_contain_text("从")
    bars = page.get_by_test_id("card-chart").first.evaluate("b => b.chart.getOption()")
    assert bars["yAxis"][0]["data"] == ["线索", "报价", "赢单", "输单"]  # in the select's order
    assert bars["series"][0]["name"] == "计数"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = page.get_by_test_id("card").evaluate_all("cards => cards.map(c => c.getBoundingClientRect().toJSON())")
    assert all(b["right"] <= 390 for b in boxes) and boxes[1]["top"] >= boxes[0]["bottom"]  # stacked
    assert page.get_by_test_id("card-chart").nth(1).evaluate("b => b.chart.getWidth()") > 250
    shot(page, "phone-zh")

    # The designer too: its panes stack, the preview draws at the phone's width.
    page.goto(f"{live_server.url}/apps/crm/reports/by_stage/design")
    page.wait_for_selector("[data-testid=report-designer][data-ready]")
    page.wait_for_function("() => document.querySelector('[data-testid=report-preview]').chart")
    expect(page.get_by_test_id("add-measure")).to_have_text("添加指标")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_test_id("report-preview").evaluate("b => b.chart.getWidth()") > 250
    shot(page, "designer-phone-zh")
    assert page.errors == [], page.errors[:3]


def test_the_designer_keeps_what_it_cannot_edit_and_draws_a_leaderboard(signed_in, live_server, live_api):
    setup_deals(live_api)
    won = {"fn": "=", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]}
    report = {"key": "rate", "label": {"en": "Win rate"}, "chart": {"type": "table"},
              "query": {"source": {"form": "deals"}, "dimensions": [{"id": "st", "field": "stage"}],
                        "measures": [{"id": "n", "agg": "count"}, {"id": "w", "agg": "count", "filter": won},
                                     {"id": "r", "calc": {"fn": "/", "args": [{"ref": "w"}, {"ref": "n"}]}}],
                        "date_range": {"field": "closed_on", "from": "2024-01-01"}}}
    assert live_api.put(f"{APP}/definitions/report/rate", json=report).status_code == 200
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/reports/rate/design")
    page.wait_for_selector("[data-testid=report-designer][data-ready]")
    expect(page.get_by_test_id("report-preview").locator("tbody tr")).to_have_count(4)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Draft saved.")
    saved = live_api.get(f"{APP}/definitions/report/rate", params={"which": "draft"}).json()["body"]["query"]
    assert [{k: v for k, v in m.items() if k != "period"} for m in saved["measures"]] == report["query"]["measures"]
    assert {k: v for k, v in saved["date_range"].items() if v} == report["query"]["date_range"]

    # A leaderboard: ranked, largest first, each row drills into its records.
    page.get_by_test_id("measures").locator(".rd-row").nth(2).get_by_role("button").click()
    page.get_by_test_id("measures").locator(".rd-row").nth(1).get_by_role("button").click()
    page.get_by_test_id("report-chart").select_option("leaderboard")
    rows = page.get_by_test_id("report-preview").locator("tbody tr")
    expect(rows.first).to_contain_text("Won")
    assert rows.first.locator("td").all_inner_texts() == ["1", "Won", "3"]
    rows.first.click()
    expect(page.get_by_test_id("drill-records").locator("li")).to_have_count(3)
    assert page.errors == [], page.errors[:3]


def test_fields_are_dragged_into_groupings_and_measures(signed_in, live_server, live_api):
    from tests.builder_ui.test_designer_browser import drag

    setup_deals(live_api)
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/reports/dragged/design")
    page.wait_for_selector("[data-testid=report-designer][data-ready]")
    chips = page.get_by_test_id("field-chips")
    drag(page, chips.locator("[data-key=closed_on]"), page.get_by_test_id("dimensions"),
         until=page.locator("[data-testid=dimensions] .dim-field"))
    expect(page.locator(".dim-field")).to_have_value("closed_on")
    expect(page.locator(".dim-grain")).to_have_value("month")
    drag(page, chips.locator("[data-key=amount]"), page.get_by_test_id("measures"), dy=0.9,
         until=page.locator("[data-testid=measures] .rd-row:nth-child(2) .measure-agg"))
    expect(page.locator(".measure-agg")).to_have_count(2)
    pairs = page.locator("[data-testid=measures] .rd-row").evaluate_all(
        "rows => rows.map(r => r.querySelector('.measure-agg').value + ':' + r.querySelector('.measure-field').value)")
    assert sorted(pairs) == ["count:", "sum:amount"]
    expect(chips.locator("[data-key=amount]")).to_have_count(1)  # the chip stays to be dragged again
    page.get_by_test_id("report-chart").select_option("line")
    page.wait_for_function("() => { const b = document.querySelector('[data-testid=report-preview]');"
                           " return b.chart && b.chart.getOption().series.length === 2; }")
    sums = page.get_by_test_id("report-preview").evaluate(
        "b => b.chart.getOption().series.find(s => s.name.startsWith('Sum')).data")
    assert sums == [300, 100, 300]  # amounts of January, February, March
    assert page.errors == [], page.errors[:3]
