"""An OpenAPI document per app, with typed schemas per form (built from the field types'
own JSON Schemas), so a program can generate a client for its forms.

Names (title, operationIds, schema names) come from the app, form and field keys, so a
generated client keeps its classes when a label or the caller's language changes; labels
go only into descriptions (decision 0035). Generators name enum and object classes after a
schema's ``title``, so a label is a ``title`` only on plain scalar properties."""

from __future__ import annotations

from typing import Any

from brickwork import __version__
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.listing import MAX_LIMIT
from brickwork.platform.i18n import _, pick
from brickwork.platform.openapi_problems import PROBLEM_SCHEMA, problem_responses


def _name(form_key: str) -> str:
    return "".join(part.title() for part in form_key.split("_"))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable_string(fmt: str | None = None) -> dict[str, Any]:
    return {"type": ["string", "null"], **({"format": fmt} if fmt else {})}


META = {
    "type": "object",
    "properties": {
        "created_at": _nullable_string("date-time"), "created_by": {"type": ["integer", "null"]},
        "updated_at": _nullable_string("date-time"), "updated_by": {"type": ["integer", "null"]},
        "owner": {"type": ["integer", "null"]}, "department": {"type": ["integer", "null"]},
        "deleted_at": _nullable_string("date-time"), "flow_state": _nullable_string(),
        "display": {"type": "object", "additionalProperties": {"type": "string"}},
        # After a create or change of a form that detects duplicates (docs/forms.md#duplicates).
        "duplicates": {"type": ["object", "null"], "properties": {
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "title": {"type": ["string", "null"]}, "score": {"type": "integer"},
                "matched": {"type": "array", "items": {"type": "string"}}},
                "required": ["id", "score", "matched"]}},
            "hidden": {"type": "integer"}}, "required": ["items", "hidden"]},
    },
    "additionalProperties": False,
}


def _scalar(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    return "enum" not in schema and not kinds & {"object", "array", None}


def _property(field) -> dict[str, Any]:
    schema = dict(REGISTRY[field.type].json_schema(field))
    label = pick(field.label)
    if _scalar(schema):
        schema["title"] = label
    text = [label] + ([pick(field.description)] if field.description else []) + (
        [schema["description"]] if schema.get("description") else [])
    schema["description"] = " — ".join(t for t in text if t)
    return schema


def read_schema(definition: FormDefinition, name: str) -> dict[str, Any]:
    """A record as the records API returns it (computed fields included)."""
    properties: dict[str, Any] = {"id": {"type": "integer"}, "version": {"type": "integer"}}
    for f in definition.fields:
        properties[f.key] = {**_property(f), **({"readOnly": True} if REGISTRY[f.type].system else {})}
    properties["_meta"] = {**_ref("RecordMeta"), "description": _(
        "Created and updated (when, by whom), owner, department, approval state, and when it went "
        "to the recycle bin.")}
    return {"type": "object", "title": f"{name}Read", "description": pick(definition.label),
            "properties": properties, "required": ["id", "version"], "additionalProperties": False}


def _without_computed_columns(schema: dict[str, Any]) -> dict[str, Any]:
    """A sub-form's rows as sent: its computed columns are only read."""
    columns = schema.get("items", {}).get("properties")
    if not columns:
        return schema
    kept = {key: column for key, column in columns.items() if not column.get("readOnly")}
    return {**schema, "items": {**schema["items"], "properties": kept}}


def _writable(definition: FormDefinition) -> dict[str, Any]:
    return {f.key: _without_computed_columns(_property(f)) for f in definition.fields if not REGISTRY[f.type].system}


def create_schema(definition: FormDefinition, name: str) -> dict[str, Any]:
    required = [f.key for f in definition.fields if f.required and not REGISTRY[f.type].system]
    return {"type": "object", "title": f"{name}Create", "description": pick(definition.label),
            "properties": _writable(definition), **({"required": required} if required else {})}


def update_schema(definition: FormDefinition, name: str) -> dict[str, Any]:
    properties = {"version": {"type": "integer", "description": _(
        "The version the change was made on (as read); a newer one on the server is a 409. Programs "
        "that send it as If-Match instead may leave it out.")},
        **_writable(definition)}
    return {"type": "object", "title": f"{name}Update", "description": pick(definition.label),
            "properties": properties, "required": ["version"]}


def page_schema(name: str) -> dict[str, Any]:
    return {"type": "object", "title": f"{name}Page", "properties": {
        "items": {"type": "array", "items": _ref(f"{name}Read")},
        "next_cursor": {"type": ["string", "null"], "description": _("Send it as cursor for the next page.")},
        "total": {"type": ["integer", "null"], "description": _("How many match; on the first page only.")}},
        "required": ["items"]}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _fields_parameter() -> dict[str, Any]:
    return _query("fields", _("Only these field keys, separated by commas. Name id, version or _meta too and only "
                              "what is named comes (id always): fields=id,version."), {"type": "string"})


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description, "schema": {"type": "string"}}


def _prefer() -> dict[str, Any]:
    return _header("Prefer", _("return=minimal: answer only the record's id and version (RFC 7240)."))


def _if_match() -> dict[str, Any]:
    return _header("If-Match", _('The version you read, as the ETag of the record ("3"). If the body or the query '
                                 "gives a version too, both must be the same."))


def _headers(*names: str) -> dict[str, Any]:
    said = {"ETag": _('The record\'s version, quoted: "3". Send it back as If-Match.'),
            "Location": _("Where the new record is."),
            "Preference-Applied": _("return=minimal when the answer is minimal.")}
    return {name: {"description": said[name], "schema": {"type": "string"}} for name in names}


def _list_parameters() -> list[dict[str, Any]]:
    return [
        _query("filter", _("A condition in the expression language, as text, e.g. "
                           'stage = "won" AND amount > 100000, or as its JSON tree (fields by key), e.g. '
                           '{"fn": "=", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]}.'),
               {"type": "string"}),
        _query("sort", _("Field keys separated by commas; a leading minus sorts descending: name,-amount."),
               {"type": "string"}),
        _query("limit", _("Records per page, 1 to %(n)s.", n=MAX_LIMIT),
               {"type": "integer", "default": 50, "minimum": 1, "maximum": MAX_LIMIT}),
        _query("cursor", _("The next_cursor of the previous page."), {"type": "string"}),
        _fields_parameter(),
        _query("deleted", _("The recycle bin instead of the live records."), {"type": "boolean", "default": False}),
        _query("q", _("A text to find in any text-like field (case-insensitive)."), {"type": "string"}),
    ]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _paths(definition: FormDefinition, name: str, app_key: str) -> dict[str, Any]:
    label = pick(definition.label)
    minimal = _(" With Prefer: return=minimal, only its id and version.")
    read = _json(_ref(f"{name}Read"), _("The record"))
    base = f"/api/v1/apps/{app_key}/forms/{definition.key}/records"
    body = {"required": True, "content": {"application/json": {"schema": _ref(f"{name}Create")}}}
    return {base: {
        "get": {"summary": _("List: %(form)s", form=label), "operationId": f"list{name}",
                "parameters": _list_parameters(),
                "responses": {"200": _json(_ref(f"{name}Page"), _("A page of records")),
                              **problem_responses(401, 403, 404, 422)}},
        "post": {"summary": _("Create: %(form)s", form=label), "operationId": f"create{name}", "requestBody": body,
                 "parameters": [_fields_parameter(), _prefer()],
                 "responses": {"201": {**_json(_ref(f"{name}Read"), _("The record") + minimal),
                                       "headers": _headers("Location", "ETag", "Preference-Applied")},
                               **problem_responses(400, 401, 403, 404, 409, 422)}},
    }, f"{base}/{{id}}": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {"summary": _("Read: %(form)s", form=label), "operationId": f"get{name}",
                "parameters": [_query("deleted", _("Read it from the recycle bin."),
                                      {"type": "boolean", "default": False}), _fields_parameter()],
                "responses": {"200": {**read, "headers": _headers("ETag")}, **problem_responses(401, 403, 404, 422)}},
        # A change names the version it was made on (body or If-Match): without it the API answers
        # 422. A body that is not JSON at all (not UTF-8, say) is a 400, on create as on change.
        "patch": {"summary": _("Change: %(form)s", form=label), "operationId": f"update{name}",
                  "parameters": [_if_match(), _fields_parameter(), _prefer()],
                  "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(f"{name}Update")}}},
                  "responses": {"200": {**_json(_ref(f"{name}Read"), _("The record") + minimal),
                                        "headers": _headers("ETag", "Preference-Applied")},
                                **problem_responses(400, 401, 403, 404, 409, 422)}},
        "delete": {"summary": _("Delete: %(form)s", form=label), "operationId": f"delete{name}",
                   "parameters": [_query("version", _("The version as read; a newer one on the server is a 409."),
                                         {"type": "integer"}), _if_match(), _prefer()],
                   "responses": {"204": {"description": _("Moved to the recycle bin"),
                                         "headers": _headers("Preference-Applied")},
                                 **problem_responses(401, 403, 404, 409, 422)}},
    }}


def app_document(app_key: str, app_label: dict[str, str], forms: list[FormDefinition]) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA["Problem"], "FieldProblem": PROBLEM_SCHEMA["FieldProblem"],
                               "RecordMeta": META}
    paths: dict[str, Any] = {}
    for definition in forms:
        name = _name(definition.key)
        schemas[f"{name}Read"] = read_schema(definition, name)
        schemas[f"{name}Create"] = create_schema(definition, name)
        schemas[f"{name}Update"] = update_schema(definition, name)
        schemas[f"{name}Page"] = page_schema(name)
        paths |= _paths(definition, name, app_key)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"brickwork-{app_key}".replace("_", "-"), "version": __version__,
                 "description": pick(app_label) or app_key},
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
