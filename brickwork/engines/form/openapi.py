"""An OpenAPI document per app, with a typed schema per form (built from the field types'
own JSON Schemas), so a program can generate a client for its forms."""

from __future__ import annotations

from typing import Any

from brickwork import __version__
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.i18n import _, pick


def _problem() -> dict[str, Any]:
    return {"description": _("An error, one entry per field where fields are at fault"),
            "content": {"application/problem+json": {"schema": {"type": "object"}}}}


def _name(form_key: str) -> str:
    return "".join(part.title() for part in form_key.split("_"))


def record_schema(definition: FormDefinition) -> dict[str, Any]:
    """A record as the records API returns it (and, without the read-only parts, takes it)."""
    properties: dict[str, Any] = {"id": {"type": "integer", "readOnly": True},
                                  "version": {"type": "integer",
                                              "description": _("Send it back when you change the record.")}}
    for f in definition.fields:
        kind = REGISTRY[f.type]
        schema = {**kind.json_schema(f), "title": pick(f.label)}
        if f.description:
            schema["description"] = pick(f.description)
        if kind.system:
            schema["readOnly"] = True
        properties[f.key] = schema
    properties["_meta"] = {"type": "object", "readOnly": True, "description": _(
        "Created and updated (when, by whom), owner, department, and when it went to the recycle bin.")}
    return {"type": "object", "title": pick(definition.label), "properties": properties,
            "x-required-on-create": [f.key for f in definition.fields if f.required]}


def app_document(app_key: str, app_label: dict[str, str], forms: list[FormDefinition]) -> dict[str, Any]:
    schemas, paths = {}, {}
    for definition in forms:
        name = _name(definition.key)
        schemas[name] = record_schema(definition)
        ref = {"$ref": f"#/components/schemas/{name}"}
        problem = _problem()
        one = {"200": {"description": _("The record"), "content": {"application/json": {"schema": ref}}},
               "4XX": problem}
        base = f"/api/v1/apps/{app_key}/forms/{definition.key}/records"
        page = {"type": "object", "properties": {"items": {"type": "array", "items": ref},
                                                 "next_cursor": {"type": ["string", "null"]},
                                                 "total": {"type": ["integer", "null"]}}}
        paths[base] = {
            "get": {"summary": _("List: %(form)s", form=pick(definition.label)), "operationId": f"list{name}",
                    "responses": {"200": {"description": _("A page of records"),
                                          "content": {"application/json": {"schema": page}}}, "4XX": problem}},
            "post": {"summary": _("Create: %(form)s", form=pick(definition.label)), "operationId": f"create{name}",
                     "requestBody": {"content": {"application/json": {"schema": ref}}},
                     "responses": {"201": one["200"], "4XX": problem}},
        }
        paths[f"{base}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"operationId": f"get{name}", "responses": one},
            # A change names the version it was made on: without it the API answers 422.
            "patch": {"operationId": f"update{name}", "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"allOf": [ref, {"required": ["version"]}]}}}},
                "responses": one},
            "delete": {"operationId": f"delete{name}", "responses": {
                "204": {"description": _("Moved to the recycle bin")}, "4XX": problem}},
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": pick(app_label) or app_key, "version": __version__},
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
