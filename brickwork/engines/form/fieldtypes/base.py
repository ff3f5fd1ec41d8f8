"""The shape every field type has. One subclass per type, registered in ``REGISTRY``.

A field type knows, for its fields: the SQL column, the JSON Schema of its API value, how
an API value becomes the stored value (normalise, then validate, with messages in the
user's language), the filter operators it offers, and how it converts to and from text
(used by import/export and by type changes).

Values travel in three shapes: the API value (JSON), the logical value (what the
expression language computes with: ``Decimal``, ``date``, option ids...) and the stored
value (what the column holds: numbers as scaled integers). ``None`` is the one BLANK.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar

from sqlalchemy.types import TypeEngine

from brickwork.engines.form.fields import FieldSettings
from brickwork.platform.i18n import _


class FieldValueError(ValueError):
    """A value a field cannot take; ``code`` is stable, ``message`` translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class FieldType:
    name: ClassVar[str]
    logical: ClassVar[str]  # the expression language's type of the value
    settings: ClassVar[frozenset[str]] = frozenset()  # FieldSettings properties this type reads
    operators: ClassVar[tuple[str, ...]] = ("=", "<>", "IN", "ISBLANK")
    widget: ClassVar[str] = "text"  # the template that renders the input
    system: ClassVar[bool] = False  # set by the server, never by a caller
    # Control characters a value may hold; every other C0 control, NUL and DEL is refused
    # (a NUL cannot be stored on PostgreSQL, a vertical tab breaks spreadsheets).
    keeps: ClassVar[str] = ""

    # --- storage
    def has_column(self, field: FieldSettings) -> bool:
        """False for fields kept elsewhere (a relation to many lives in a junction table)."""
        return True

    def column_type(self, field: FieldSettings) -> TypeEngine:
        raise NotImplementedError

    def value_type(self, field: FieldSettings) -> str:
        """The expression language's type of this field's values (a formula's: its result)."""
        return self.logical

    def value_scale(self, field: FieldSettings) -> int:
        """Number columns hold value * 10**scale; 0 for every other kind."""
        return 0

    def to_db(self, field: FieldSettings, value: Any) -> Any:
        return value

    def from_db(self, field: FieldSettings, stored: Any) -> Any:
        return stored

    # --- the API
    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, field: FieldSettings, value: Any) -> Any:
        """API value → logical value, normalised (trimmed, canonical form). BLANK → None."""
        raise NotImplementedError

    def check(self, field: FieldSettings, value: Any) -> None:
        """Rules on a parsed, non-blank value (ranges, options...)."""

    def refuse_controls(self, value: Any) -> None:
        """Raise for a control character this type does not keep, anywhere in the API value."""
        found = control_character(value, self.keeps)
        if found is not None:
            raise FieldValueError("control_character", _(
                "Remove the control character %(char)s: this field cannot hold it.", char=found))

    def read(self, field: FieldSettings, value: Any) -> Any:
        """API value → checked logical value: control characters, parse, then the rules."""
        self.refuse_controls(value)
        parsed = self.parse(field, value)
        if parsed is not None:
            self.check(field, parsed)
        return parsed

    def to_api(self, field: FieldSettings, value: Any) -> Any:
        return value

    # --- text, for import/export and type changes
    def to_text(self, field: FieldSettings, value: Any) -> str:
        return "" if value is None else str(value)

    def from_text(self, field: FieldSettings, text: str) -> Any:
        return self.parse(field, text)

    # --- the definition
    # Defaults taken from the context of the creating request, and the types they suit.
    dynamic_defaults: ClassVar[tuple[str, ...]] = ()

    def check_definition(self, field: FieldSettings) -> None:
        """Raise ValueError when the field's settings do not suit this type."""

    def check_default(self, field: FieldSettings) -> None:
        """A static default must be a value the field could hold; a dynamic one must suit it."""
        if field.default is None:
            return
        if isinstance(field.default, str) and field.default.startswith("$"):
            if field.default not in self.dynamic_defaults:
                raise ValueError(_("%(default)s is no default for a %(type)s field.",
                                   default=field.default, type=self.name))
            return
        try:
            self.read(field, field.default)
        except FieldValueError as exc:
            raise ValueError(_("The default value does not fit: %(reason)s", reason=exc.message)) from None


# Every field type by name. The package (``fieldtypes/__init__.py``) fills it once all the
# types are defined; a type whose values hold other fields (a sub-form's rows) reads it here.
REGISTRY: dict[str, FieldType] = {}


def blank(value: Any) -> bool:
    """One BLANK: None, an empty or all-space string, an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def wrong_type(expected: str) -> FieldValueError:
    return FieldValueError("type", _("Expected %(expected)s.", expected=expected))


@cache
def _controls(keeps: str) -> re.Pattern[str]:
    refused = "".join(chr(c) for c in (*range(32), 127) if chr(c) not in keeps)
    return re.compile(f"[{re.escape(refused)}]")


def control_character(value: Any, keeps: str = "") -> str | None:
    """A refused control character in a value (strings inside lists and objects too), as
    ``U+000B``; None when there is none. A loop, not recursion: a deeply nested
    filter must reach the checks that refuse it."""
    pattern, pending = _controls(keeps), [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if found := pattern.search(item):
                return f"U+{ord(found.group()):04X}"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None
