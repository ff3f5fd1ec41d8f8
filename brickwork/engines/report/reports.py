"""Saved reports and dashboards: a report read with the dashboard's controls applied, and a
dashboard's every chart in one call, each cell under the viewer's own grants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.report.charts import shape
from brickwork.engines.report.model import DashboardDefinition, Query, ReportDefinition
from brickwork.engines.report.rfm import run_rfm
from brickwork.engines.report.run import run_query
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import BrickworkError, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import may_design, role_keys_in
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App


@dataclass(frozen=True)
class Filters:
    """A dashboard's filter controls as a viewer set them."""
    date_from: str | None = None
    date_to: str | None = None
    members: list[int] | None = None
    departments: list[int] | None = None


def with_filters(query: Query, filters: Filters, date_field: str | None = None) -> Query:
    """The query with the controls ANDed in: the date range on ``date_field`` (else the
    query's own date field), members and departments as owner and department."""
    update: dict[str, Any] = {}
    field = date_field or (query.date_range.field if query.date_range else None)
    if field and (filters.date_from or filters.date_to):
        update["date_range"] = {"field": field, "from": filters.date_from, "to": filters.date_to}
    if filters.members is not None:
        update["members"] = filters.members
    if filters.departments is not None:
        update["departments"] = filters.departments
    if not update:
        return query
    try:  # validated again: the controls come from query parameters
        return Query.model_validate({**query.model_dump(by_alias=True, exclude_none=True), **update})
    except ValidationError as exc:
        raise Invalid(_("The report is not valid."), errors=[
            FieldError(".".join(str(p) for p in e["loc"]), "invalid", e["msg"]) for e in exc.errors()]) from None


def run(session: Session, app: App, report: ReportDefinition, who: Principal, filters: Filters = Filters(),
        date_field: str | None = None) -> dict[str, Any]:
    """A report's rows and its chart's data, under ``who``'s grants."""
    if report.rfm is not None:
        service = RecordService(session, load_form(session, app.key, report.rfm.form), who)
        scored = run_rfm(service, report.rfm)
        return {"rfm": scored, "chart": rfm_chart(scored)}
    query = with_filters(report.query, filters, date_field)
    service = RecordService(session, load_form(session, app.key, query.source.form), who)
    data = run_query(service, query)
    return {**data, "chart": shape(report.chart.type, query, data, report.chart.options)}


def segment_names() -> dict[str, str]:
    """The default RFM segments' names in the viewer's language (a custom one shows its own)."""
    return {"hibernating": _("Hibernating"), "at_risk": _("At risk"), "cant_lose": _("Can't lose them"),
            "about_to_sleep": _("About to sleep"), "need_attention": _("Need attention"),
            "loyal_customers": _("Loyal customers"), "promising": _("Promising"), "new_customers": _("New customers"),
            "potential_loyalists": _("Potential loyalists"), "champions": _("Champions")}


def rfm_chart(scored: dict[str, Any]) -> dict[str, Any]:
    """The segment summary as bars (customers and revenue per segment), for a dashboard card."""
    segments, names = scored["segments"], segment_names()
    customers, revenue = _("Customers"), _("Revenue")
    return {"type": "bar", "categories": [names.get(s["segment"], s["segment"]) for s in segments],
            "stacked": False, "series": [
                {"name": customers, "measure": customers, "data": [s["customers"] for s in segments]},
                {"name": revenue, "measure": revenue, "data": [s["revenue"] for s in segments]}]}


def saved(session: Session, store: DefinitionStore, app: App, kind: str, key: str) -> Any:
    row = store.get(session, app, kind, key)
    model = ReportDefinition if kind == "report" else DashboardDefinition
    return model.model_validate(row.body)


def dashboard_data(session: Session, store: DefinitionStore, app: App, key: str, who: Principal,
                   filters: Filters) -> dict[str, Any]:
    """Every cell's data. A cell the viewer may not see (a field hidden from them, a form
    they may not read) carries its problem instead of data; the others still show."""
    board: DashboardDefinition = saved(session, store, app, "dashboard", key)
    if not may_see(session, app, board, who):
        raise NotFound(_("There is no such dashboard."))
    cells = []
    for cell in board.cells:
        entry: dict[str, Any] = {"report": cell.report, "x": cell.x, "y": cell.y, "w": cell.w, "h": cell.h}
        try:
            report = saved(session, store, app, "report", cell.report)
            entry["data"] = run(session, app, report, who, filters, cell.date_field)
            entry["chart"] = report.chart.type
        except BrickworkError as exc:
            entry["error"] = {"status": exc.status, "code": exc.code, "title": exc.title}
        cells.append(entry)
    return {"dashboard": key, "cells": cells}


def may_see(session: Session, app: App, board: DashboardDefinition, who: Principal) -> bool:
    """A dashboard that names roles is for those roles only, and for the app's designers;
    one that names none is for everyone. Others are told it does not exist (404), so the
    names of boards meant for other roles do not leak."""
    if not board.roles or may_design(session, app, who):
        return True
    return bool(set(board.roles) & role_keys_in(session, app.id, who.user_id))


def visible_dashboards(session: Session, store: DefinitionStore, app: App, who: Principal) -> list[dict[str, Any]]:
    """The published dashboards the person may open, for their menu: ``{key, label}``."""
    shown = []
    for row in store.live(session, app, "dashboard"):
        board = DashboardDefinition.model_validate(row.body)
        if may_see(session, app, board, who):
            shown.append({"key": board.key, "label": row.body.get("label", {})})
    return shown


def landing(session: Session, store: DefinitionStore, app: App, who: Principal) -> str | None:
    """The dashboard the app opens on for the person: of the published dashboards with a
    ``home`` priority that name a role they hold (or no role), the lowest priority (then
    the key). None for the app's designers (the app page is where they build) and for
    people no such dashboard is for: they open the app's usual page."""
    if may_design(session, app, who):
        return None
    held = role_keys_in(session, app.id, who.user_id)
    found = []
    for row in store.live(session, app, "dashboard"):
        board = DashboardDefinition.model_validate(row.body)
        if board.home is not None and (not board.roles or set(board.roles) & held):
            found.append((board.home, board.key))
    return min(found)[1] if found else None
