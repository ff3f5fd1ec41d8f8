"""A record's marks: which date-relative rules have fired on it, and for which date
(decision 0051). They live in the record's own row, in the system column ``rule_marks``, a
JSON object of rule key → window (the value of the rule's date field when it fired, ``""``
for a rule over no date), so that a sweep writes a record's mark in the same UPDATE as the
values it sets: a marker row of its own in another table cost as much as the UPDATE.

Only the rules engine's sweeps read and write marks. They are bookkeeping, not data: a
mark changes no version, no ``updated_at``, writes no audit entry or event, and the API,
the views and exports never show them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, String, Table, cast, func, literal
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import ColumnElement

COLUMN = "rule_marks"
TYPE = JSON().with_variant(JSONB(), "postgresql")  # JSONB: its ``||`` and ``-`` set and drop one key


def mark_of(table: Table, rule: str) -> ColumnElement[Any]:
    """The rule's mark on each row, as text: None when the rule has not fired on it."""
    return table.c[COLUMN][rule].as_string()


def unmarked_by(table: Table, rule: str, dialect: str) -> ColumnElement[bool]:
    """The rows the rule has not marked. On PostgreSQL said with JSONB's ``?``, whose
    selectivity the planner guesses as most rows (it has no statistics on ``->>``, and
    guessed "IS NULL" of it as a few: a batch then read the rest of the table and sorted it)."""
    column = table.c[COLUMN]
    if dialect == "postgresql":
        return column.is_(None) | ~column.op("?", return_type=Boolean)(literal(rule, String))
    return mark_of(table, rule).is_(None)


def marked(table: Table, rule: str, window: Any, dialect: str) -> ColumnElement[Any]:
    """The row's marks with the rule's mark set to ``window``, the others kept."""
    column = table.c[COLUMN]
    if dialect == "postgresql":
        return func.coalesce(column, cast(literal("{}"), JSONB)).op("||", return_type=JSONB)(
            func.jsonb_build_object(literal(rule, String), window))
    return func.json_set(func.coalesce(column, "{}"), f'$."{rule}"', window, type_=JSON)


def unmarked(table: Table, rule: str, dialect: str) -> ColumnElement[Any]:
    """The row's marks without the rule's."""
    column = table.c[COLUMN]
    if dialect == "postgresql":
        return column.op("-", return_type=JSONB)(literal(rule, String))
    return func.json_remove(column, f'$."{rule}"', type_=JSON)
