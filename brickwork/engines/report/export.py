"""A report's result as an xlsx sheet: one row per result row, the columns named as the
builder sees them, option ids and member/department ids as their names, exact decimals as
numbers (Decimal, so the spreadsheet sums what the report summed)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from brickwork.engines.form.forms import Form
from brickwork.engines.form.transfer.cells import neutralise
from brickwork.engines.form.transfer.sheets import Sheet
from brickwork.platform.i18n import _, pick

AGGREGATES = {"count": lambda: _("Count"), "count_distinct": lambda: _("Distinct count"), "sum": lambda: _("Sum"),
              "avg": lambda: _("Average"), "min": lambda: _("Minimum"), "max": lambda: _("Maximum")}
SYSTEM = {"owner": lambda: _("Owner"), "department": lambda: _("Department"), "created_at": lambda: _("Created"),
          "updated_at": lambda: _("Updated"), "id": lambda: _("Record")}


def field_label(form: Form, name: str | None) -> str:
    if not name:
        return ""
    if name in SYSTEM:
        return SYSTEM[name]()
    f = form.by_key.get(name.partition(".")[0])
    return pick(f.label) or name if f is not None else name


def heading(form: Form, column: dict[str, Any]) -> str:
    if column["role"] == "measure" and column.get("agg"):
        agg = AGGREGATES[column["agg"]]()
        return f"{agg} · {field_label(form, column['field'])}" if column.get("field") else agg
    if column["role"] == "dimension":
        return field_label(form, column.get("field")) or column["id"]
    return column["id"]


def cell(form: Form, column: dict[str, Any], value: Any, names: dict[str, dict]) -> Any:
    if value is None:
        return None
    if column["role"] == "dimension":
        named = names.get(column["id"], {}).get(value)
        if named is not None:
            return neutralise(named)
        f = form.by_key.get((column.get("field") or "").partition(".")[0])
        for option in (f.options or []) if f is not None else []:
            if option.id == value:
                return neutralise(pick(option.label))
        return neutralise(value) if isinstance(value, str) else value
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return neutralise(value)
    return value


def write_xlsx(form: Form, data: dict[str, Any], out: IO[bytes], title: str) -> None:
    columns, names = data["columns"], data.get("names", {})
    sheet = Sheet(out, title[:31] or None)
    try:
        sheet.append([heading(form, c) for c in columns])
        for row in data["rows"]:
            sheet.append([cell(form, c, row.get(c["id"]), names) for c in columns])
        sheet.save()
    except BaseException:
        sheet.abandon()
        raise
