"""Lookup fields as SQL: the linked record's current value, a scalar sub-query over the
relation's column, correlated to the form's table (or a sub-form's rows). Reading records
selects them (onread.py); stored formulas over them compute with them (recompute.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.sql.util import ClauseAdapter

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import Form
from brickwork.platform.expression import TYPES, FieldInfo


@dataclass(frozen=True)
class Lookup:
    field: FieldDef
    target: FieldDef  # the looked-up field of the linked form
    value: ColumnElement  # correlated to the form's table

    @property
    def info(self) -> FieldInfo | None:
        kind = REGISTRY[self.target.type]
        value_type = kind.value_type(self.target)
        return FieldInfo(value_type, kind.value_scale(self.target)) if value_type in TYPES else None


def lookups(forms: dict[str, Form], form: Form,
            scope_of: Callable[[str], ColumnElement[bool]] | None = None) -> dict[str, Lookup]:
    """The form's lookups as sub-queries over its table (those that still resolve)."""
    return lookups_over(forms, form.definition.fields, form.table, scope_of)


def lookups_over(forms: dict[str, Form], fields: list[FieldDef], table,
                 scope_of: Callable[[str], ColumnElement[bool]] | None = None) -> dict[str, Lookup]:
    """The lookups among ``fields`` as sub-queries correlated to ``table``: a form's table,
    or a sub-form's rows (a lookup in a row follows a relation of the same row).

    With ``scope_of`` (a form key to the caller's read scope over that form's table), each
    reads only linked records the caller may read: one they may not looks up BLANK. Without
    it (recomputing stored values, which are the record's own), every linked record."""
    by_id = {f.id: f for f in fields}
    found = {}
    for f in fields:
        if f.type != "lookup":
            continue
        relation = by_id.get(f.relation or "")
        target_form = forms.get(relation.target or "") if relation is not None else None
        target = target_form.by_id.get(f.field or "") if target_form is not None else None
        if target is None or not storage.has_column(target):
            continue
        linked = target_form.table.alias(f"bw_lk_{f.id}")
        # the caller's scope, over the alias
        scope = [ClauseAdapter(linked).traverse(scope_of(target_form.key))] if scope_of is not None else []
        value = (select(linked.c[storage.column_name(target.id)])
                 .where(linked.c.id == table.c[storage.column_name(relation.id)], linked.c.deleted_at.is_(None),
                        *scope)
                 .scalar_subquery())
        found[f.id] = Lookup(f, target, value)
    return found
