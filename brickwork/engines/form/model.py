"""The form definition's model: what a builder draws, as data, with the checks that need
only the model and the field types. The expression checks sit a floor up (``checks.py``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from brickwork.engines.form.fields import (
    RESERVED_KEYS,
    SETTINGS,
    SUBFORM_FIELDS,
    FieldSettings,
    FieldType,
    FillFrom,
    FillMatch,
    Option,
    no_repeats,
)
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.definitions.base import DefinitionModel, Key, Label, StableId
from brickwork.platform.i18n import _

__all__ = ["RESERVED_KEYS", "SETTINGS", "BackupColumn", "DuplicateMatch", "Duplicates", "FieldDef",
           "FieldSettings", "FieldType", "FillFrom", "FillMatch", "FormShape", "Option", "Permission", "Rule",
           "Section", "TrashedField", "no_repeats"]


class FieldDef(FieldSettings):
    """A field. The type-specific settings are checked by the field type registry."""

    # The same list as FieldSettings', of fields whose settings are checked against their type.
    fields: list[FieldDef] | None = Field(default=None, description=SUBFORM_FIELDS)

    @model_validator(mode="after")
    def _settings_fit_the_type(self) -> FieldDef:
        kind = REGISTRY[self.type]
        for name in SETTINGS:
            if getattr(self, name) is not None and name not in kind.settings:
                raise ValueError(_("A %(type)s field has no setting %(name)s.", type=self.type, name=name))
        if self.unique and "unique" not in kind.settings:
            raise ValueError(_("A %(type)s field cannot be unique.", type=self.type))
        kind.check_definition(self)
        kind.check_default(self)
        if self.type == "relation" and not self.multiple:
            self.indexed = True  # every link is followed from the other side too
        return self


class TrashedField(BaseModel):
    """A deleted field: its data stays in its column until the field is purged."""

    model_config = ConfigDict(extra="forbid")
    field: FieldDef
    deleted_in: int = Field(description="The version that deleted it.")


class BackupColumn(BaseModel):
    """The column a type change left behind, with the values as they were."""

    model_config = ConfigDict(extra="forbid")
    field: FieldDef = Field(description="The field as it was before the change.")
    column: str
    version: int


class Permission(BaseModel):
    """What one role may do with the records of this form."""

    model_config = ConfigDict(extra="forbid")
    role: Key
    actions: list[Literal["create", "read", "update", "delete"]]
    scope: Literal["own", "department", "department_tree", "all"] | dict[str, Any] = "own"
    fields: dict[StableId, Literal["read", "write", "none"]] = Field(
        default_factory=dict, description="Per field: read only, or hidden. Unlisted fields: write.")


class Section(BaseModel):
    """A header that starts a part of the form."""

    model_config = ConfigDict(extra="forbid")
    id: StableId
    label: Label
    description: dict[str, str] | None = None
    show_when: dict[str, Any] | str | None = Field(default=None, description=(
        "Show the section and its fields only when this condition holds (formula text or an AST)."))


class Rule(BaseModel):
    """A validation rule: when its condition holds, the save is refused with its message."""

    model_config = ConfigDict(extra="forbid")
    id: StableId
    when: dict[str, Any] | str = Field(description="The condition that refuses the save (formula text or an AST).")
    message: Label
    field: str | None = Field(default=None, max_length=64, description=(
        "The field to show the message at (key or id; kept as id)."))


# Field types whose values duplicate detection can compare (stored as text in the row).
DUPLICATE_TYPES = ("text", "phone", "email")


class DuplicateMatch(BaseModel):
    """One way two records are the same: a field and how its values are compared."""

    model_config = ConfigDict(extra="forbid")
    field: StableId = Field(description="The field's id (a text, phone or email field).")
    how: Literal["phone", "email", "exact", "fuzzy"] = Field(description=(
        "phone: digits only, +86/0086 stripped; email: trimmed and lower-cased; exact: trimmed and "
        "lower-cased text; fuzzy: company-like names compared by rapidfuzz's token sort ratio after "
        "common suffixes (有限公司, Co., Ltd., Inc. ...) are stripped."))


class Duplicates(BaseModel):
    """Duplicate detection for the form's records (docs/forms.md#duplicates): a record is a
    likely duplicate of another when any one match holds."""

    model_config = ConfigDict(extra="forbid")
    match: list[DuplicateMatch] = Field(min_length=1, max_length=8)
    threshold: int = Field(default=90, ge=50, le=100, description=(
        "Fuzzy matches: the lowest score (0-100) that counts as a likely duplicate."))
    block: bool = Field(default=False, description=(
        "Refuse to save a record that has a likely duplicate (409 duplicate); else only warn."))


class FormShape(DefinitionModel):
    """A form: its fields, how they are laid out, its trash, and who may do what.

    The shape and the checks that need only the model and the field types; the checks
    that need the expression language are in ``checks.py``, and ``definition.FormDefinition``
    (the form kind's model) runs them."""

    fields: list[FieldDef] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    title_field: StableId | None = Field(default=None, description=(
        "The field that names a record in links, cards and pickers; else the first text field."))
    owner_field: StableId | None = Field(default=None, description=(
        "A person field whose user owns the record: the record's owner and department (what the "
        "row scopes own, department and department_tree read) follow it, the department being "
        "that user's main one. Blank: nobody owns the record. Without it, the creator owns it."))
    layout: list[list[StableId]] = Field(default_factory=list, description=(
        "Rows from top to bottom: one to three field ids side by side, or one section id alone. "
        "Fields in no row follow, one per row."))
    trash: list[TrashedField] = Field(default_factory=list)
    backups: list[BackupColumn] = Field(default_factory=list)
    permissions: list[Permission] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list, description="Validation rules, checked on every save.")
    duplicates: Duplicates | None = Field(default=None, description=(
        "Duplicate detection and merge: which fields identify a duplicate, and how."))

    @field_validator("fields")
    @classmethod
    def _ids_and_keys_unique(cls, fields: list[FieldDef]) -> list[FieldDef]:
        no_repeats(fields, "id")
        no_repeats(fields, "key")
        return fields

    @model_validator(mode="after")
    def _layout_fits(self) -> FormShape:
        fields, sections = {f.id for f in self.fields}, {s.id for s in self.sections}
        no_repeats(self.sections, "id")
        if fields & sections:
            raise ValueError(_("A section and a field share the id %(id)s.", id=sorted(fields & sections)[0]))
        if self.title_field is not None and self.title_field not in fields:
            raise ValueError(_("The title field %(id)s is not a field of the form.", id=self.title_field))
        owner = next((f for f in self.fields if f.id == self.owner_field), None)
        if self.owner_field is not None and (owner is None or owner.type != "user" or owner.multiple):
            raise ValueError(_("The owner field %(id)s must be a person field of the form holding one person.",
                               id=self.owner_field))
        placed: set[str] = set()
        for number, row in enumerate(self.layout, start=1):
            if not 1 <= len(row) <= 3:
                raise ValueError(_("Row %(n)s of the layout must hold one to three fields.", n=number))
            for id_ in row:
                if id_ not in fields | sections:
                    raise ValueError(_("Row %(n)s of the layout names an unknown element: %(id)s.",
                                       n=number, id=id_))
                if id_ in sections and len(row) > 1:
                    raise ValueError(_("Row %(n)s of the layout: a section stands alone in its row.", n=number))
                if id_ in placed:
                    raise ValueError(_("%(id)s is in the layout twice.", id=id_))
                placed.add(id_)
        return self

    @field_validator("duplicates")
    @classmethod
    def _duplicates_name_text_fields(cls, duplicates: Duplicates | None, info: ValidationInfo) -> Duplicates | None:
        # Checked on the setting (its problem is at $.duplicates, where the designer shows
        # it), against the fields validated before it.
        by_id = {f.id: f for f in info.data.get("fields") or []}
        for match in (duplicates.match if duplicates and "fields" in info.data else []):
            found = by_id.get(match.field)
            if found is None:
                raise ValueError(_("Duplicate detection names an unknown field: %(id)s.", id=match.field))
            if found.type not in DUPLICATE_TYPES:
                raise ValueError(_("Duplicate detection compares text, phone or email fields, not %(id)s.",
                                   id=match.field))
        return duplicates

    @model_validator(mode="after")
    def _trash_is_apart(self) -> FormShape:
        live = {f.id for f in self.fields}
        for item in self.trash:
            if item.field.id in live:
                raise ValueError(_("Field %(id)s is both in the form and in its trash.", id=item.field.id))
        return self
