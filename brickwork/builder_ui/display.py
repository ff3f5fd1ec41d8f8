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
from brickwork.platform.clock import app_zone
from brickwork.platform.i18n import _, current_locale
from brickwork.platform.models import Department, User

PEOPLE = {"user": User, "department": Department}


class Names:
    """Display names of the users and departments some records refer to, fetched in one
    query per kind for a whole page of records."""

    def __init__(self, session: Session, fields: Iterable[FieldDef], records: Iterable[dict[str, Any]]):
        wanted: dict[str, set[int]] = {kind: set() for kind in PEOPLE}
        people = [f for f in fields if f.type in PEOPLE]
        for record in records:
            for f in people:
                if isinstance(record.get(f.key), int):
                    wanted[f.type].add(record[f.key])
        self.names: dict[str, dict[int, str]] = {}
        for kind, ids in wanted.items():
            model = PEOPLE[kind]
            label = model.display_name if kind == "user" else model.name
            rows = session.execute(select(model.id, label).where(model.id.in_(ids))) if ids else []
            self.names[kind] = {row[0]: row[1] for row in rows}

    def of(self, kind: str, id_: int) -> str:
        return self.names.get(kind, {}).get(id_) or f"#{id_}"


def display(field: FieldDef, value: Any, names: Names | None = None) -> str:
    """The text a reader sees for a field's API value; blank is ''."""
    if value is None or value == [] or value == "":
        return ""
    locale = current_locale.get().replace("-", "_")
    kind = REGISTRY[field.type]
    if field.type in PEOPLE:
        return names.of(field.type, value) if names else f"#{value}"
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
