"""Versions in HTTP headers, and the client's preferences about an answer.

A versioned thing's ETag is its version, quoted: ``"7"``. ``If-Match`` takes that tag
back (``W/"7"`` and a bare ``7`` too, as the definitions' revisions do); anything else —
a list of tags, ``*`` — is refused, since a change must name the one version it was made
on. ``Prefer`` (RFC 7240) is read for ``return=minimal`` / ``return=representation``;
other preferences are ignored, as the RFC asks.
"""

from __future__ import annotations

from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

MINIMAL = "return=minimal"
REPRESENTATION = "return=representation"


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(header: str | None) -> int | None:
    """The version an ``If-Match`` header names; None without one; 422 on ``If-Match``
    for anything but one version."""
    if header is None:
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "If-Match", "version", _("Give the version you read as its ETag, such as \"3\"."))])
    return int(value)


def one_version(header: int | None, given: object, name: str = "version") -> object:
    """The version of a change given as ``If-Match`` and/or in the body (or query): both
    must agree (422 on ``If-Match`` otherwise); either alone is taken as it is."""
    if header is None:
        return given
    if given is None:
        return header
    if isinstance(given, int) and not isinstance(given, bool) and given != header:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "If-Match", "mismatch", _("If-Match names version %(header)s but %(name)s is %(given)s; send one.",
                                      header=header, name=name, given=given))])
    return given


def preferred_return(header: str | None) -> str | None:
    """``return=minimal`` or ``return=representation`` if ``Prefer`` asks for one (the
    last wins), else None."""
    found = None
    for preference in (header or "").split(","):
        token, _eq, value = preference.split(";")[0].partition("=")
        if token.strip().lower() == "return":
            value = value.strip().strip('"').lower()
            if value in ("minimal", "representation"):
                found = f"return={value}"
    return found
