"""A user or a department of the organisation, by id. The record service checks that the
id exists (and that a user is active) in one query per save."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import BigInteger

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, blank, wrong_type
from brickwork.platform.db import whole_id
from brickwork.platform.i18n import _


class UserField(FieldType):
    name = "user"
    logical = "user"
    widget = "user"
    settings = frozenset({"default"})
    operators = ("=", "<>", "IN", "ISBLANK")
    references: ClassVar[str] = "users"
    dynamic_defaults = ("$me",)

    def column_type(self, field: FieldSettings):
        return BigInteger()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["integer", "null"]}

    def parse(self, field: FieldSettings, value: Any) -> int | None:
        if blank(value):
            return None
        if whole_id(value) is not None:
            return whole_id(value)
        raise wrong_type(_("an id"))  # 12.5 is no id: never cut it down to 12


class DepartmentField(UserField):
    name = "department"
    logical = "department"
    widget = "department"
    references = "departments"
    dynamic_defaults = ("$my_department",)
