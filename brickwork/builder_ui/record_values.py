"""Form posts (strings) to record values the engine parses, and back.

An HTML form sends text: each field's input arrives as a string (a list for choices and
files, ``key.level`` parts for regions). Shaped like the field's API value, the engine's
own ``parse`` turns them into values, so a page says exactly what the API would say.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.fieldtypes.misc import LEVELS
from brickwork.platform.clock import app_zone
from brickwork.platform.db import whole_id

LISTS = ("multiselect", "attachment", "image")
IDS = ("user", "department", "rating", "relation")
ROW_CELL = re.compile(r"^(?P<key>[^\[]+)\[(?P<index>\d+)\]\.(?P<name>.+)$")  # lines[2].qty


def posted(fields: list[FieldDef], data: ImmutableMultiDict, *, complete: bool = False) -> dict[str, Any]:
    """The values of ``fields`` as the form (or a query string) gives them, by field key.
    A field the data does not mention is left out, unless the data is ``complete`` (a form
    that showed every one of them: no box ticked sends nothing, and means blank)."""
    values: dict[str, Any] = {f.key: None for f in fields} if complete else {}
    for f in fields:
        if f.type == "region":
            parts = {level: data.get(f"{f.key}.{level}", "").strip() for level in LEVELS}
            if any(f"{f.key}.{level}" in data for level in LEVELS):
                values[f.key] = {k: v for k, v in parts.items() if v} or None
            elif f.key in data:
                values[f.key] = data[f.key]  # "330000/330100" from a link
            continue
        if f.key not in data:
            continue
        items = data.getlist(f.key)
        if f.type == "subform":
            values[f.key] = sub_rows(f, data)
        elif f.type in LISTS or (f.type == "relation" and getattr(f, "multiple", False)):
            chosen = [v.strip() for item in items for v in item.split(",") if v.strip()]
            if f.type == "relation":  # record ids, as the API gives them
                chosen = [whole_id(v) or v for v in chosen]  # "³" or a 30-digit id stays text: the engine refuses it
            values[f.key] = chosen or None
        elif f.type == "boolean":
            values[f.key] = "true" in [item.strip().lower() for item in items]
        elif f.type in IDS:
            text = items[-1].strip()
            values[f.key] = whole_id(text) or (text or None)
        else:
            values[f.key] = items[-1]
    return values


def sub_rows(f: FieldDef, data: ImmutableMultiDict) -> list[dict[str, Any]] | None:
    """A sub-form's rows from inputs named ``lines[0].qty`` (``lines[0].id`` for a kept row),
    in the order of their numbers; each row's cells read like a form of the child fields."""
    cells: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for name, text in data.multi_items():
        match = ROW_CELL.match(name)
        if match and match["key"] == f.key:
            cells[int(match["index"])].append((match["name"], text))
    rows = []
    for index in sorted(cells):
        given = ImmutableMultiDict(cells[index])
        row_id = int_or_none(given.get("id"))
        rows.append({**({"id": row_id} if row_id else {}), **posted(f.fields or [], given, complete=True)})
    return rows or None


def same(f: FieldDef, a: Any, b: Any) -> bool:
    """Whether two API-shaped values mean the same (``"12.5"`` and ``"12.50"`` do)."""
    kind = REGISTRY[f.type]
    try:
        return kind.parse(f, a) == kind.parse(f, b)
    except FieldValueError:
        return False


def changed(fields: list[FieldDef], values: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """The values the person changed from what they read: only these are sent, so a field
    they left alone keeps whatever another person saved meanwhile."""
    return {f.key: values[f.key] for f in fields
            if f.key in values and not same(f, values[f.key], original.get(f.key))}


def input_value(f: FieldDef, value: Any) -> Any:
    """An API value as an input shows it: a moment as the app zone's wall clock."""
    if f.type == "datetime" and isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # what the person typed, kept as it is
        if moment.tzinfo is not None:
            return moment.astimezone(app_zone()).strftime("%Y-%m-%dT%H:%M")
    return value


def int_or_none(text: Any) -> int | None:
    """A posted id or version, None unless plain digits within 64 bits (not "³", not "١")."""
    return whole_id(text) if isinstance(text, str) else None


def json_value(text: Any) -> Any:
    """A value the page carried in a hidden input as JSON; None when it is missing or garbled."""
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
