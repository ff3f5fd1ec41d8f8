"""The checks of a whole form that need the expression language: computed fields, picker
filters, form logic, the row conditions of permissions.

They sit a floor above the model (``model.py``), which they read, and below storage and
records. ``check_form`` is the form kind's check at save; ``definition.FormDefinition``
runs it as its last validator, so every save and publish checks a form the same way.
"""

from __future__ import annotations

from pydantic import ValidationError

from brickwork.engines.form.formulas import Targets, check_computed, field_infos
from brickwork.engines.form.logic import check_logic
from brickwork.engines.form.model import FormShape
from brickwork.engines.form.picker_filter import _ids, check_picker_filters
from brickwork.platform.errors import Invalid
from brickwork.platform.expression import parse_condition
from brickwork.platform.i18n import _


def check_form(definition: FormShape, forms: Targets | None = None) -> None:
    """Check a form whose shape is valid, in the order a save always has: computed fields,
    picker filters, logic, permissions. ``forms``: the app's forms (form key → fields), at
    publish, so formulas over relations to many are typed.

    Settles the definition in place (a formula's text is kept as its AST, with its result
    type). A problem raises pydantic's ``ValidationError`` at its JSON path (``fields[3].formula``;
    a problem of the whole form at the root), as a validator of the model would."""
    try:
        check_computed(definition, forms)
        check_picker_filters(definition, forms)
        _check_suggest(definition, forms)
        check_logic(definition)
        _check_permissions(definition)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError.from_exception_data(type(definition).__name__, [
            {"type": "value_error", "loc": (), "input": None, "ctx": {"error": exc}}]) from None


TEXTS = frozenset({"text", "textarea", "email", "phone", "url", "select"})  # what suggestions compare


def _check_suggest(definition: FormShape, forms: Targets | None) -> None:
    """A relation's ``suggest`` compares text fields of this form with text fields of the
    linked one (checked when the app's forms are known: at publish) under a valid filter."""
    by_key = {f.key: f for f in definition.fields}
    for f in definition.fields:
        if f.suggest is None:
            continue
        for key in f.suggest.source_fields:
            if key not in by_key or by_key[key].type not in TEXTS:
                raise ValueError(_("The suggestions of %(key)s compare %(name)s, which is no text field of this "
                                   "form.", key=f.key, name=key))
        fields = (forms or {}).get(f.target or "")
        if fields is None:
            continue
        theirs = {g.key: g for g in fields}
        for key in f.suggest.target_fields:
            if key not in theirs or theirs[key].type not in TEXTS:
                raise ValueError(_("The suggestions of %(key)s compare %(name)s, which is no text field of the "
                                   "linked form.", key=f.key, name=key))
        if f.suggest.filter is not None:
            try:
                parse_condition(_ids(fields, f.suggest.filter), field_infos(fields))
            except (Invalid, ValueError) as exc:
                raise ValueError(_("The suggestions' filter of %(key)s is not valid: %(reason)s",
                                   key=f.key, reason=str(exc))) from None


def _check_permissions(definition: FormShape) -> None:
    live = {f.id for f in definition.fields}
    for entry in definition.permissions:
        unknown = sorted(set(entry.fields) - live)
        if unknown:
            raise ValueError(_("The permission of %(role)s names unknown fields: %(ids)s.",
                               role=entry.role, ids=", ".join(unknown)))
        if isinstance(entry.scope, dict):
            try:
                parse_condition(entry.scope, field_infos(definition.fields))
            except Invalid as exc:
                raise ValueError(_("The row condition of %(role)s is not valid: %(reason)s",
                                   role=entry.role, reason=str(exc))) from None
