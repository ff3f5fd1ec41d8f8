"""Text-like fields: single and multi-line text, phone, email, URL."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String, Text

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, FieldValueError, blank, wrong_type
from brickwork.platform.i18n import _

TEXT_OPERATORS = ("=", "<>", "IN", "CONTAINS", "STARTSWITH", "ISBLANK")


class TextField(FieldType):
    name = "text"
    json_format: str | None = None  # the JSON Schema format a generated client can check
    logical = "text"
    settings = frozenset({"default", "max_length", "unique"})
    operators = TEXT_OPERATORS
    default_max = 200
    keeps = "\t"

    column_length: ClassVar[int | None] = None  # canonical forms of a known size

    def column_type(self, field: FieldSettings):
        # Free text has no length in the column: limits live in the definition, so changing
        # one needs no DDL.
        return String(self.column_length) if self.column_length else Text()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        schema = {"type": ["string", "null"], "maxLength": field.max_length or self.default_max}
        return {**schema, "format": self.json_format} if self.json_format else schema

    def parse(self, field: FieldSettings, value: Any) -> str | None:
        if blank(value):
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise wrong_type(_("text"))
        return self.clean(str(value).strip())

    def clean(self, text: str) -> str:
        """The canonical form of a trimmed, non-blank text."""
        return text

    def check(self, field: FieldSettings, value: str) -> None:
        limit = field.max_length or self.default_max
        if len(value) > limit:
            raise FieldValueError("max_length", _("At most %(n)s characters.", n=limit))


class TextareaField(TextField):
    name = "textarea"
    widget = "textarea"
    settings = frozenset({"default", "max_length"})
    default_max = 10_000
    keeps = "\t\n\r"



class PhoneField(TextField):
    """Stored in E.164 (``+8613800138000``); numbers without a country code are Chinese."""

    name = "phone"
    keeps = ""
    widget = "phone"
    settings = frozenset({"default", "unique"})
    default_max = column_length = 32
    region = "CN"

    def clean(self, text: str) -> str:
        try:
            number = phonenumbers.parse(text, self.region)
        except phonenumbers.NumberParseException:
            raise FieldValueError("phone", _("This is not a phone number.")) from None
        if not phonenumbers.is_valid_number(number):
            raise FieldValueError("phone", _("This is not a phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class EmailField(TextField):
    """Syntax only (no DNS look-up); the domain is lower-cased."""

    name = "email"
    json_format = "email"
    keeps = ""
    widget = "email"
    settings = frozenset({"default", "unique"})
    default_max = column_length = 254

    def clean(self, text: str) -> str:
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise FieldValueError("email", _("This is not an email address.")) from None


class UrlField(TextField):
    """Web addresses only: ``javascript:`` and friends are refused."""

    name = "url"
    json_format = "uri"
    keeps = ""
    widget = "url"
    settings = frozenset({"default", "unique"})
    default_max = column_length = 2048

    def clean(self, text: str) -> str:
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
            raise FieldValueError("url", _("Give a web address starting with http:// or https://."))
        return text
