"""The calendar: a month of records on the day of a date or date-time field. Weeks start on
the locale's first day (Monday in zh-CN); on a phone the month is an agenda list."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_skeleton, format_time
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.builder_ui.views_common import FormPage, open_form
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.listing import MAX_LIMIT, list_records
from brickwork.platform.clock import app_zone, now
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.deps import work
from brickwork.platform.i18n import current_locale
from brickwork.platform.identity.users import Principal

router = APIRouter(include_in_schema=False)
MAX_RECORDS = 2000  # a month with more shows the first ones; a calendar is not a report


@router.get("/apps/{app}/forms/{form}/calendar")
def calendar_page(request: Request, app: str, form: str, by: str | None = None, month: str | None = None,
                  view: int | None = None, yearly: bool | None = None,
                  user: Principal = Depends(page_user)) -> HTMLResponse:
    try:
        with work(request, read_only=True) as (session, who):
            page = open_form(session, who, app, form)
            saved = page.view(view, "calendar")
            config = dict(saved["config"]) if saved else {}
            if yearly is not None:  # the page's "every year" box, over the view's own setting
                config["yearly"] = yearly
            choices = page.of_type("date", "datetime")
            field = next((f for f in choices if f.key == by), None) or \
                next((f for f in choices if f.id == config.get("date_field")), None) or \
                (choices[0] if choices else None)
            today = now().astimezone(app_zone()).date()
            first = _month(month) or today.replace(day=1)
            locale = Locale.parse(current_locale.get().replace("-", "_"))
            weeks, days = _grid(first, locale.first_week_day), {}
            if field is not None:
                days = _records_by_day(page, field, weeks[0][0], weeks[-1][-1], config)
            params = {k: v for k, v in (("by", field.key if field else None), ("view", view)) if v}
            if config.get("yearly") or yearly is not None:  # kept across the months
                params["yearly"] = 1 if config.get("yearly") else 0
            return render(
                request, "calendar.html", app=app, app_label=page.app_label, form=page.form, field=field,
                choices=choices, weeks=weeks, days=days, first=first, today=today, params=params,
                title=format_skeleton("yMMMM", first, locale=locale),
                weekdays=[locale.days["format"]["abbreviated"][(locale.first_week_day + i) % 7] for i in range(7)],
                agenda=[(d, format_skeleton("MMMEd", d, locale=locale), days[d]) for d in sorted(days)
                        if d.month == first.month],
                prev=_shift(first, -1), next=_shift(first, 1), this_month=today.strftime("%Y-%m"),
                views=page.views("calendar"), current=saved, base=page.base, yearly=bool(config.get("yearly")))
    except BrickworkError as exc:
        return error_page(request, exc)


def _month(text: str | None) -> date | None:
    try:
        return datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


def _shift(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _grid(first: date, first_weekday: int) -> list[list[date]]:
    """Whole weeks from the one holding the 1st to the one holding the month's last day."""
    start = first - timedelta(days=(first.weekday() - first_weekday) % 7)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    weeks = []
    while start <= last:
        weeks.append([start + timedelta(days=i) for i in range(7)])
        start += timedelta(days=7)
    return weeks


def _in_range(ref: dict[str, Any], start: date, end: date, yearly: bool) -> dict[str, Any]:
    """The condition "the date falls in [start, end]"; for a yearly date (a birthday), its
    month and day do, in whatever year (the grid may span New Year: two ranges then)."""
    if not yearly:
        return {"fn": "AND", "args": [
            {"fn": ">=", "args": [ref, {"lit": start.isoformat(), "type": "date"}]},
            {"fn": "<", "args": [ref, {"lit": (end + timedelta(days=1)).isoformat(), "type": "date"}]}]}
    month_day = {"fn": "+", "args": [
        {"fn": "*", "args": [{"fn": "MONTH", "args": [ref]}, {"lit": "100", "type": "number"}]},
        {"fn": "DAY", "args": [ref]}]}

    def between(low: int, high: int) -> dict[str, Any]:
        return {"fn": "AND", "args": [{"fn": ">=", "args": [month_day, {"lit": str(low), "type": "number"}]},
                                      {"fn": "<=", "args": [month_day, {"lit": str(high), "type": "number"}]}]}

    low, high = start.month * 100 + start.day, end.month * 100 + end.day
    if start.year == end.year:
        return between(low, high)
    return {"fn": "OR", "args": [between(low, 1231), between(101, high)]}


def _yearly_day(day: date, start: date, end: date) -> date | None:
    """Where a yearly date falls in [start, end]: its month and day in the grid's year (the
    29th of February on the 28th in other years)."""
    for year in sorted({start.year, end.year}):
        try:
            shown = day.replace(year=year)
        except ValueError:
            shown = date(year, 2, 28)
        if start <= shown <= end:
            return shown
    return None


def _records_by_day(page: FormPage, field: FieldDef, start: date, end: date,
                    config: dict[str, Any]) -> dict[date, list[dict[str, Any]]]:
    """The records whose date falls in [start, end], by app-local day, through the engine's
    filter (a date meets a date-time at 00:00 app time). A yearly view (``config.yearly``:
    birthdays) matches on month and day alone and shows each date in the grid's year."""
    yearly = bool(config.get("yearly"))
    where: list[Any] = [_in_range({"ref": field.id}, start, end, yearly)]
    if config.get("filter"):
        where.append(config["filter"])
    found: list[dict[str, Any]] = []
    cursor = None
    while len(found) < MAX_RECORDS:
        result = list_records(page.service, filter_ast={"fn": "AND", "args": where}, sort=field.key,
                              q=config.get("search") or None, cursor=cursor, limit=MAX_LIMIT)
        found += result["items"]
        cursor = result["next_cursor"]
        if not cursor:
            break
    days: dict[date, list[dict[str, Any]]] = {}
    locale = current_locale.get().replace("-", "_")
    for record in found:
        value = record[field.key]
        when = ""
        if field.type == "datetime":
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(app_zone())
            day, when = moment.date(), format_time(moment, "short", locale=locale)
        else:
            day = date.fromisoformat(value)
        if yearly:
            day = _yearly_day(day, start, end)
            if day is None:
                continue
        days.setdefault(day, []).append({"title": page.title(record), "when": when,
                                         "href": f"{page.base}/records/{record['id']}"})
    return days
