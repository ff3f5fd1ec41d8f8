"""Region, attachments and images, auto-numbers."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import JSONB

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, FieldValueError, blank, wrong_type
from brickwork.engines.form.regions import region_codes, region_names
from brickwork.platform.i18n import _

LEVELS = ("province", "city", "district")
CODE = re.compile(r"^[0-9]{6}$")  # \d would take "٣١٠٠٠٠" too
AUTONUMBER_TOKEN = re.compile(r"\{(yyyy|yy|mm|dd|0+)\}")


class RegionField(FieldType):
    """Province / city / district by GB/T 2260 code, stored as one path ``330000/330100/330106``
    so "in this province" is a prefix match."""

    name = "region"
    logical = "text"
    widget = "region"
    settings = frozenset({"default", "levels"})
    operators = ("=", "STARTSWITH", "ISBLANK")

    def column_type(self, field: FieldSettings):
        return String(32)

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        props = {level: {"type": "string", "pattern": "^[0-9]{6}$"} for level in LEVELS}
        return {"type": ["object", "null"], "properties": props, "required": ["province"]}

    def parse(self, field: FieldSettings, value: Any) -> str | None:
        if blank(value) or value == {}:
            return None
        if isinstance(value, str):
            value = dict(zip(LEVELS, _codes(value), strict=False))
        if not isinstance(value, dict) or set(value) - set(LEVELS):
            raise wrong_type(_("a province, city and district"))
        depth = LEVELS.index(field.levels or "district") + 1
        codes = [value.get(level) for level in LEVELS[:depth]]
        while codes and not codes[-1]:
            codes.pop()
        if not codes or None in codes or not all(isinstance(c, str) and CODE.match(c) for c in codes):
            raise FieldValueError("region", _("Give six-digit region codes, the province first."))
        # A city lies in its province, a district in its city: the codes share their prefix.
        for upper, lower, width in zip(codes, codes[1:], (2, 4), strict=False):
            if lower[:width] != upper[:width]:
                raise FieldValueError("region", _("The city or district is not in the region above it."))
        return "/".join(codes)

    def to_api(self, field: FieldSettings, value: str | None) -> dict[str, str] | None:
        return None if value is None else dict(zip(LEVELS, value.split("/"), strict=False))

    def to_text(self, field: FieldSettings, value: str | None) -> str:
        """Names as people read them: ``上海市 / 上海市 / 浦东新区``."""
        return "" if value is None else " / ".join(region_names(value))


def _codes(text: str) -> list[str]:
    """``310000/310100`` or names as people write them (``上海市 / 上海市 / 浦东新区``, what
    exports and pages show) as codes, the province first."""
    parts = [part.strip() for part in text.replace("／", "/").split("/")]
    if all(CODE.match(part) for part in parts if part):
        return parts
    codes = region_codes([part for part in parts if part])
    if codes is None:
        raise FieldValueError("region", _("No such region: %(text)s. Give names or six-digit codes, "
                                          "the province first.", text=text.strip()))
    return codes


class AttachmentField(FieldType):
    """Files uploaded first (``POST /api/v1/files``), then referred to by id. The record
    service checks each file's type and size against the field."""

    name = "attachment"
    logical = "files"
    widget = "attachment"
    settings = frozenset({"max_files", "max_size_mb", "accept"})
    operators = ("ISBLANK",)

    def column_type(self, field: FieldSettings):
        return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["array", "null"], "items": {"type": "string"}, "maxItems": field.max_files or 20}

    def parse(self, field: FieldSettings, value: Any) -> list[str] | None:
        if blank(value):
            return None
        if not isinstance(value, list):
            raise wrong_type(_("a list of file ids"))
        ids = [item["id"] if isinstance(item, dict) and "id" in item else item for item in value]
        if not all(isinstance(i, str) and i for i in ids):
            raise wrong_type(_("a list of file ids"))
        ids = list(dict.fromkeys(ids))
        if len(ids) > (field.max_files or 20):
            raise FieldValueError("max_files", _("At most %(n)s files.", n=field.max_files or 20))
        return ids

    def to_text(self, field: FieldSettings, value: list[str] | None) -> str:
        return ", ".join(value or [])

    def from_text(self, field: FieldSettings, text: str) -> list[str] | None:
        return self.parse(field, [part.strip() for part in text.split(",") if part.strip()])

    def accepts(self, field: FieldSettings, mime: str) -> bool:
        allowed = field.accept
        if not allowed:
            return True
        return any(mime == a or (a.endswith("/*") and mime.startswith(a[:-1])) for a in allowed)


class ImageField(AttachmentField):
    name = "image"
    widget = "image"

    def accepts(self, field: FieldSettings, mime: str) -> bool:
        return mime.startswith("image/") and super().accepts(field, mime)


class AutoNumberField(FieldType):
    """``KH-{yyyy}{mm}-{0000}``: the server numbers records, gap-free, per period (the
    finest date token: a day, a month, a year, or never)."""

    name = "autonumber"
    logical = "text"
    widget = "readonly"
    settings = frozenset({"pattern"})
    operators = ("=", "CONTAINS", "STARTSWITH", "ISBLANK")
    system = True

    def column_type(self, field: FieldSettings):
        return String(64)

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["string", "null"], "readOnly": True}

    def parse(self, field: FieldSettings, value: Any) -> str | None:
        if blank(value):
            return None
        if not isinstance(value, str):
            raise wrong_type(_("text"))
        return value.strip()

    def check_definition(self, field: FieldSettings) -> None:
        pattern = field.pattern or "{0000}"
        if not re.search(r"\{0+\}", pattern):
            raise ValueError(_("An auto-number pattern needs a counter such as {0000}."))
        if re.sub(AUTONUMBER_TOKEN, "", pattern).count("{"):
            raise ValueError(_("Use only {yyyy}, {yy}, {mm}, {dd} and {0000} in the pattern."))

    def period(self, field: FieldSettings, today) -> str:
        tokens = set(AUTONUMBER_TOKEN.findall(field.pattern or "{0000}"))
        if "dd" in tokens:
            return today.strftime("%Y%m%d")
        if "mm" in tokens:
            return today.strftime("%Y%m")
        if tokens & {"yyyy", "yy"}:
            return today.strftime("%Y")
        return "-"

    def render(self, field: FieldSettings, today, counter: int) -> str:
        parts = {"yyyy": f"{today.year:04d}", "yy": f"{today.year % 100:02d}",
                 "mm": f"{today.month:02d}", "dd": f"{today.day:02d}"}

        def token(found: re.Match) -> str:
            name = found.group(1)
            return parts.get(name) or str(counter).zfill(len(name))

        return AUTONUMBER_TOKEN.sub(token, field.pattern or "{0000}")
