"""A sub-form: rows of child fields inside a record (an order's lines). The rows live in a
child table of their own (``parent_id``, ``position``, a column per child field); the API
value is the list of rows, each with its ``id``. Each row is validated like a record, with
errors at ``lines[2].qty``; ``unique`` on a child field means no repeat within the record."""

from __future__ import annotations

import json
from typing import Any

from brickwork.engines.form.fields import FieldSettings, no_repeats
from brickwork.engines.form.fieldtypes.base import REGISTRY, FieldType, FieldValueError, blank, wrong_type
from brickwork.platform.db import whole_id
from brickwork.platform.i18n import _

NOT_IN_ROWS = ("subform", "autonumber", "rollup")


class RowErrors(FieldValueError):
    """The problems of some rows: (path inside the sub-form, code, message) each."""

    def __init__(self, problems: list[tuple[str, str, str]], rows: list[dict[str, Any]]):
        super().__init__(problems[0][1], problems[0][2])
        self.problems = problems
        self.rows = rows  # the cells that did parse, so rules over whole rows can still be checked


class SubformField(FieldType):
    name = "subform"
    logical = "rows"
    widget = "subform"
    settings = frozenset({"fields", "min_rows", "max_rows"})
    operators = ()

    def has_column(self, field: FieldSettings) -> bool:
        return False

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        columns = {"id": {"type": "integer", "description": _("The row's id; leave it out for a new row.")}}
        columns |= {f.key: REGISTRY[f.type].json_schema(f) for f in field.fields or []}
        return {"type": "array", "items": {"type": "object", "properties": columns, "additionalProperties": False},
                **({"minItems": field.min_rows} if field.min_rows else {}),
                **({"maxItems": field.max_rows} if field.max_rows else {})}

    def refuse_controls(self, value: Any) -> None:
        """Each cell is checked by its own field's type in ``parse``."""

    def parse(self, field: FieldSettings, value: Any) -> list[dict[str, Any]] | None:
        """API rows → logical rows (values by child field id, ``id`` kept); every problem is
        reported at its row and column (``[2].qty``)."""
        if blank(value):
            return None
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise wrong_type(_("a list of rows"))
        children = {f.key: f for f in field.fields or []}
        rows, problems = [], []
        for index, data in enumerate(value):
            row: dict[str, Any] = {"id": data.get("id")}
            if row["id"] is not None and (isinstance(row["id"], str) or whole_id(row["id"]) is None):
                problems.append((f"[{index}].id", "type", _("A row id is a number; leave it out for a new row.")))
            for key, cell in data.items():
                f = children.get(key)
                if key == "id":
                    continue
                if f is None:
                    problems.append((f"[{index}].{key}", "unknown", _("The sub-form has no such field.")))
                    continue
                try:
                    row[f.id] = REGISTRY[f.type].read(f, cell)
                except FieldValueError as exc:
                    problems.append((f"[{index}].{key}", exc.code, exc.message))
            rows.append(row)
        if problems:
            raise RowErrors(problems, rows)
        return rows

    def to_api(self, field: FieldSettings, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """Logical rows → API rows (by key, with the row id)."""
        if value is None:
            return None
        return [{"id": row.get("id"), **{f.key: REGISTRY[f.type].to_api(f, row.get(f.id)) for f in field.fields or []}}
                for row in value]

    def to_text(self, field: FieldSettings, value: Any) -> str:
        """The rows as JSON: a cell of a spreadsheet can carry them, and read them back."""
        return "" if not value else json.dumps(self.to_api(field, value), ensure_ascii=False)

    def from_text(self, field: FieldSettings, text: str) -> Any:
        if not text.strip():
            return None
        try:
            return self.parse(field, json.loads(text))
        except ValueError as exc:
            if isinstance(exc, FieldValueError):
                raise
            raise wrong_type(_("a list of rows")) from None

    def check_definition(self, field: FieldSettings) -> None:
        if not field.fields:
            raise ValueError(_("A sub-form needs at least one field."))
        no_repeats(field.fields, "id")
        no_repeats(field.fields, "key")
        for child in field.fields:
            if child.type in NOT_IN_ROWS or (child.type == "relation" and child.multiple):
                raise ValueError(_("A sub-form cannot hold a %(type)s field.", type=child.type))
        if field.min_rows and field.max_rows and field.min_rows > field.max_rows:
            raise ValueError(_("The least number of rows is more than the most."))
