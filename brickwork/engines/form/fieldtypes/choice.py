"""Yes/no, single and multiple choice. Choices are stored as option ids, so renaming an
option changes no record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.dialects.postgresql import JSONB

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, FieldValueError, blank, wrong_type
from brickwork.platform.i18n import _, pick

TRUE_WORDS = {"true", "yes", "y", "1", "是", "对", "✓", "√"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "不", ""}


class BooleanField(FieldType):
    """Never BLANK: unchecked is false."""

    name = "boolean"
    logical = "boolean"
    widget = "checkbox"
    settings = frozenset({"default"})
    operators = ("=",)

    def column_type(self, field: FieldSettings):
        return Boolean()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": "boolean"}

    def parse(self, field: FieldSettings, value: Any) -> bool:
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        raise wrong_type(_("true or false"))

    def to_text(self, field: FieldSettings, value: bool | None) -> str:
        return "true" if value else "false"


class SelectField(FieldType):
    name = "select"
    logical = "choice"
    widget = "select"
    settings = frozenset({"default", "options"})
    operators = ("=", "<>", "IN", "ISBLANK")

    def column_type(self, field: FieldSettings):
        return String(64)

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"enum": [o.id for o in field.options or []] + [None]}

    def check_definition(self, field: FieldSettings) -> None:
        if not field.options:
            raise ValueError(_("A choice field needs at least one option."))
        ids = [o.id for o in field.options]
        if len(set(ids)) != len(ids):
            raise ValueError(_("Two options have the same id."))

    def option_id(self, field: FieldSettings, value: Any) -> str:
        """An option by id, or by its label in any language (imports carry labels)."""
        if not isinstance(value, str):
            raise wrong_type(_("an option"))
        text = value.strip()
        for option in field.options or []:
            if text == option.id:
                return option.id
        for option in field.options or []:
            if text in option.label.values():
                return option.id
        raise FieldValueError("option", _("%(value)s is not one of the options.", value=text))

    def parse(self, field: FieldSettings, value: Any) -> str | None:
        return None if blank(value) else self.option_id(field, value)

    def to_text(self, field: FieldSettings, value: str | None) -> str:
        return "" if value is None else option_label(field, value)


class MultiSelectField(SelectField):
    name = "multiselect"
    logical = "choices"
    widget = "multiselect"
    operators = ("HAS", "ISBLANK")

    def column_type(self, field: FieldSettings):
        return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["array", "null"], "items": {"enum": [o.id for o in field.options or []]}}

    def parse(self, field: FieldSettings, value: Any) -> list[str] | None:
        if blank(value):
            return None
        if isinstance(value, str):  # "a, b" or "a；b" from a spreadsheet cell
            value = [part for part in value.replace("；", ",").replace(";", ",").split(",") if part.strip()]
        if not isinstance(value, list):
            raise wrong_type(_("a list of options"))
        chosen = [self.option_id(field, item) for item in value]
        order = [o.id for o in field.options or []]
        return sorted(set(chosen), key=order.index) or None

    def to_text(self, field: FieldSettings, value: list[str] | None) -> str:
        return ", ".join(option_label(field, v) for v in value or [])


def option_label(field: FieldSettings, option_id: str) -> str:
    for option in field.options or []:
        if option.id == option_id:
            return pick(option.label)
    return option_id
