"""Computed fields: formulas, rollups and lookups. The server sets their values, never a
caller (``system``). A formula and a rollup are stored in a typed column, recomputed in
SQL (recompute.py); a lookup, and a formula that uses TODAY()/NOW(), are computed when
read. Values travel as the type of their result does: a number formula is a number field
with the formula's scale, and so on (``shape``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, blank, wrong_type
from brickwork.engines.form.fieldtypes.choice import BooleanField
from brickwork.engines.form.fieldtypes.numeric import NumberField
from brickwork.engines.form.fieldtypes.temporal import DateField, DateTimeField
from brickwork.engines.form.fieldtypes.text import TextareaField
from brickwork.platform.i18n import _

# The field type a result is stored and shown as.
RESULT_KINDS: dict[str, FieldType] = {"number": NumberField(), "text": TextareaField(), "boolean": BooleanField(),
                                      "date": DateField(), "datetime": DateTimeField()}
DEFAULT_SCALE = 2
VOLATILE = ("TODAY", "NOW")


_shapes: dict[int, tuple[FieldSettings, tuple, tuple[FieldType, FieldSettings]]] = {}


def shape(field: FieldSettings) -> tuple[FieldType, FieldSettings]:
    """The plain field a computed value is stored and shown as: (its kind, its definition).
    Asked for every value read or written, so it is kept per field (a published field is
    parsed once per process) while what it depends on is unchanged (a draft's may change)."""
    depends = (field.result, field.scale, field.type, field.id, field.key, id(field.label))
    kept = _shapes.get(id(field))
    if kept is not None and kept[0] is field and kept[1] == depends:
        return kept[2]
    if len(_shapes) >= 4096:
        _shapes.clear()
    found = _shape(field)
    _shapes[id(field)] = (field, depends, found)
    return found


def _shape(field: FieldSettings) -> tuple[FieldType, FieldSettings]:
    result = field.result or "text"
    scale = field.scale if field.scale is not None else (DEFAULT_SCALE if field.type == "formula" else 0)
    plain = FieldSettings.model_construct(id=field.id, key=field.key, label=field.label, type=result,
                                     scale=scale if result == "number" else None)
    return RESULT_KINDS[result], plain


def volatile(field: FieldSettings) -> bool:
    """A formula that uses TODAY() or NOW(): stored, it would go stale overnight."""
    return field.type == "formula" and _uses_clock(field.expression)


def _uses_clock(data: Any) -> bool:
    if isinstance(data, dict):
        if data.get("fn") in VOLATILE or data.get("var") in ("$today", "$now"):
            return True
        return any(_uses_clock(v) for v in data.values())
    if isinstance(data, list):
        return any(_uses_clock(v) for v in data)
    return False


def _as_result(name: str):
    def method(self, field: FieldSettings, value: Any) -> Any:
        kind, plain = shape(field)
        return getattr(kind, name)(plain, value)

    method.__name__ = name
    return method


class _Computed(FieldType):
    widget = "readonly"
    system = True
    operators = ("=", "<>", "<", "<=", ">", ">=", "IN", "ISBLANK")

    def value_type(self, field: FieldSettings) -> str:
        return field.result or "text"

    def value_scale(self, field: FieldSettings) -> int:
        kind, plain = shape(field)
        return kind.value_scale(plain)

    def column_type(self, field: FieldSettings):
        kind, plain = shape(field)
        return kind.column_type(plain)

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        kind, plain = shape(field)
        return {**kind.json_schema(plain), "readOnly": True}

    # Values are those of the result's type: parse, store and show them as that field does.
    parse = _as_result("parse")
    to_db = _as_result("to_db")
    from_db = _as_result("from_db")
    to_api = _as_result("to_api")
    to_text = _as_result("to_text")


class FormulaField(_Computed):
    """``formula`` (text) or ``expression`` (the AST); the form's validation turns the text
    into the AST and records ``result`` (formulas.py)."""

    name = "formula"
    logical = "text"
    settings = frozenset({"formula", "expression", "result", "scale", "currency"})

    def has_column(self, field: FieldSettings) -> bool:
        return not volatile(field)

    def check_definition(self, field: FieldSettings) -> None:
        if field.formula is None and field.expression is None:
            raise ValueError(_("A formula field needs a formula."))


class RollupField(_Computed):
    """An aggregate over the records of a relation to many, the rows of a sub-form, or the
    records of another form that link here (``form.relation``)."""

    name = "rollup"
    logical = "number"
    settings = frozenset({"source", "aggregate", "field", "condition", "result", "scale", "currency"})

    def value_type(self, field: FieldSettings) -> str:
        # Until publish resolves another form's field, a number is the likely result.
        return field.result or ("date" if field.aggregate in ("earliest", "latest") else "number")

    def check_definition(self, field: FieldSettings) -> None:
        if not field.source or not field.aggregate:
            raise ValueError(_("A rollup names its records (source) and how to sum them up (aggregate)."))
        if field.aggregate != "count" and not field.field:
            raise ValueError(_("A rollup names the field it sums up (field), except for a count."))


class LookupField(FieldType):
    """A field of the record a relation to one links to, read live (lookups.py)."""

    name = "lookup"
    logical = "text"
    widget = "readonly"
    system = True
    settings = frozenset({"relation", "field"})
    operators = ("=", "<>", "<", "<=", ">", ">=", "IN", "ISBLANK")

    def has_column(self, field: FieldSettings) -> bool:
        return False

    def column_type(self, field: FieldSettings):
        return BigInteger()  # never made: a lookup has no column

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"readOnly": True, "description": "the linked record's value of the looked-up field"}

    def parse(self, field: FieldSettings, value: Any) -> Any:
        """Never from a caller (system); imports and previews pass the shown value through."""
        if isinstance(value, (dict, list)):
            raise wrong_type(_("a value of the linked record"))
        return None if blank(value) else value

    def check_definition(self, field: FieldSettings) -> None:
        if not field.relation or not field.field:
            raise ValueError(_("A lookup names a relation to one record (relation) and a field of it (field)."))
