"""The one Jinja2 environment print templates render in: sandboxed (no attribute of Python's
internals, bounded ranges), HTML-escaping every value, with a few filters for documents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value: Any, places: int = 2) -> str:
    """``1234.5`` → ``1,234.50``; blank stays blank."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    return f"{number:,.{max(0, min(int(places), 8))}f}"


def rmb_capitals(value: Any) -> str:
    """An amount in Chinese capitals as invoices and contracts write it (人民币大写):
    ``11818.75`` → ``壹万壹仟捌佰壹拾捌元柒角伍分``, ``120000`` → ``壹拾贰万元整``; rounded to
    the fen; blank (or not a number) stays as it is."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    import cn2an  # imported when a template uses it, like WeasyPrint

    return cn2an.an2cn(str(number.quantize(Decimal("0.01"), ROUND_HALF_UP)), "rmb")


ENV = ImmutableSandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
ENV.filters["money"] = money
ENV.filters["rmb_capitals"] = rmb_capitals
