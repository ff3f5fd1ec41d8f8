"""The flow definition (kind ``flow``): an approval flow over one form, drawn as a tree.

The designer draws what DingTalk and Feishu users know: a vertical chain of nodes from the
start to the end; a condition group or a parallel group fans out into branches that close
at the end of the group (the group's ``next`` follows them all). Because every branch closes
inside its own group, joins are well nested by construction (engine-semantics §1.1).

Node types, approver sources, multi-approver modes and actions are entries of open
registries (``nodes.py``, ``approvers.py``, ``modes.py``, ``actions.py``): the model keeps a
node's own settings as given and its registry entry checks them at save and publish.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from brickwork.platform.definitions.base import DefinitionModel, Key, Label
from brickwork.platform.i18n import _

NodeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
"""A node's id: given by the designer once and never changed. Running instances, timeline
entries and field permissions point at it, and a new version keeps it for the same step."""

MAX_NODES = 200
MAX_DEPTH = 40  # nesting of groups: a tree drawn by hand never comes near


class Branch(BaseModel):
    """One branch of a group: its first node (None: an empty branch, straight to the group's next)."""

    model_config = ConfigDict(extra="forbid")
    id: NodeId
    label: Label | None = None
    # Condition groups: the branch's condition (expression-language AST, refs by field key or id).
    # Tried in list order, the first true wins; the group's ``default`` has none.
    condition: dict[str, Any] | None = None
    node: Node | None = None


class Node(BaseModel):
    """A step. ``type`` is a key of the node registry; its other settings are that entry's.

    Groups (``condition_group``, ``parallel_group``) have ``branches`` (and a condition group a
    ``default``); every node has the ``next`` node of the chain it is in (None: the end of
    that chain; the end of the root chain is the flow's end)."""

    model_config = ConfigDict(extra="allow")
    id: NodeId
    type: str = Field(min_length=1, max_length=32)
    label: Label | None = None
    branches: list[Branch] = Field(default_factory=list, max_length=20)
    default: Branch | None = None
    next: Node | None = None


class Initiators(BaseModel):
    """Who may start the flow: everyone who may create the form's records, or those listed."""

    model_config = ConfigDict(extra="forbid")
    everyone: bool = True
    users: list[int] = Field(default_factory=list)
    departments: list[int] = Field(default_factory=list)  # and the departments below them
    roles: list[Key] = Field(default_factory=list)  # app roles


class FlowSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # When the initiator may withdraw (撤回): never, until an approver acted, or while running.
    withdraw: Literal["never", "until_first_action", "while_running"] = "until_first_action"
    # The same approver met again later (去重): approve for them where §1.7 allows it.
    dedupe: Literal["none", "consecutive", "processed_anywhere"] = "processed_anywhere"
    # After a return and resubmit: the whole path again, or straight back to who returned it.
    return_resume: Literal["restart_path", "resume_at_returner"] = "restart_path"
    # Flow administrators (user ids): they get tasks no one else can take, and may intervene.
    admins: list[int] = Field(default_factory=list)


class FlowDefinition(DefinitionModel):
    """An approval flow bound to one form of the app."""

    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label
    form: Key
    enabled: bool = True
    initiators: Initiators = Field(default_factory=Initiators)
    settings: FlowSettings = Field(default_factory=FlowSettings)
    root: Node

    @model_validator(mode="after")
    def _starts_at_start(self) -> FlowDefinition:
        if self.root.type != "start":
            raise ValueError(_("A flow begins with its start node."))
        return self


def walk(node: Node | None, depth: int = 0):
    """Every node of a chain and of the groups in it, parents before children."""
    while node is not None:
        if depth > MAX_DEPTH:
            raise ValueError(_("The flow nests groups too deep."))
        yield node
        for branch in [*node.branches, *([node.default] if node.default else [])]:
            yield from walk(branch.node, depth + 1)
        node = node.next


Branch.model_rebuild()
Node.model_rebuild()
