"""Pages of reports and dashboards: the list of an app's reports and dashboards, the report
designer and the dashboard page (which its designers also arrange).

The pages are shells. Their scripts (static/js/report_designer.js, dashboard.js) save and
publish through the generic definitions API and read data through the report API
(``reports:query``, ``reports:drill``, ``reports/{key}/data``, ``dashboards/{key}/data``),
so the numbers a page shows are the API's, under the viewer's permissions."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import open_form, script_text
from brickwork.engines.form.regions import regions
from brickwork.engines.report.model import DashboardDefinition
from brickwork.engines.report.reports import may_see
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError, FieldError, Invalid, NotFound
from brickwork.platform.http.deps import work
from brickwork.platform.i18n import _, pick
from brickwork.platform.identity.app_roles import list_roles, may_design, require_designer
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App

router = APIRouter(include_in_schema=False)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def form_catalog(session: Session, request: Request, app: App, who: Principal) -> list[dict[str, Any]]:
    """The published forms the person may read, with the fields they may read: what the
    designer offers and what labels a chart's option ids and axes."""
    catalog = []
    for row in request.app.state.store.live(session, app, "form"):
        try:
            page = open_form(session, who, app.key, row.key)
        except BrickworkError:  # a form they may not read is not offered
            continue
        catalog.append({"key": row.key, "label": pick(row.body.get("label", {})) or row.key,
                        "fields": page.field_meta()})
    return catalog


def chart_names() -> dict[str, str]:
    return {"kpi": _("Number (KPI)"), "bar": _("Bars"), "column": _("Columns"), "stacked": _("Stacked columns"),
            "line": _("Line"), "area": _("Area"), "pie": _("Pie"), "donut": _("Donut"), "funnel": _("Funnel"),
            "table": _("Table"), "pivot": _("Pivot table"), "leaderboard": _("Leaderboard"), "gauge": _("Gauge"),
            "scatter": _("Scatter"), "map": _("Map by province")}


def strings() -> dict[str, Any]:
    """The words of the charts and of both pages' scripts."""
    aggs = {"count": _("Count"), "count_distinct": _("Distinct count"), "sum": _("Sum"), "avg": _("Average"),
            "min": _("Minimum"), "max": _("Maximum")}
    grains = {"": _("Each value"), "day": _("Day"), "week": _("Week"), "month": _("Month"),
              "quarter": _("Quarter"), "year": _("Year")}
    return {  # lists where the order counts: the page's JSON has its keys sorted
        "aggs": aggs, "grains": grains, "charts": chart_names(), "order": {
            "aggs": list(aggs), "grains": list(grains), "charts": list(chart_names())},
        "blank": _("(blank)"), "others": _("Others"), "yes": _("Yes"), "no": _("No"), "change": _("vs. before:"),
        "rank": _("Rank"), "total": _("Total"), "chart": _("Chart"),
        "owner": _("Owner"), "department": _("Department"), "created_at": _("Created"), "updated_at": _("Updated"),
        "records_field": _("(records)"), "remove": _("Remove"), "ascending": _("Ascending"),
        "descending": _("Descending"), "no_sort": _("(no sort)"),
        "saved": _("Draft saved."), "published": _("Published."), "failed": _("Something went wrong. Try again."),
        "stale": _("Someone else changed this first. Reload the page."),
        "loading": _("Loading…"), "empty": _("No data."), "need_measure": _("Add a measure to see a preview."),
        "drilled": _("Records behind %(cell)s: %(n)s"), "more_records": _("Open them in the table"),
        "record": _("Record %(id)s"), "not_published": _("Publish the report to export it."),
        "no_date": _("(no date filter)"), "png_failed": _("This chart has no picture to save."),
        "cell_failed": _("This chart cannot be shown to you."), "add_first": _("Add a report to the dashboard."),
        "group_field": _("Group by field"), "grain": _("Date grouping"), "measure": _("Measure"),
        "measure_field": _("Field of the measure"), "date_field": _("Date filter on"),
        "kept_filter": _("A condition set through the API is kept as it is."),
        "wider": _("Wider"), "narrower": _("Narrower"), "taller": _("Taller"), "shorter": _("Shorter"),
        "filter": script_text(),
    }


def provinces() -> dict[str, str]:
    return {code: name for code, name in regions()[0].items() if code.endswith("0000")}


@router.get("/apps/{app}/reports")
def reports_list(request: Request, app: str, user: Principal = Depends(page_user)) -> Response:
    """The app's reports and the dashboards the person may open; designers also see drafts
    and start new ones."""
    store = request.app.state.store
    try:
        with work(request, read_only=True) as (session, who):
            the_app = get_app(session, app)
            designer = may_design(session, the_app, who)
            rows = store.latest(session, the_app, "report") if designer else store.live(session, the_app, "report")
            reports = [{"key": r.key, "label": pick(r.body.get("label", {})) or r.key, "state": r.state,
                        "live": r.state == "published" or r.version > 1} for r in rows]
            boards = []
            for r in store.latest(session, the_app, "dashboard") if designer else store.live(session, the_app,
                                                                                                  "dashboard"):
                board = DashboardDefinition.model_validate(r.body) if r.state == "published" else None
                if designer or (board is not None and may_see(session, the_app, board, who)):
                    boards.append({"key": r.key, "label": pick(r.body.get("label", {})) or r.key, "state": r.state})
    except BrickworkError as exc:
        return error_page(request, exc)
    return render(request, "reports.html", app=the_app, reports=reports, boards=boards, designer=designer)


@router.get("/apps/{app}/reports/new")
def new_one(request: Request, app: str, kind: str = "report", key: str = "",
            user: Principal = Depends(page_user)) -> Response:
    """The "new report / dashboard" forms: to the designer of that key (empty until saved)."""
    if kind not in ("report", "dashboard") or not KEY.match(key):
        return error_page(request, Invalid(_("The request is not valid."), errors=[
            FieldError("key", "pattern", _("Lower-case letters, digits and underscores, starting with a letter."))]))
    to = f"/apps/{app}/reports/{key}/design" if kind == "report" else f"/apps/{app}/dashboards/{key}"
    return RedirectResponse(to, status_code=303)


@router.get("/apps/{app}/reports/{key}/design")
def report_designer(request: Request, app: str, key: str, user: Principal = Depends(page_user)) -> Response:
    """The report designer: a new report when the key has none yet."""
    store = request.app.state.store
    try:
        with work(request, read_only=True) as (session, who):
            the_app = get_app(session, app)
            require_designer(session, the_app, who)
            draft = store.get(session, the_app, "report", key, which="draft", missing_ok=True)
            live = store.get(session, the_app, "report", key, missing_ok=True)
            forms = form_catalog(session, request, the_app, who)
    except BrickworkError as exc:
        return error_page(request, exc)
    state = {"app": app, "key": key, "body": (draft or live).body if (draft or live) else None,
             "revision": draft.revision if draft else 0, "published": live is not None, "forms": forms,
             "locale": request.scope["state"]["locale"], "T": strings(), "provinces": provinces()}
    label = pick((draft or live).body.get("label", {})) if (draft or live) else ""
    return render(request, "report_designer.html", app=the_app, key=key, label=label or key, state=state)


@router.get("/apps/{app}/dashboards/{key}")
def dashboard_page(request: Request, app: str, key: str, user: Principal = Depends(page_user)) -> Response:
    """A dashboard: its charts under the filters. Its designers arrange it on the same page;
    a dashboard for other roles is not found."""
    store = request.app.state.store
    try:
        with work(request, read_only=True) as (session, who):
            the_app = get_app(session, app)
            designer = may_design(session, the_app, who)
            live = store.get(session, the_app, "dashboard", key, missing_ok=True)
            draft = store.get(session, the_app, "dashboard", key, which="draft", missing_ok=True) if designer else None
            if live is None and not designer:
                raise NotFound(_("There is no such dashboard."))
            if live is not None and not may_see(session, the_app, DashboardDefinition.model_validate(live.body), who):
                raise NotFound(_("There is no such dashboard."))
            reports = []
            if designer:
                reports = [{"key": r.key, "label": pick(r.body.get("label", {})) or r.key,
                            "form": (r.body.get("query") or {}).get("source", {}).get("form")
                            or (r.body.get("rfm") or {}).get("form")}
                           for r in store.live(session, the_app, "report")]
            roles = [{"key": r.key, "label": pick(r.label) or r.key} for r in list_roles(session, the_app)] \
                if designer else []
            forms = form_catalog(session, request, the_app, who)
    except BrickworkError as exc:
        return error_page(request, exc)
    body = (draft or live).body if (draft or live) else {"key": key, "label": {}, "cells": []}
    state = {"app": app, "key": key, "body": body, "revision": draft.revision if draft else 0,
             "published": live is not None, "designer": designer, "reports": reports, "roles": roles,
             "forms": forms, "locale": request.scope["state"]["locale"], "T": strings(), "provinces": provinces()}
    return render(request, "dashboard.html", app=the_app, key=key, label=pick(body.get("label", {})) or key,
                  state=state, designer=designer)
