"""Every kind of definition, by name: the engines own the models, the top floor lists them."""

from brickwork.engines.form.appfile.document import AppDocument
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.schema_change import publish_hook
from brickwork.platform.definitions.base import DefinitionModel
from brickwork.platform.definitions.store import DefinitionStore, PublishHook

KINDS: dict[str, type[DefinitionModel]] = {"form": FormDefinition}
PUBLISH_HOOKS: dict[str, PublishHook] = {"form": publish_hook}
# The published JSON Schemas: each kind, and the outline of an app file (templates).
SCHEMAS: dict[str, type] = {**KINDS, "app": AppDocument}


def store() -> DefinitionStore:
    """The definitions store of every kind."""
    return DefinitionStore(KINDS, PUBLISH_HOOKS)
