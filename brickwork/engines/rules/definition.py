"""The rule definition (kind ``rule``): what its trigger is, when it acts, what it does.

Triggers and actions are entries of open registries (triggers.py, actions.py): the model
keeps their settings as given and each registry entry checks its own at save time.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brickwork.platform.definitions.base import DefinitionModel, Key, Label
from brickwork.platform.i18n import _

MAX_ACTIONS = 50


class Trigger(BaseModel):
    """``type`` is a key of the trigger registry; the other settings are that entry's."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1, max_length=32)
    form: Key | None = None


class Action(BaseModel):
    """``type`` is a key of the action registry; the other settings are that entry's."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1, max_length=32)


class RuleDefinition(DefinitionModel):
    """An automation rule of an app."""

    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label
    enabled: bool = True
    order: int = Field(default=100, ge=0, le=10000)  # several rules on one event: lower first
    trigger: Trigger
    # The condition (expression-language AST, refs by field key or id); None: always.
    condition: dict[str, Any] | None = None
    # update triggers with a condition: fire only when it turns true (default), or whenever it holds.
    mode: Literal["became_true", "whenever"] = "became_true"
    actions: list[Action] = Field(default_factory=list, max_length=MAX_ACTIONS)
    # Whose permissions the actions have: the author's (who published it) or the system's.
    run_as: Literal["author", "system"] = "author"
    # Whether imports and bulk edits start it (they emit events either way).
    run_on_bulk: bool = True
    roles: list[Key] = Field(default_factory=list)  # button trigger: who may press it (empty: editors)

    @field_validator("actions")
    @classmethod
    def _some_action(cls, actions: list[Action]) -> list[Action]:
        if not actions:
            raise ValueError(_("Give the rule at least one action."))
        return actions
