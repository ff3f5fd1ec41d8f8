"""The form definition: what a builder draws, stored as JSON and published as a version."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brickwork.platform.definitions.base import DefinitionModel, Key, Label, StableId
from brickwork.platform.i18n import _

FieldType = Literal[
    "text", "textarea", "number", "money", "percent", "date", "datetime", "boolean",
    "select", "multiselect", "user", "department", "phone", "email", "url", "region",
    "rating", "attachment", "image", "autonumber",
]


class Option(BaseModel):
    """A choice of a select field; records store its id, so a rename breaks nothing."""

    model_config = ConfigDict(extra="forbid")
    id: StableId
    label: Label
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")


class FieldDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StableId
    key: Key
    label: Label
    type: FieldType
    description: dict[str, str] | None = None
    required: bool = False
    unique: bool = False
    options: list[Option] | None = None

    @model_validator(mode="after")
    def _options_only_for_selects(self) -> FieldDef:
        if self.type in SELECTS and not self.options:
            raise ValueError(_("A select field needs at least one option."))
        if self.type not in SELECTS and self.options is not None:
            raise ValueError(_("Only select fields have options."))
        if self.options:
            _no_repeats(self.options, "id")
        return self


SELECTS = ("select", "multiselect")


def _no_repeats(items: list[BaseModel], attr: str) -> None:
    seen: set[str] = set()
    for item in items:
        value = getattr(item, attr)
        if value in seen:
            raise ValueError(_("Two elements have the %(attr)s %(value)s.", attr=attr, value=value))
        seen.add(value)


class FormDefinition(DefinitionModel):
    """A form: its fields in order. The form engine turns it into a real table."""

    fields: list[FieldDef] = Field(default_factory=list)

    @field_validator("fields")
    @classmethod
    def _ids_and_keys_unique(cls, fields: list[FieldDef]) -> list[FieldDef]:
        _no_repeats(fields, "id")
        _no_repeats(fields, "key")
        return fields
