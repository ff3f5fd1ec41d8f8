"""The flow engine's entry in the kinds registry (kind ``flow``, installed after forms)."""

from __future__ import annotations

from brickwork.engines.flow.definition import FlowDefinition
from brickwork.platform.definitions.kinds import Kind

FLOW = Kind(name="flow", model=FlowDefinition, plural="flows", after=("form",))
