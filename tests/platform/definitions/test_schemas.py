import json
from pathlib import Path

import jsonschema
import pytest

from brickwork.kinds import SCHEMAS
from brickwork.platform.definitions.schemas import dump, json_schema
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import Invalid
from brickwork.templates import CATALOG as templates
from tests.platform.definitions.test_store import CUSTOMERS, MODELS_ONLY

PUBLISHED = Path(__file__).resolve().parents[3] / "brickwork" / "platform" / "schemas"


def test_the_published_schemas_are_the_generated_ones(tmp_path):
    """Change a model, run `make schemas`, commit: the two never drift."""
    for path in dump(SCHEMAS, tmp_path):
        assert (PUBLISHED / path.name).read_text() == path.read_text(), f"run `make schemas` ({path.name})"


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_each_schema_is_a_valid_draft_2020_12_schema(kind):
    jsonschema.Draft202012Validator.check_schema(json_schema(kind, SCHEMAS[kind]))


@pytest.mark.parametrize("name", templates.available())
def test_the_shipped_templates_fit_the_published_schemas(name):
    document = templates.load(name)
    app, form = (jsonschema.Draft202012Validator(json.loads((PUBLISHED / f"{k}.schema.json").read_text()))
                 for k in ("app", "form"))
    assert list(app.iter_errors(document)) == []
    for body in document["definitions"]["form"]:
        assert list(form.iter_errors(body)) == [], body["key"]


def test_schema_and_model_agree_on_a_valid_and_an_invalid_form():
    validator = jsonschema.Draft202012Validator(json.loads((PUBLISHED / "form.schema.json").read_text()))
    assert list(validator.iter_errors(CUSTOMERS)) == []
    DefinitionStore(MODELS_ONLY).validate("form", CUSTOMERS)
    bad = {**CUSTOMERS, "fields": [{**CUSTOMERS["fields"][0], "type": "hologram"}]}
    assert list(validator.iter_errors(bad))
    with pytest.raises(Invalid):
        DefinitionStore(MODELS_ONLY).validate("form", bad)
