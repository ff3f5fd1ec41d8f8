"""The form definition: what a builder draws, stored as JSON and published as a version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from brickwork.platform.definitions.base import DefinitionModel, Key, Label, StableId
from brickwork.platform.i18n import _

FieldType = Literal[
    "text", "textarea", "number", "money", "percent", "date", "datetime", "boolean",
    "select", "multiselect", "user", "department", "phone", "email", "url", "region",
    "rating", "attachment", "image", "autonumber", "relation", "subform", "formula", "rollup", "lookup",
]
SETTINGS = ("default", "max_length", "scale", "currency", "min", "max", "pattern", "max_files",
            "max_size_mb", "accept", "levels", "options", "target", "multiple", "on_delete", "picker_filter", "fields",
            "min_rows", "max_rows", "formula", "expression", "result", "source", "aggregate", "field",
            "condition", "relation")

# Names a record already uses for itself: the API's ``id``, ``version`` and ``_meta``, the
# system columns of the readable SQL view, the listing's system sort keys. A field under one
# of these keys would shadow it (or break the view), so no field may take it.
RESERVED_KEYS = frozenset({"id", "version", "created_at", "created_by", "updated_at", "updated_by",
                           "owner_id", "department_id", "flow_state", "deleted_at"})


class Option(BaseModel):
    """A choice of a select field; records store its id, so a rename breaks nothing."""

    model_config = ConfigDict(extra="forbid")
    id: StableId
    label: Label
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")


class FillMatch(BaseModel):
    """One condition of linked data: a field of this form equals a field of the other form."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(max_length=64, description="A field of this form (key or id; kept as id): the trigger.")
    equals: str = Field(max_length=64, description="A field of the other form (key or id), or `id` (its record id).")


class FillFrom(BaseModel):
    """Linked data (数据联动): when a trigger changes, the page fills the field once from the
    most recently updated matching record of another form (a snapshot, unlike a lookup)."""

    model_config = ConfigDict(extra="forbid")
    form: Key = Field(description="The other form, in the same app.")
    match: list[FillMatch] = Field(min_length=1, max_length=5)
    take: str = Field(max_length=64, description="The other form's field whose value fills this one (key or id).")


class FieldDef(BaseModel):
    """A field. The type-specific settings are checked by the field type registry."""

    model_config = ConfigDict(extra="forbid")
    id: StableId
    key: Key
    label: Label
    type: FieldType
    description: dict[str, str] | None = None
    placeholder: dict[str, str] | None = Field(default=None, description="The hint shown in an empty input.")
    required: bool = False
    unique: bool = False
    indexed: bool = Field(default=False, description="Index the column: for fields views filter or sort on.")
    default: Any = None
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    scale: int | None = Field(default=None, ge=0, le=8)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    min: Decimal | None = None
    max: Decimal | None = None
    pattern: str | None = Field(default=None, max_length=64)
    max_files: int | None = Field(default=None, ge=1, le=100)
    max_size_mb: int | None = Field(default=None, ge=1, le=1024)
    accept: list[str] | None = None
    levels: Literal["province", "city", "district"] | None = None
    options: list[Option] | None = None
    target: Key | None = Field(default=None, description="A relation's form, in the same app.")
    multiple: bool | None = Field(default=None, description="A relation to many records (a junction table).")
    on_delete: Literal["block", "clear", "cascade"] | None = Field(default=None, description=(
        "When a linked record goes to the recycle bin: refuse (block, the default), unlink (clear), "
        "or send this record to the bin too (cascade)."))
    picker_filter: dict[str, Any] | None = Field(default=None, description=(
        "A relation's picker lists only linked records satisfying this condition over the linked form's "
        "fields, in which {\"var\": \"$record.<key>\"} is a field of this record; saving refuses others."))
    fields: list[FieldDef] | None = Field(default=None, description="A sub-form's columns: the fields of each row.")
    min_rows: int | None = Field(default=None, ge=0, le=1000)
    max_rows: int | None = Field(default=None, ge=1, le=1000)
    # Computed fields (docs/forms.md "Computed fields"): formula, rollup, lookup.
    formula: str | None = Field(default=None, max_length=4000, description=(
        "A formula's text, fields named by key or label; saved as `expression`."))
    expression: dict[str, Any] | None = Field(default=None, description=(
        "A formula as the expression AST, fields by id (what is kept: renames break nothing)."))
    result: Literal["number", "text", "boolean", "date", "datetime"] | None = Field(default=None, description=(
        "The type of a formula's or rollup's value; set by the server."))
    source: str | None = Field(default=None, max_length=130, description=(
        "A rollup's records: a relation to many or a sub-form of this form, or `form_key.relation_key` "
        "(the records of another form that link here)."))
    aggregate: Literal["count", "sum", "avg", "min", "max", "earliest", "latest"] | None = None
    field: str | None = Field(default=None, max_length=64, description=(
        "A rollup's aggregated field or a lookup's shown field, of the other form (key or id; kept as id)."))
    condition: dict[str, Any] | str | None = Field(default=None, description=(
        "A rollup's condition over the other form's fields: an expression AST or formula text."))
    relation: str | None = Field(default=None, max_length=64, description=(
        "A lookup's relation to one record, a field of this form (key or id; kept as id)."))
    # Form logic (docs/forms.md "Form logic"): visibility.
    show_when: dict[str, Any] | str | None = Field(default=None, description=(
        "Show the field only when this condition holds: formula text or an expression AST (kept as the AST)."))
    keep_when_hidden: bool = Field(default=False, description=(
        "Keep the value when a visibility rule hides the field (else it is cleared on save)."))
    fill_from: FillFrom | None = Field(default=None, description=(
        "Linked data: fill this field from a matching record of another form when its triggers change."))

    @field_validator("key")
    @classmethod
    def _not_reserved(cls, key: str) -> str:
        if key in RESERVED_KEYS:
            raise ValueError(_("%(key)s is a name every record already has; choose another key.", key=key))
        return key

    @model_validator(mode="after")
    def _settings_fit_the_type(self) -> FieldDef:
        # Imported here: the registry's entries are built on FieldDef.
        from brickwork.engines.form.fieldtypes import REGISTRY

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


class FormDefinition(DefinitionModel):
    """A form: its fields, how they are laid out, its trash, and who may do what."""

    fields: list[FieldDef] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    title_field: StableId | None = Field(default=None, description=(
        "The field that names a record in links, cards and pickers; else the first text field."))
    layout: list[list[StableId]] = Field(default_factory=list, description=(
        "Rows from top to bottom: one to three field ids side by side, or one section id alone. "
        "Fields in no row follow, one per row."))
    trash: list[TrashedField] = Field(default_factory=list)
    backups: list[BackupColumn] = Field(default_factory=list)
    permissions: list[Permission] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list, description="Validation rules, checked on every save.")

    @field_validator("fields")
    @classmethod
    def _ids_and_keys_unique(cls, fields: list[FieldDef]) -> list[FieldDef]:
        no_repeats(fields, "id")
        no_repeats(fields, "key")
        return fields

    @model_validator(mode="after")
    def _layout_fits(self) -> FormDefinition:
        fields, sections = {f.id for f in self.fields}, {s.id for s in self.sections}
        no_repeats(self.sections, "id")
        if fields & sections:
            raise ValueError(_("A section and a field share the id %(id)s.", id=sorted(fields & sections)[0]))
        if self.title_field is not None and self.title_field not in fields:
            raise ValueError(_("The title field %(id)s is not a field of the form.", id=self.title_field))
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

    @model_validator(mode="after")
    def _trash_is_apart(self) -> FormDefinition:
        live = {f.id for f in self.fields}
        for item in self.trash:
            if item.field.id in live:
                raise ValueError(_("Field %(id)s is both in the form and in its trash.", id=item.field.id))
        return self

    @model_validator(mode="after")
    def _formulas_are_valid(self, info: ValidationInfo) -> FormDefinition:
        # Imported here: formulas are checked against field types built on this model.
        from brickwork.engines.form.formulas import check_computed

        # At publish the context holds the app's forms (formulas over relations to many).
        check_computed(self, (info.context or {}).get("forms"))
        from brickwork.engines.form.picker_filter import check_picker_filters  # built on this model

        check_picker_filters(self, (info.context or {}).get("forms"))
        return self

    @model_validator(mode="after")
    def _logic_is_valid(self) -> FormDefinition:
        from brickwork.engines.form.logic import check_logic  # built on this model

        check_logic(self)
        return self

    @model_validator(mode="after")
    def _permissions_fit_the_fields(self) -> FormDefinition:
        # Imported here: conditions are built on forms, which are built on this model.
        from brickwork.engines.form.conditions import field_infos
        from brickwork.platform.errors import Invalid
        from brickwork.platform.expression import parse_condition

        live = {f.id for f in self.fields}
        for entry in self.permissions:
            unknown = sorted(set(entry.fields) - live)
            if unknown:
                raise ValueError(_("The permission of %(role)s names unknown fields: %(ids)s.",
                                   role=entry.role, ids=", ".join(unknown)))
            if isinstance(entry.scope, dict):
                try:
                    parse_condition(entry.scope, field_infos(self.fields))
                except Invalid as exc:
                    raise ValueError(_("The row condition of %(role)s is not valid: %(reason)s",
                                       role=entry.role, reason=str(exc))) from None
        return self


def no_repeats(items: list[BaseModel], attr: str) -> None:
    seen: set[str] = set()
    for item in items:
        value = getattr(item, attr)
        if value in seen:
            raise ValueError(_("Two elements have the %(attr)s %(value)s.", attr=attr, value=value))
        seen.add(value)
