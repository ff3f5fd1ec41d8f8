"""Record values as people read them: option labels, names of users and departments, numbers
and dates in the reader's language. One place, used by every page that shows a record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.fieldtypes.computed import shape
from brickwork.engines.form.relations import record_titles
from brickwork.platform.clock import app_zone
from brickwork.platform.i18n import _, current_locale
from brickwork.platform.identity.users import Principal, shown_name
from brickwork.platform.models import Department, User

PEOPLE = {"user": User, "department": Department}


class Names:
    """Display names of the users and departments some records refer to, fetched in one
    query per kind for a whole page of records."""

    def __init__(self, session: Session, fields: Iterable[FieldDef], records: Iterable[dict[str, Any]],
                 app_key: str | None = None, *, who: Principal):
        wanted: dict[str, set[int]] = {kind: set() for kind in PEOPLE}
        # Linked records are named by their title field; ``app_key`` says where their forms are.
        # Only titles ``who`` may read: a record outside their scope is named ``#id``.
        links: dict[str, set[int]] = {}
        for f, value in _values(fields, records):
            if f.type in PEOPLE and isinstance(value, int):
                wanted[f.type].add(value)
            elif f.type == "relation" and app_key:
                ids = value if isinstance(value, list) else [value]
                links.setdefault(f.target, set()).update(i for i in ids if isinstance(i, int))
        self.titles = {target: record_titles(session, app_key, target, ids, who) for target, ids in links.items()}
        self.names: dict[str, dict[int, str]] = {}
        for kind, ids in wanted.items():
            model = PEOPLE[kind]
            label = model.display_name if kind == "user" else model.name
            rows = session.execute(select(model.id, label).where(model.id.in_(ids))) if ids else []
            self.names[kind] = {row[0]: shown_name(row[1]) if kind == "user" else row[1] for row in rows}

    def of(self, kind: str, id_: int) -> str:
        return self.names.get(kind, {}).get(id_) or f"#{id_}"

    def title(self, form_key: str, id_: int) -> str:
        return self.titles.get(form_key, {}).get(id_) or f"#{id_}"


def _values(fields: Iterable[FieldDef], records: Iterable[dict[str, Any]]) -> Iterable[tuple[FieldDef, Any]]:
    """Every (field, value) of some records, the cells of their sub-form rows included."""
    fields = list(fields)
    for record in records:
        for f in fields:
            value = record.get(f.key)
            if f.type == "subform" and isinstance(value, list):
                yield from _values(f.fields or [], [row for row in value if isinstance(row, dict)])
            else:
                yield f, value


def display(field: FieldDef, value: Any, names: Names | None = None) -> str:
    """The text a reader sees for a field's API value; blank is ''."""
    if value is None or value == [] or value == "":
        return ""
    if field.type in ("formula", "rollup"):  # shown as a field of its result's type
        plain = shape(field)[1]
        if field.currency and plain.type == "number":  # an amount: with its currency
            plain = plain.model_copy(update={"type": "money", "currency": field.currency})
        return display(plain, value, names)
    locale = current_locale.get().replace("-", "_")
    kind = REGISTRY[field.type]
    if field.type in PEOPLE:
        return names.of(field.type, value) if names else f"#{value}"
    if field.type == "relation":
        ids = value if isinstance(value, list) else [value]
        return ", ".join(names.title(field.target, i) if names else f"#{i}" for i in ids)
    if field.type == "subform":
        return _("%(n)s rows", n=len(value)) if isinstance(value, list) else ""
    if field.type == "boolean":
        return _("Yes") if value else _("No")
    try:
        logical = kind.parse(field, value)
    except FieldValueError:
        return str(value)  # a value stored before a rule tightened: shown as it is
    if field.type == "money":
        return format_currency(logical, field.currency or "CNY", locale=locale)
    if field.type == "percent":
        return format_decimal(logical, locale=locale) + "%"
    if isinstance(logical, Decimal) and field.type == "number":
        return format_decimal(logical, locale=locale, decimal_quantization=False)
    if isinstance(logical, datetime):
        return format_datetime(logical.astimezone(app_zone()), "short", locale=locale)
    if isinstance(logical, date):
        return format_date(logical, "medium", locale=locale)
    return kind.to_text(field, logical)
