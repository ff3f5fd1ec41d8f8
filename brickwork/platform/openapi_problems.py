"""The one Problem schema (RFC 9457, as platform/http/problems.py writes it) that both
OpenAPI documents declare for every error, so generated clients raise typed errors."""

from __future__ import annotations

from typing import Any

from brickwork.platform.i18n import _

PROBLEM_MEDIA = "application/problem+json"

PROBLEM_SCHEMA: dict[str, dict[str, Any]] = {
    "FieldProblem": {
        "type": "object", "title": "FieldProblem",
        "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
        "required": ["field", "code", "message"],
    },
    "Problem": {
        "type": "object", "title": "Problem",
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "code": {"type": "string"}, "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}},
        },
        "required": ["type", "title", "status", "code"],
    },
}


def _descriptions() -> dict[int, str]:
    return {400: _("The request is not valid."), 401: _("Sign-in required."), 403: _("You may not do this."),
            404: _("Not found."), 409: _("Conflict: changed meanwhile, or a duplicate."),
            413: _("Too large."), 422: _("The request is not valid; errors name each field at fault."),
            429: _("Too many requests."), 500: _("An unexpected error.")}


def problem_responses(*statuses: int) -> dict[str, Any]:
    """Responses for these statuses (and always 500), each a Problem as problem+json."""
    texts = _descriptions()
    return {str(status): {"description": texts.get(status, _("An error")), "content": {
        PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}}} for status in (*statuses, 500)}
