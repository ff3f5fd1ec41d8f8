"""A field's settings: the bottom of the form engine, below the field types.

What a builder sets on a field, as data (``FieldSettings``), with its small parts (options,
linked data) and the checks that need nothing but the data. The field types are built on
it; the check that the settings fit the field's type sits a floor up, in ``model.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brickwork.platform.definitions.base import Key, Label, StableId
from brickwork.platform.i18n import _

FieldType = Literal[
    "text", "textarea", "number", "money", "percent", "date", "datetime", "boolean",
    "select", "multiselect", "user", "department", "phone", "email", "url", "region",
    "rating", "attachment", "image", "autonumber", "relation", "subform", "formula", "rollup", "lookup",
]
SETTINGS = ("default", "max_length", "scale", "currency", "min", "max", "pattern", "max_files",
            "max_size_mb", "accept", "levels", "options", "target", "multiple", "on_delete", "picker_filter", "suggest",
            "fields", "min_rows", "max_rows", "formula", "expression", "result", "source", "aggregate", "field",
            "condition", "relation")

# Names a record already uses for itself: the API's ``id``, ``version`` and ``_meta``, the
# system columns of the readable SQL view, the listing's system sort keys. A field under one
# of these keys would shadow it (or break the view), so no field may take it.
RESERVED_KEYS = frozenset({"id", "version", "created_at", "created_by", "updated_at", "updated_by",
                           "owner_id", "department_id", "flow_state", "deleted_at"})


SUBFORM_FIELDS = "A sub-form's columns: the fields of each row."


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


class Suggest(BaseModel):
    """A relation's suggestions: the linked form's records most like this record's text,
    shown on its page to link with one click (a ticket's knowledge articles)."""

    model_config = ConfigDict(extra="forbid")
    source_fields: list[str] = Field(min_length=1, max_length=5, description=(
        "Fields of this form (keys) whose text is compared: a ticket's title and description."))
    target_fields: list[str] = Field(min_length=1, max_length=5, description=(
        "Fields of the linked form (keys) compared with it: an article's title and content."))
    filter: dict[str, Any] | None = Field(default=None, description=(
        "Only linked records satisfying this condition over the linked form's fields (published = true)."))
    limit: int = Field(default=5, ge=1, le=20, description="How many suggestions at most.")


class FieldSettings(BaseModel):
    """A field as data: every setting of every type, and the checks that need nothing else.

    The field types (``fieldtypes/``) are built on it; ``model.FieldDef`` adds the check
    that the settings fit the type, which needs those field types."""

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
    suggest: Suggest | None = Field(default=None, description=(
        "A relation's page suggests linked records like this one (text similarity), to link in one click."))
    fields: list[FieldSettings] | None = Field(default=None, description=SUBFORM_FIELDS)
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


def no_repeats(items: list[BaseModel], attr: str) -> None:
    seen: set[str] = set()
    for item in items:
        value = getattr(item, attr)
        if value in seen:
            raise ValueError(_("Two elements have the %(attr)s %(value)s.", attr=attr, value=value))
        seen.add(value)
