"""The one Jinja2 environment print templates render in: sandboxed (no attribute of Python's
internals, bounded ranges), HTML-escaping every value, with a few filters for documents."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment


def money(value: Any, places: int = 2) -> str:
    """``1234.5`` → ``1,234.50``; blank stays blank."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.{max(0, min(int(places), 8))}f}"


ENV = ImmutableSandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
ENV.filters["money"] = money
