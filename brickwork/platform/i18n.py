"""Translations: Babel message catalogs (``brickwork/locale/*/LC_MESSAGES/messages.po``).

Message ids are English. The catalogs are compiled in memory at first use, so a source
checkout, an editable install and a wheel behave the same with no build step. The locale
of the current request (or command) lives in a context variable.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from importlib import resources

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from brickwork.platform.settings import LOCALES

current_locale: ContextVar[str] = ContextVar("current_locale", default="en")
_default = "zh-CN"  # the installation's language (settings.default_locale), set at start


def configure_default(locale: str) -> None:
    global _default
    _default = locale


def default_locale() -> str:
    """The installation's language: what people without a language of their own read."""
    return _default


@cache
def translations(locale: str) -> NullTranslations:
    folder = resources.files("brickwork") / "locale" / locale.replace("-", "_") / "LC_MESSAGES"
    po = folder / "messages.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale.replace("-", "_"))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str, **params: object) -> str:
    """Translate into the current locale; ``%(name)s`` placeholders take ``params``."""
    text = translations(current_locale.get()).ugettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(current_locale.get()).ungettext(singular, plural, n)
    return text % {"num": n, **params}


_ = gettext


def parse_accept_language(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(weighted)]


def negotiate(preferred: list[str], default: str) -> str:
    """The supported locale that best fits ``preferred`` (``zh``, ``zh-TW`` count as zh-CN)."""
    found = negotiate_locale(preferred, LOCALES, sep="-", aliases={"zh": "zh-CN", "en": "en"})
    if found:
        return found
    for tag in preferred:
        language = tag.split("-")[0].lower()
        for locale in LOCALES:
            if locale.split("-")[0].lower() == language:
                return locale
    return default


def display_name(locale: str) -> str:
    """The name of a locale in its own language, for the language switch."""
    return Locale.parse(locale, sep="-").get_display_name(Locale.parse(locale, sep="-")).split(" (")[0]


def pick(label: dict[str, str] | str | None, locale: str | None = None) -> str:
    """The text of a translatable label in the current locale, falling back to any."""
    if not label:
        return ""
    if isinstance(label, str):
        return label
    locale = locale or current_locale.get()
    return label.get(locale) or label.get("en") or label.get("zh-CN") or next(iter(label.values()), "")
