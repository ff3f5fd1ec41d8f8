"""The form definition: what a builder draws, stored as JSON and published as a version.

``FormDefinition`` is the form kind's model: the shape (``model.py``, on the field types)
and the checks that need the expression language (``checks.py``). The modules below the
expression checks use ``model.FormShape``; everything above uses this module.
"""

from __future__ import annotations

from pydantic import ValidationInfo, model_validator

from brickwork.engines.form.checks import check_form
from brickwork.engines.form.model import (
    RESERVED_KEYS,
    SETTINGS,
    BackupColumn,
    FieldDef,
    FieldType,
    FillFrom,
    FillMatch,
    FormShape,
    Option,
    Permission,
    Rule,
    Section,
    TrashedField,
    no_repeats,
)

__all__ = ["RESERVED_KEYS", "SETTINGS", "BackupColumn", "FieldDef", "FieldType", "FillFrom", "FillMatch",
           "FormDefinition", "Option", "Permission", "Rule", "Section", "TrashedField", "no_repeats"]


class FormDefinition(FormShape):
    """A form: its fields, how they are laid out, its trash, and who may do what."""

    @model_validator(mode="after")
    def _expressions_are_valid(self, info: ValidationInfo) -> FormDefinition:
        # At publish the context holds the app's forms (formulas over relations to many).
        check_form(self, (info.context or {}).get("forms"))
        return self
