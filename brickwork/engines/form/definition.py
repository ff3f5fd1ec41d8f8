"""The form definition: what a builder draws, stored as JSON and published as a version."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
        if self.type in ("select", "multiselect") and not self.options:
            raise ValueError(_("A select field needs at least one option."))
        return self


class FormDefinition(DefinitionModel):
    """A form: its fields in order. The form engine turns it into a real table."""

    fields: list[FieldDef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids_and_keys_unique(self) -> FormDefinition:
        for attr in ("id", "key"):
            seen: set[str] = set()
            for field in self.fields:
                value = getattr(field, attr)
                if value in seen:
                    raise ValueError(_("Two fields have the %(attr)s %(value)s.", attr=attr, value=value))
                seen.add(value)
        return self
