"""Each field type's input, rendered from ``templates/widgets.html`` by its widget name."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from brickwork.builder_ui.rendering import environment
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY


def render_field(field: FieldDef, value: Any = None, errors: list[str] | None = None) -> Markup:
    """The labelled input of a field with its current (API) value and error messages."""
    widgets = environment().get_template("widgets.html").module
    return Markup(getattr(widgets, REGISTRY[field.type].widget)(field, value, errors or []))
