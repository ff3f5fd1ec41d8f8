"""A link to records of another form (or of the same one). To one: the record's id in a
column of this table, always indexed. To many: a junction table of (source, target) pairs,
indexed both ways, so either side finds its links without a scan. The record service
checks that linked records exist and applies ``on_delete`` when one goes to the bin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, FieldValueError, blank, wrong_type
from brickwork.platform.db import whole_id
from brickwork.platform.i18n import _

MAX_LINKS = 1000


class RelationField(FieldType):
    name = "relation"
    logical = "record"
    widget = "relation"
    settings = frozenset({"target", "multiple", "on_delete", "picker_filter", "suggest"})
    operators = ("=", "<>", "IN", "ISBLANK")

    def has_column(self, field: FieldSettings) -> bool:
        return not field.multiple

    def column_type(self, field: FieldSettings):
        return BigInteger()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        if field.multiple:
            return {"type": "array", "items": {"type": "integer"}, "uniqueItems": True, "maxItems": MAX_LINKS}
        return {"type": ["integer", "null"]}

    def parse(self, field: FieldSettings, value: Any) -> int | list[int] | None:
        if not field.multiple:
            return None if blank(value) else _record_id(value)
        if blank(value):
            return None
        if not isinstance(value, list):
            raise wrong_type(_("a list of record ids"))
        ids = list(dict.fromkeys(_record_id(v) for v in value))  # in the order given, once each
        if len(ids) > MAX_LINKS:
            raise FieldValueError("too_many", _("Link at most %(n)s records.", n=MAX_LINKS))
        return ids

    def to_text(self, field: FieldSettings, value: Any) -> str:
        if value is None:
            return ""
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)

    def from_text(self, field: FieldSettings, text: str) -> Any:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return self.parse(field, parts if field.multiple else (parts[0] if parts else None))

    def check_definition(self, field: FieldSettings) -> None:
        if field.target is None:
            raise ValueError(_("A relation names the form it links to (target)."))


def _record_id(value: Any) -> int:
    if whole_id(value) is not None:
        return whole_id(value)
    raise wrong_type(_("a record id"))
