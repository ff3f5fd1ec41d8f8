"""The field type registry: one entry per type, every entry the same shape (``FieldType``)."""

from brickwork.engines.form.fieldtypes.base import REGISTRY, FieldType, FieldValueError, blank
from brickwork.engines.form.fieldtypes.choice import BooleanField, MultiSelectField, SelectField
from brickwork.engines.form.fieldtypes.computed import FormulaField, LookupField, RollupField
from brickwork.engines.form.fieldtypes.misc import AttachmentField, AutoNumberField, ImageField, RegionField
from brickwork.engines.form.fieldtypes.numeric import MoneyField, NumberField, PercentField, RatingField
from brickwork.engines.form.fieldtypes.people import DepartmentField, UserField
from brickwork.engines.form.fieldtypes.relation import RelationField
from brickwork.engines.form.fieldtypes.subform import SubformField
from brickwork.engines.form.fieldtypes.temporal import DateField, DateTimeField
from brickwork.engines.form.fieldtypes.text import EmailField, PhoneField, TextareaField, TextField, UrlField

REGISTRY.update({
    kind.name: kind()
    for kind in (
        TextField, TextareaField, NumberField, MoneyField, PercentField, DateField, DateTimeField,
        BooleanField, SelectField, MultiSelectField, UserField, DepartmentField, PhoneField,
        EmailField, UrlField, RegionField, RatingField, AttachmentField, ImageField, AutoNumberField,
        RelationField, SubformField, FormulaField, RollupField, LookupField,
    )
})



def text_length(f) -> int | None:
    """The most characters a text field's value holds (its own limit or its type's); None
    for other types. The expression language bounds the text a formula builds by it."""
    return f.max_length or getattr(REGISTRY[f.type], "default_max", None)


__all__ = ["REGISTRY", "FieldType", "FieldValueError", "blank", "text_length"]
