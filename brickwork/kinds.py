"""Every kind of definition: each engine registers its entry in its own module (its
``kind.py``); the top floor lists them here and hands the registry down. Print templates
are a connector's (they render through WeasyPrint)."""

import brickwork.connectors.installed  # noqa: F401  (every connector registers its entry, actions, tasks)
from brickwork.connectors.printing.model import PRINT
from brickwork.engines.flow.kind import FLOW
from brickwork.engines.form.kind import FORM
from brickwork.engines.report.kind import DASHBOARD, REPORT
from brickwork.engines.rules.kind import RULE
from brickwork.platform.appfile.document import outline
from brickwork.platform.definitions.kinds import KindRegistry
from brickwork.platform.definitions.store import DefinitionStore

REGISTRY = KindRegistry([FORM, RULE, REPORT, DASHBOARD, FLOW, PRINT])
# The published JSON Schemas: each kind, and the outline of an app file (templates).
SCHEMAS: dict[str, type] = {**{entry.name: entry.model for entry in REGISTRY}, "app": outline(REGISTRY)}


def store() -> DefinitionStore:
    """The definitions store of every kind."""
    return DefinitionStore(REGISTRY)
