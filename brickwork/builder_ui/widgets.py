"""Each field type's input, rendered from ``templates/widgets.html`` by its widget name."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from brickwork.builder_ui.record_values import input_value
from brickwork.builder_ui.rendering import environment
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.picker_filter import record_keys
from brickwork.platform.db import whole_id

NEW_ROW = "__i__"  # the row number in a sub-form's blank row, which the script renumbers


def render_field(field: FieldDef, value: Any = None, errors: list[str] | None = None,
                 people: list[tuple[int, str]] | None = None, *, app: str | None = None,
                 titles: dict[str, dict[int, str]] | None = None,
                 cell_errors: dict[str, list[str]] | None = None) -> Markup:
    """The labelled input of a field with its current (API) value and error messages.
    ``people``: the users or departments a user/department field chooses from. ``app``: the
    app whose forms relations link to; ``titles``: linked records' titles by form and id
    (``Names.titles``); ``cell_errors``: messages by path (``lines[2].qty``) for sub-forms."""
    widgets = environment().get_template("widgets.html").module
    if field.type == "relation":
        known = (titles or {}).get(field.target or "", {})
        chosen = [(i, known.get(i) or f"#{i}") for i in _ids(value)]
        depends = sorted(record_keys(field.picker_filter)) if field.picker_filter else []
        return Markup(widgets.relation(field, chosen, errors or [], app, depends))
    if field.type == "subform":
        def cells(index: int | str, row: dict[str, Any]) -> list[Markup]:
            return [render_field(child.model_copy(update={"key": f"{field.key}[{index}].{child.key}"}),
                                 input_value(child, row.get(child.key)),
                                 (cell_errors or {}).get(f"{field.key}[{index}].{child.key}"), app=app, titles=titles)
                    for child in field.fields or []]
        rows = [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []
        return Markup(widgets.subform(field, [(row.get("id"), cells(i, row)) for i, row in enumerate(rows)],
                                      cells(NEW_ROW, _defaults(field)), errors or []))
    extra = {"people": people} if people is not None and field.type in ("user", "department") else {}
    return Markup(getattr(widgets, REGISTRY[field.type].widget)(field, value, errors or [], **extra))


def _ids(value: Any) -> list[int | str]:
    """A relation's value as ids, whether from the API (ints) or a form post (strings)."""
    items = value if isinstance(value, list) else [] if value in (None, "") else [value]
    return [(whole_id(i) or i) if isinstance(i, str) else i for i in items if i not in (None, "")]


def _defaults(field: FieldDef) -> dict[str, Any]:
    """A new row's static defaults (``$today`` and the like are filled in by the server)."""
    found = {}
    for child in field.fields or []:
        if child.default is None or (isinstance(child.default, str) and child.default.startswith("$")):
            continue
        kind = REGISTRY[child.type]
        try:
            found[child.key] = kind.to_api(child, kind.parse(child, child.default))
        except FieldValueError:
            continue
    return found
