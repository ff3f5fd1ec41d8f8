"""REST for reports and dashboards: ad-hoc queries, saved reports' data, a dashboard's every
chart in one call, drill-through and RFM, all under the caller's permissions. (Saving and
publishing reports and dashboards is the generic ``/definitions/{kind}`` API.)"""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.report import model
from brickwork.engines.report.charts import shape
from brickwork.engines.report.compiler import compile_query
from brickwork.engines.report.drill import drill_down, drill_through
from brickwork.engines.report.export import write_xlsx
from brickwork.engines.report.fields import invalid
from brickwork.engines.report.reports import Filters, dashboard_data, landing, run, saved
from brickwork.engines.report.rfm import run_rfm
from brickwork.engines.report.run import run_query
from brickwork.platform.apps import get_app
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.i18n import _

router = APIRouter(prefix="/api/v1/apps/{app}", tags=["reports and dashboards"], dependencies=[Depends(bearer)])


class QueryIn(BaseModel):
    """An ad-hoc report: the query, and optionally the chart to shape its result for."""
    model_config = ConfigDict(extra="forbid")
    query: model.Query
    chart: model.Chart | None = None


class DrillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: model.Query
    cell: dict[str, Any] = Field(description="Dimension id → the value of the clicked cell.")
    mode: str = Field(default="through", pattern="^(through|down)$")


def _filters(date_from: str | None, date_to: str | None, member: list[int] | None,
             department: list[int] | None) -> Filters:
    return Filters(date_from, date_to, member or None, department or None)


DATE = r"^\d{4}-\d{2}-\d{2}$"


@router.post("/reports:query")
def reports_query(request: Request, app: str, body: QueryIn = Body(...)) -> dict[str, Any]:
    """Run a query in the report model as the caller: their row scopes are in its SQL; a
    field they may not read, as a dimension, measure or filter, is a 403."""
    with work(request, read_only=True) as (session, who):
        service = RecordService(session, load_form(session, app, body.query.source.form), who)
        data = run_query(service, body.query)
        if body.chart:
            data["chart"] = shape(body.chart.type, body.query, data, body.chart.options)
        return data


@router.post("/reports:drill")
def reports_drill(request: Request, app: str, body: DrillIn = Body(...)) -> dict[str, Any]:
    """The records behind a cell, as the record list's filter (``through``), or the query
    one level finer (``down``: year → quarter → month → day, province → city → district)."""
    with work(request, read_only=True) as (session, who):
        service = RecordService(session, load_form(session, app, body.query.source.form), who)
        compiled = compile_query(service, body.query)  # the same checks as running it
        types = {r.name: r.type for r in compiled.resolved.values()}
        if body.query.date_range:
            types[body.query.date_range.field] = "datetime" if _is_datetime(service, body.query.date_range.field) \
                else "date"
        try:
            if body.mode == "down":
                finer = drill_down(body.query, body.cell, types)
                return {"query": finer.model_dump(by_alias=True, exclude_none=True)}
            return drill_through(body.query, body.cell, types)
        except (ValueError, TypeError, AttributeError):  # a cell value that is no bucket: "2024-13"
            raise invalid("cell", "invalid", _("The cell's values are not values of this report.")) from None


def _is_datetime(service: RecordService, key: str) -> bool:
    f = service.form.by_key.get(key)
    return f is not None and f.type == "datetime"


@router.post("/reports:rfm")
def reports_rfm(request: Request, app: str, body: model.Rfm = Body(...)) -> dict[str, Any]:
    """RFM scores and segments per customer, and the segment summary."""
    with work(request, read_only=True) as (session, who):
        return run_rfm(RecordService(session, load_form(session, app, body.form), who), body)


@router.get("/reports/{key}/data")
def report_data(request: Request, app: str, key: str,
                date_from: str | None = Query(default=None, alias="from", pattern=DATE),
                date_to: str | None = Query(default=None, alias="to", pattern=DATE),
                member: list[int] | None = Query(default=None), department: list[int] | None = Query(default=None),
                ) -> dict[str, Any]:  # ids are checked with the query (model.Id)
    """A published report's data for the caller, with the dashboard controls applied."""
    with work(request, read_only=True) as (session, who):
        the_app = get_app(session, app)
        report = saved(session, request.app.state.store, the_app, "report", key)
        return {"report": key, **run(session, the_app, report, who, _filters(date_from, date_to, member, department))}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reports/{key}/data.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "The report's rows as a workbook."}})
def report_xlsx(request: Request, app: str, key: str,
                date_from: str | None = Query(default=None, alias="from", pattern=DATE),
                date_to: str | None = Query(default=None, alias="to", pattern=DATE),
                member: list[int] | None = Query(default=None),
                department: list[int] | None = Query(default=None),
                date_field: str | None = Query(default=None, max_length=130)) -> Response:
    """A published report's rows for the caller as an xlsx sheet (the same numbers as
    ``/data``, named columns, names in place of option, member and department ids).
    ``date_field``: the field ``from``/``to`` filter (a dashboard card's), else the report's own."""
    with work(request, read_only=True) as (session, who):
        the_app = get_app(session, app)
        report = saved(session, request.app.state.store, the_app, "report", key)
        if report.query is None:
            raise invalid("rfm", "export", _("Only a report with a query can be exported."))
        data = run(session, the_app, report, who, _filters(date_from, date_to, member, department), date_field)
        out = io.BytesIO()
        write_xlsx(load_form(session, app, report.query.source.form), data, out, key)
    return Response(out.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{key}.xlsx"'})


@router.get("/dashboards/{key}/data")
def dashboard_data_get(request: Request, app: str, key: str,
                       date_from: str | None = Query(default=None, alias="from", pattern=DATE),
                       date_to: str | None = Query(default=None, alias="to", pattern=DATE),
                       member: list[int] | None = Query(default=None),
                       department: list[int] | None = Query(default=None)) -> dict[str, Any]:
    """Every chart of a published dashboard, in one call, the controls applied to each."""
    with work(request, read_only=True) as (session, who):
        return dashboard_data(session, request.app.state.store, get_app(session, app), key, who,
                              _filters(date_from, date_to, member, department))


@router.get("/home")
def app_home(request: Request, app: str) -> dict[str, Any]:
    """Where the app opens for the caller: ``dashboard`` (its key) and ``path`` (its page)
    when a dashboard with a ``home`` priority is for one of their roles, else the app's page
    (``dashboard``: null)."""
    with work(request, read_only=True) as (session, who):
        key = landing(session, request.app.state.store, get_app(session, app), who)
    return {"dashboard": key, "path": f"/apps/{app}/dashboards/{key}" if key else f"/apps/{app}/menu"}
