"""The report engine's entries in the kinds registry: ``report`` and ``dashboard``, versioned
like every definition. A report's check at save: its chart takes its query's shape."""

from __future__ import annotations

from pydantic import BaseModel

from brickwork.engines.report.charts import check_chart
from brickwork.engines.report.indexes import sync_after_publish
from brickwork.engines.report.model import DashboardDefinition, ReportDefinition
from brickwork.platform.definitions.kinds import Kind
from brickwork.platform.errors import FieldError, Invalid


def check_report(report: BaseModel) -> list[FieldError]:
    assert isinstance(report, ReportDefinition)
    if report.query is None:
        return []
    try:
        check_chart(report.chart.type, report.query)
    except Invalid as exc:
        return exc.errors
    return []


REPORT = Kind(name="report", model=ReportDefinition, check=check_report, plural="reports", after=("form",),
              published=sync_after_publish)
DASHBOARD = Kind(name="dashboard", model=DashboardDefinition, plural="dashboards", after=("report",))
