"""Whole numbers in paths and queries, bounded to what the database stores (64-bit), so an
id of 2^64 is a 422 naming the parameter, not an overflow deep in a driver."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from brickwork.platform.db import MAX_INT
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _

# A row's id or a version in the path: 1 … 2^63 − 1.
PathId = Annotated[int, Path(ge=1, le=MAX_INT)]
# A number in the query: anything the database's integers hold.
QueryInt = Annotated[int, Query(ge=-MAX_INT, le=MAX_INT)]
QueryId = Annotated[int, Query(ge=1, le=MAX_INT)]
MaybeQueryId = Annotated[int | None, Query(ge=1, le=MAX_INT)]


def id_cursor(cursor: str | None) -> int | None:
    """A page's ``cursor``: the previous page's ``next_cursor``, an id (None: the first page)."""
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise Invalid(_("The request is not valid."),
                      errors=[FieldError("cursor", "cursor", _("Use the next_cursor of the previous page."))])
    return int(cursor)
