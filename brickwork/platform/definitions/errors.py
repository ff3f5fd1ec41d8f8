"""pydantic's validation errors as (JSON path, code, message in the user's language)."""

from __future__ import annotations

from pydantic import ValidationError

from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _


def json_path(loc: tuple[int | str, ...]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This is required.")
    if kind == "extra_forbidden":
        return _("This property is not allowed here.")
    if kind == "string_pattern_mismatch":
        return _("Does not match the required pattern %(pattern)s.", pattern=ctx.get("pattern", ""))
    if kind == "string_too_long":
        return _("Too long: at most %(n)s characters.", n=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("Too short: at least %(n)s characters.", n=ctx.get("min_length"))
    if kind in ("literal_error", "enum"):
        return _("Must be one of: %(choices)s.", choices=ctx.get("expected", ""))
    if kind in ("string_type", "int_type", "int_parsing", "bool_type", "bool_parsing",
                "dict_type", "list_type", "float_type", "float_parsing", "model_type"):
        return _("Wrong type of value.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.", n=ctx.get("ge", ctx.get("gt", "")))
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.", n=ctx.get("le", ctx.get("lt", "")))
    if kind == "too_short":
        return _("Give at least %(n)s.", n=ctx.get("min_length", ""))
    if kind == "too_long":
        return _("Give at most %(n)s.", n=ctx.get("max_length", ""))
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [_error(e) for e in exc.errors(include_url=False)]


def _error(e: dict) -> FieldError:
    ctx = e.get("ctx") or {}
    if "start" in ctx:  # a formula's problem keeps its place in the text, for the editor to mark
        from brickwork.platform.expression.positions import FormulaError

        return FormulaError(json_path(tuple(e["loc"])), e["type"], _message(e), start=ctx["start"], end=ctx["end"])
    return FieldError(json_path(tuple(e["loc"])), e["type"], _message(e))
