"""The query model of a report and the dashboard that arranges reports: definitions as data.

A query reads one form (or a sub-form's rows); it groups by dimensions and computes
measures, modelled on Cube's query and Metabase's MBQL with the expression language's AST
for filters and calculations (engine-semantics §5.1). Fields are named by key, as API
users write them; ``owner`` and ``department`` name the record's member and department.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brickwork.platform.definitions.base import DefinitionModel, Key, StableId
from brickwork.platform.i18n import _

AGGREGATES = ("count", "count_distinct", "sum", "avg", "min", "max")
GRAINS = ("day", "week", "month", "quarter", "year")
LEVELS = ("province", "city", "district")
CHARTS = ("kpi", "bar", "column", "stacked", "line", "area", "pie", "donut", "funnel", "table", "pivot",
          "leaderboard", "gauge", "scatter", "map")
MAX_DIMENSIONS = 4
MAX_MEASURES = 20
MAX_LIMIT = 10_000
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a user or department id: fits a BIGINT
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _real_day(value: str | None) -> str | None:
    if value is not None:
        date.fromisoformat(value)  # 2024-02-30 is refused here (a ValueError: a 422), not in SQL
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(Strict):
    form: Key
    subform: Key | None = None  # the rows of this sub-form field of the form


class Dimension(Strict):
    id: StableId
    field: str = Field(min_length=1, max_length=130)  # a key, "owner", "department" or "relation.key"
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None
    level: Literal["province", "city", "district"] | None = None


class Measure(Strict):
    id: StableId
    agg: Literal["count", "count_distinct", "sum", "avg", "min", "max"] | None = None
    field: str | None = Field(default=None, min_length=1, max_length=130)
    filter: Any = None  # a condition: only the records it holds count (``m_won``)
    calc: Any = None  # arithmetic over other measures' ids: ``{"fn": "/", "args": [{"ref": "m_won"}, ...]}``
    period: Literal["current", "previous"] = "current"  # previous: the date range before the query's

    @model_validator(mode="after")
    def _one_kind(self) -> Measure:
        if (self.agg is None) == (self.calc is None):
            raise ValueError(_("A measure has either an aggregate (agg) or a calculation (calc)."))
        if self.agg not in (None, "count") and not self.field:
            raise ValueError(_("The aggregate %(agg)s needs a field.", agg=self.agg))
        return self


class Sort(Strict):
    by: StableId
    dir: Literal["asc", "desc"] = "asc"


class DateRange(Strict):
    """The dashboard's date control, or a report's own: ``from`` ≤ day < ``to`` on one field."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    field: str
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None

    _days = field_validator("from_", "to")(_real_day)


class Rank(Strict):
    """A leaderboard's rank column: ties share a rank (1, 1, 3)."""
    by: StableId
    id: StableId = "rank"


class Query(Strict):
    source: Source
    dimensions: list[Dimension] = Field(default_factory=list, max_length=MAX_DIMENSIONS)
    measures: list[Measure] = Field(min_length=1, max_length=MAX_MEASURES)
    filters: Any = None
    date_range: DateRange | None = None
    members: list[Id] | None = Field(default=None, max_length=1000)  # the dashboard's member control (owners)
    departments: list[Id] | None = Field(default=None, max_length=1000)  # and its department control
    sort: list[Sort] = Field(default_factory=list, max_length=8)
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT)
    rank: Rank | None = None

    @model_validator(mode="after")
    def _ids(self) -> Query:
        ids = [d.id for d in self.dimensions] + [m.id for m in self.measures]
        if len(set(ids)) < len(ids):
            raise ValueError(_("Each dimension and measure needs an id of its own."))
        known = set(ids) | ({self.rank.id} if self.rank else set())
        for sort in self.sort:
            if sort.by not in known:
                raise ValueError(_("Cannot sort by %(name)s: no such dimension or measure.", name=sort.by))
        if self.rank and self.rank.by not in {m.id for m in self.measures}:
            raise ValueError(_("Rank by a measure of the query."))
        if any(m.period == "previous" for m in self.measures) and self.date_range is None:
            raise ValueError(_("A previous-period measure needs a date range."))
        return self


class Segment(Strict):
    name: str = Field(min_length=1, max_length=64)
    r: list[int] = Field(min_length=1)
    f: list[int] = Field(min_length=1)


DEFAULT_SEGMENTS = [Segment(name=n, r=r, f=f) for n, r, f in (
    ("hibernating", [1, 2], [1, 2]),
    ("at_risk", [1, 2], [3, 4]),
    ("cant_lose", [1, 2], [5]),
    ("about_to_sleep", [3], [1, 2]),
    ("need_attention", [3], [3]),
    ("loyal_customers", [3, 4], [4, 5]),
    ("promising", [4], [1]),
    ("new_customers", [5], [1]),
    ("potential_loyalists", [4, 5], [2, 3]),
    ("champions", [5], [4, 5]),
)]


class Rfm(Strict):
    """The RFM preset: which fields of which form, as of which day."""
    form: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    customer: str
    date: str
    amount: str
    as_of: Day | None = None  # None: today in the app's time zone (a saved report that stays current)

    _day = field_validator("as_of")(_real_day)
    filters: Any = None  # e.g. only paid orders
    ties: Literal["ntile", "shared"] = "ntile"
    segments: list[Segment] = Field(default_factory=lambda: list(DEFAULT_SEGMENTS), max_length=25)

    @model_validator(mode="after")
    def _cells_once(self) -> Rfm:
        seen: set[tuple[int, int]] = set()
        for s in self.segments:
            cells = {(r, f) for r in s.r for f in s.f}
            if not all(1 <= r <= 5 and 1 <= f <= 5 for r, f in cells):
                raise ValueError(_("Scores run from 1 to 5."))
            if cells & seen:
                raise ValueError(_("The segment %(name)s covers a score pair another segment has.", name=s.name))
            seen |= cells
        return self


class Chart(Strict):
    type: Literal["kpi", "bar", "column", "stacked", "line", "area", "pie", "donut", "funnel", "table", "pivot",
                  "leaderboard", "gauge", "scatter", "map"] = "table"
    options: dict[str, Any] = Field(default_factory=dict)


class ReportDefinition(DefinitionModel):
    """A saved report: its query (or a built-in analysis, ``rfm``) and the chart that shows it."""
    query: Query | None = None
    rfm: Rfm | None = None
    chart: Chart = Field(default_factory=Chart)

    @model_validator(mode="after")
    def _one(self) -> ReportDefinition:
        if (self.query is None) == (self.rfm is None):
            raise ValueError(_("A report has either a query or a built-in analysis (rfm)."))
        return self


class Cell(Strict):
    report: Key
    x: int = Field(default=0, ge=0, le=11)
    y: int = Field(default=0, ge=0, le=1000)
    w: int = Field(default=6, ge=1, le=12)
    h: int = Field(default=4, ge=1, le=24)
    date_field: str | None = None  # the field the dashboard's date control filters (else none)


class Controls(Strict):
    date_range: bool = True
    member: bool = False
    department: bool = False


class DashboardDefinition(DefinitionModel):
    """Reports laid out on a 12-column grid, with filter controls shared by all of them."""
    cells: list[Cell] = Field(default_factory=list, max_length=48)
    controls: Controls = Field(default_factory=Controls)
    roles: list[str] = Field(default_factory=list)  # who sees it on their home page (empty: everyone)
    # Opening the app lands on the dashboard of the lowest ``home`` among those naming a role
    # the person holds (or none); without ``home`` a dashboard is never where the app opens.
    home: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _inside(self) -> DashboardDefinition:
        if any(c.x + c.w > 12 for c in self.cells):
            raise ValueError(_("A cell reaches past the grid's 12 columns."))
        return self
