"""A relation's ``picker_filter``: a condition over the linked form's fields in which
``{"var": "$record.<key>"}`` stands for a field of the record being edited (on a quote,
``opportunity`` lists only opportunities of the quote's ``customer``). The picker narrows its
list with the values the page sends; the record service refuses, on save, a link that does
not satisfy it. A referenced value that is blank narrows nothing (choose the customer later)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from brickwork.engines.form.formulas import field_infos
from brickwork.engines.form.model import FieldDef, FormShape
from brickwork.platform.errors import Invalid
from brickwork.platform.expression import parse_condition
from brickwork.platform.i18n import _

PREFIX = "$record."
# The field types a ``$record.`` value may come from, and the literal type each becomes.
LITERALS = {"relation": "record", "user": "user", "department": "department", "select": "choice",
            "text": "text", "phone": "text", "email": "text", "number": "number", "date": "date",
            "boolean": "boolean", "autonumber": "text"}


def record_keys(data: Any) -> set[str]:
    """The keys of this record's fields the condition reads."""
    if isinstance(data, dict):
        var = data.get("var")
        found = {var[len(PREFIX):]} if isinstance(var, str) and var.startswith(PREFIX) else set()
        return found.union(*(record_keys(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(record_keys(v) for v in data)) if data else set()
    return set()


def check_picker_filters(definition: FormShape, targets: dict[str, list[FieldDef]] | None) -> None:
    """Each ``$record.`` names a field of this form that can be compared; at publish
    (``targets``: the app's forms' fields) the condition must also type-check over the
    linked form."""
    by_key = {f.key: f for f in definition.fields}
    for f in definition.fields:
        if any(child.picker_filter is not None for child in f.fields or []):
            raise ValueError(_("A relation in a sub-form cannot have a picker filter yet: %(key)s.", key=f.key))
        if f.picker_filter is None:
            continue
        if f.multiple:
            raise ValueError(_("A picker filter needs a relation to one record: %(key)s.", key=f.key))
        for key in sorted(record_keys(f.picker_filter)):
            other = by_key.get(key)
            if other is None or other.type not in LITERALS or (other.type == "relation" and other.multiple):
                raise ValueError(_("The picker filter of %(key)s names %(name)s, which is no field of this form "
                                   "it can compare.", key=f.key, name=PREFIX + key))
        fields = (targets or {}).get(f.target or "")
        if fields is not None:
            _check_over(f, fields, {key: None for key in record_keys(f.picker_filter)}, by_key)


def _check_over(f: FieldDef, fields: list[FieldDef], values: dict[str, Any], by_key: dict[str, FieldDef]) -> None:
    try:
        parse_condition(_ids(fields, bind(f.picker_filter, values, by_key, blank_ok=True)), field_infos(fields))
    except Invalid as problem:
        reason = "; ".join(f"{e.field}: {e.message}" for e in problem.errors) or problem.title
        raise ValueError(_("The picker filter of %(key)s is not valid: %(reason)s", key=f.key, reason=reason)) from None
    except ValueError as problem:  # a malformed AST
        raise ValueError(_("The picker filter of %(key)s is not valid: %(reason)s", key=f.key,
                           reason=str(problem))) from None


def _ids(fields: list[FieldDef], data: Any) -> Any:
    """Refs by key as refs by id, over the linked form's fields."""
    by_key = {f.key: f.id for f in fields}
    if isinstance(data, dict):
        if isinstance(data.get("ref"), str) and data["ref"] in by_key:
            return {**data, "ref": by_key[data["ref"]]}
        return {k: _ids(fields, v) for k, v in data.items()}
    if isinstance(data, list):
        return [_ids(fields, v) for v in data]
    return data


def bind(data: Any, values: dict[str, Any], by_key: dict[str, FieldDef], *, blank_ok: bool = False) -> Any:
    """The condition with each ``$record.<key>`` replaced by that field's value (logical,
    by key) as a literal; None when one of them is blank, unless ``blank_ok``."""
    if isinstance(data, dict):
        var = data.get("var")
        if isinstance(var, str) and var.startswith(PREFIX):
            f = by_key[var[len(PREFIX):]]
            value = values.get(f.key)
            if value is None and not blank_ok:
                raise Blank
            return {"lit": _json(value), "type": LITERALS[f.type]}
        return {k: bind(v, values, by_key, blank_ok=blank_ok) for k, v in data.items()}
    if isinstance(data, list):
        return [bind(v, values, by_key, blank_ok=blank_ok) for v in data]
    return data


class Blank(Exception):
    """A referenced value is blank: the filter narrows nothing."""


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
