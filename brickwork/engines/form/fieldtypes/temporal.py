"""Dates and date-times. Date-times are stored in UTC and read in the app time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, FieldValueError, blank, wrong_type
from brickwork.platform.clock import app_zone
from brickwork.platform.i18n import _

DATE_OPERATORS = ("=", "<>", "<", "<=", ">", ">=", "ISBLANK")
# 2024-07-01, 2024/7/1, 2024.7.1 and 2024年7月1日
LOOSE_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class DateField(FieldType):
    name = "date"
    logical = "date"
    widget = "date"
    settings = frozenset({"default"})
    dynamic_defaults = ("$today",)
    operators = DATE_OPERATORS

    def column_type(self, field: FieldSettings):
        return Date()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["string", "null"], "format": "date"}

    def parse(self, field: FieldSettings, value: Any) -> date | None:
        if blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise wrong_type(_("a date such as 2024-07-01"))
        found = LOOSE_DATE.match(value.strip())
        try:
            if found:
                return date(*(int(part) for part in found.groups()))
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            raise FieldValueError("date", _("This is not a date (2024-07-01).")) from None

    def to_api(self, field: FieldSettings, value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    def to_text(self, field: FieldSettings, value: date | None) -> str:
        return "" if value is None else value.isoformat()


class DateTimeField(FieldType):
    name = "datetime"
    logical = "datetime"
    widget = "datetime"
    settings = frozenset({"default"})
    dynamic_defaults = ("$now",)
    operators = DATE_OPERATORS

    def column_type(self, field: FieldSettings):
        return DateTime()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["string", "null"], "format": "date-time"}

    def parse(self, field: FieldSettings, value: Any) -> datetime | None:
        if blank(value):
            return None
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise FieldValueError(
                    "datetime", _("This is not a date and time (2024-07-01T09:30:00+08:00).")) from None
        else:
            raise wrong_type(_("a date and time"))
        if moment.tzinfo is None:  # a wall-clock time in the app's zone
            moment = moment.replace(tzinfo=app_zone())
        return moment.astimezone(UTC).replace(microsecond=0)

    def to_db(self, field: FieldSettings, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def from_db(self, field: FieldSettings, stored: datetime | None) -> datetime | None:
        return None if stored is None else stored.replace(tzinfo=UTC)

    def to_api(self, field: FieldSettings, value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def to_text(self, field: FieldSettings, value: datetime | None) -> str:
        return "" if value is None else value.astimezone(app_zone()).strftime("%Y-%m-%d %H:%M:%S")
