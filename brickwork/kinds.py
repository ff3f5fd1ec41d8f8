"""Every kind of definition, by name: the engines own the models, the top floor lists them."""

from brickwork.engines.form.definition import FormDefinition
from brickwork.platform.definitions.base import DefinitionModel

KINDS: dict[str, type[DefinitionModel]] = {"form": FormDefinition}
