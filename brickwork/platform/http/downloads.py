"""Answers that download as a file."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the real name per RFC 5987."""
    fallback = "".join(c if c.isascii() and c not in '"\\' and c.isprintable() else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
