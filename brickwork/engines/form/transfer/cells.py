"""One spreadsheet cell ↔ one field value, both ways, and the guard against formula injection.

Export puts a ``'`` before text that a spreadsheet would run as a formula (starting with
``= + - @ |``, their full-width forms ``＝ ＋ － ＠ ｜``, which some spreadsheets read as
the same, a tab or a carriage return) and before text starting with ``'``; import takes
that one ``'`` off again, so a round trip keeps the text.

xlsx cannot hold most control characters (its XML forbids them): ``printable`` shows each as
its Unicode control picture (``U+000B`` as ``␋``), so an old value never breaks an export.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from babel.numbers import get_currency_symbol

from brickwork.engines.form.definition import FieldDef

FORMULA_STARTS = ("=", "+", "-", "@", "|", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\uff5c", "\t", "\r")
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
NUMBERS = ("number", "money", "percent", "rating")
KEEP_AS_IS = NUMBERS + ("boolean", "date", "datetime", "user", "department", "relation")
FILES = ("attachment", "image")
NOT_FLAT = ("subform",)  # rows of their own: no one cell holds them


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS + ("'",)) else text


def printable(text: str) -> str:
    """Text an xlsx file can hold: each forbidden control character as its control picture."""
    return NOT_IN_XML.sub(lambda found: chr(0x2400 + ord(found.group())), text)


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS + ("'",)) else text


def from_cell(f: FieldDef, raw: Any) -> Any:
    """A cell (text from csv; text, number, date or bool from xlsx) as an API value of ``f``."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = restore(raw.strip())
        if f.type in FILES:
            return [part.strip() for part in text.split(",") if part.strip()]
        return _amount(f, text) if f.type in ("money", "percent") else text
    if f.type == "datetime" and isinstance(raw, date) and not isinstance(raw, datetime):
        return datetime(raw.year, raw.month, raw.day)
    if f.type in KEEP_AS_IS and not (f.type == "boolean" and isinstance(raw, int | float)
                                     and not isinstance(raw, bool)):
        return raw
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return from_cell(f, str(raw).lower() if isinstance(raw, bool) else str(raw))


def _amount(f: FieldDef, text: str) -> str:
    """"-CN¥1,234.50", "¥1,234.50" and "12.5%" as the number a person means; any other
    text is left for the field to refuse."""
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:].lstrip()
    if f.type == "percent":
        return sign + text.removesuffix("%").rstrip()
    currency = f.currency or "CNY"
    symbols = {currency, "¥", "￥", "$"} | {get_currency_symbol(currency, locale) for locale in ("en", "zh_CN")}
    for symbol in sorted(symbols, key=len, reverse=True):
        if text.startswith(symbol):
            text = text[len(symbol):].lstrip()
            break
    if text[:1] in "+-" and not sign:
        sign, text = text[:1], text[1:]
    return sign + text.removesuffix(currency).rstrip()
