"""The published JSON Schemas, generated from the pydantic models (one source of truth)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

SCHEMA_BASE = "urn:brickwork:schema:"


def json_schema(kind: str, model: type[BaseModel]) -> dict:
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}{kind}", **schema}


def dump(kinds: dict[str, type[BaseModel]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, model in sorted(kinds.items()):
        path = folder / f"{kind}.schema.json"
        path.write_text(json.dumps(json_schema(kind, model), indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
