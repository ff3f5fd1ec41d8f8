"""The platform's /openapi.json as the server really answers: FastAPI declares its own
``HTTPValidationError`` under application/json for a 422 and leaves other errors bare, while
every error here is a Problem under application/problem+json (problems.py). Generated
clients parse what the document says, so each error response is rewritten to the one
Problem schema, and the statuses every API operation can meet are declared."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from brickwork.platform.openapi_problems import PROBLEM_MEDIA, PROBLEM_SCHEMA

METHODS = ("get", "put", "post", "patch", "delete")
# Every API call can be refused for its credentials, its grant, a missing thing, its input;
# a change can also meet a newer version or a duplicate (409).
ALWAYS = {"401": "Not signed in, or the token is unknown or revoked", "403": "Not allowed",
          "404": "Not found", "422": "Invalid input, one entry per field", "500": "An unexpected error"}
CHANGES = {"409": "Someone else changed it first, or it would be a duplicate"}
# A body that is not JSON at all (not UTF-8, say) is refused before any field is read.
UNREADABLE = {"400": "The request body could not be read"}
FASTAPI_ONLY = ("HTTPValidationError", "ValidationError", "ProblemOut")


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def normalise(spec: dict[str, Any]) -> dict[str, Any]:
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if path.startswith("/api/"):
                met = {**ALWAYS, **(CHANGES if method != "get" else {}),
                       **(UNREADABLE if "requestBody" in operation else {})}
                for status, text in met.items():
                    responses.setdefault(status, {"description": text})
            for status, response in responses.items():
                if status[0] in "45":
                    responses[status] = _problem(response.get("description") or "An error")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(PROBLEM_SCHEMA)
    for name in FASTAPI_ONLY:  # in order: the first refers to the second
        if name in schemas and f'"#/components/schemas/{name}"' not in json.dumps(spec):
            del schemas[name]
    return spec


def platform_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = normalise(get_openapi(title=app.title, version=app.version, routes=app.routes))
        return app.openapi_schema
    return openapi
