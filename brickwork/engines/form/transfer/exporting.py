"""Exporting what a view shows (filter, sort, columns, the caller's readable fields) to xlsx
or csv, a page at a time through ``list_records``, so memory stays flat for any size.

Values are what people read (option labels, names, titles). Numbers, money and dates stay
numbers and dates in xlsx; in csv they are plain ``-1234.50`` / ``2024-07-01`` text, which
Excel reads as numbers and dates (a "¥1,234.50" would be text to it). Text that a
spreadsheet would run as a formula is neutralised (``cells.neutralise``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from sqlalchemy.orm import Session

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.computed import shape
from brickwork.engines.form.listing import MAX_LIMIT, list_records
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.saved_views import get_view, sort_keys
from brickwork.engines.form.transfer.cells import NOT_FLAT, NUMBERS, neutralise
from brickwork.engines.form.transfer.sheets import Sheet
from brickwork.platform.clock import app_zone, today
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _, pick

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


def export_records(session: Session, service: RecordService, out: IO[bytes], fmt: str = "xlsx", *,
                   filter_ast: Any = None, sort: str | None = None, fields: str | None = None,
                   q: str | None = None, view_id: int | None = None,
                   progress: Callable[[int, int | None], None] | None = None) -> int:
    """Write the records to ``out``; returns how many. A saved view gives the filter, sort,
    columns and search that are not given explicitly. ``progress(done, total)`` is called
    after each page (the first page counts the total)."""
    if fmt not in FORMATS:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "format", "enum", _("The format is xlsx or csv."))])
    if view_id is not None:
        config = get_view(session, service, view_id).config
        filter_ast = filter_ast if filter_ast is not None else config.get("filter")
        sort = sort if sort is not None else sort_keys(service.form, config.get("sort") or "")
        fields = fields if fields is not None else _keys(service, config.get("columns"))
        q = q if q is not None else config.get("search") or None
    columns = export_columns(service, fields)
    typed = {f.id: typed_as(service, f) for f in columns}
    only = ",".join(f.key for f in columns) or None

    def page_after(cursor: str | None) -> dict[str, Any]:
        return list_records(service, filter_ast=filter_ast, sort=sort, limit=MAX_LIMIT, cursor=cursor,
                            fields=only, q=q)

    page = page_after(None)  # a bad filter or sort is refused before anything is written
    writer = (_Xlsx if fmt == "xlsx" else _Csv)(out)
    try:
        writer.append([pick(f.label) for f in columns])
        count, total = 0, None
        while True:
            names = Names(session, columns, page["items"], service.form.app.key, who=service.who)
            for record in page["items"]:
                writer.append([writer.cell(f, record.get(f.key), names, typed[f.id]) for f in columns])
            count += len(page["items"])
            if page["total"] is not None:
                total = page["total"]
            if progress is not None:
                progress(count, total)
            if not page["next_cursor"]:
                break
            page = page_after(page["next_cursor"])
    except BaseException:
        writer.abandon()
        raise
    writer.close()
    return count


def typed_as(service: RecordService, f: FieldDef) -> tuple[Any, FieldDef] | None:
    """The kind and field a column's values are typed as (numbers, dates), or None (text):
    a number field as itself, a formula or rollup as its result, a lookup as the field it
    shows, so ``SUM(lines.amount)`` is a number in a spreadsheet, not "12,400"."""
    if f.type in NUMBERS or f.type in ("date", "datetime"):
        return REGISTRY[f.type], f
    if f.type in ("formula", "rollup") and REGISTRY[f.type].value_type(f) in ("number", "date", "datetime"):
        return shape(f)
    lookup = service.lookups.get(f.id)
    if lookup is not None:
        return typed_as(service, lookup.target)
    return None


def export_columns(service: RecordService, fields: str | None) -> list[FieldDef]:
    """The fields asked for, in that order, else every field; only those the caller may read
    (and no sub-forms: their lines are rows of their own)."""
    form = service.form
    readable = {f.id for f in form.definition.fields if f.id in service.grant.readable and f.type not in NOT_FLAT}
    if not fields:
        return [f for f in form.definition.fields if f.id in readable]
    keys = [k.strip() for k in fields.split(",") if k.strip()]
    unknown = [k for k in keys if k not in form.by_key]
    if unknown:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "fields", "unknown", _("The form has no field %(name)s.", name=", ".join(unknown)))])
    return [form.by_key[k] for k in dict.fromkeys(keys) if form.by_key[k].id in readable]


def filename(service: RecordService, fmt: str) -> str:
    return f"{pick(service.form.definition.label) or service.form.key}-{today().isoformat()}.{fmt}"


def _keys(service: RecordService, columns: list[str] | None) -> str | None:
    by_id = service.form.by_id
    return ",".join(by_id[i].key for i in columns if i in by_id) if columns else None


class _Xlsx(Sheet):
    """Typed cells: numbers with their places, dates as dates (wall clock in the app zone)."""

    def cell(self, f: FieldDef, value: Any, names: Names, typed: tuple[Any, FieldDef] | None) -> Any:
        if value is None or value == [] or value == "":
            return None
        if typed is not None:
            from openpyxl.cell import WriteOnlyCell

            kind, plain = typed
            logical = kind.parse(plain, value)
            if isinstance(logical, datetime):
                logical = logical.astimezone(app_zone()).replace(tzinfo=None)
            cell = WriteOnlyCell(self.sheet, value=logical)
            cell.number_format = _number_format(plain, kind)
            return cell
        return neutralise(display(f, value, names))

    close = Sheet.save  # a failed save abandons the sheet too


def _number_format(f: FieldDef, kind) -> str:
    if f.type == "date":
        return "yyyy-mm-dd"
    if f.type == "datetime":
        return "yyyy-mm-dd hh:mm:ss"
    places = kind.scale(f) if hasattr(kind, "scale") and f.type != "rating" else 0
    number = "#,##0" + ("." + "0" * places if places else "")
    return number + '"%"' if f.type == "percent" else number


class _Csv:
    """UTF-8 with a BOM, so Excel opens Chinese text right; plain numbers and ISO dates."""

    def __init__(self, out: IO[bytes]):
        self.text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        self.writer = csv.writer(self.text)

    def append(self, cells: list[Any]) -> None:
        self.writer.writerow(cells)

    def cell(self, f: FieldDef, value: Any, names: Names, typed: tuple[Any, FieldDef] | None) -> str:
        if value is None or value == [] or value == "":
            return ""
        if typed is not None:
            kind, plain = typed
            return kind.to_text(plain, kind.parse(plain, value))  # a number, never a formula
        return neutralise(display(f, value, names))

    def close(self) -> None:
        self.text.flush()
        self.text.detach()

    def abandon(self) -> None:
        self.close()  # the caller's stream stays open for it to discard

