"""Listing records: a filter in the expression language, a sort, keyset paging.

The cursor carries the sort values of the last row, so page 10 000 costs what page 1
costs: ``WHERE (sort keys) > (last values)`` on an index, never ``OFFSET``. BLANKs sort
last in either direction. A cursor is signed (HMAC-SHA256 with a key derived from the
installation's secret key) over its values and the listing it belongs to, so a forged or
borrowed cursor is refused before its values reach SQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, and_, false, func, or_, select

from brickwork.engines.form import storage
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.base import control_character
from brickwork.engines.form.onread import refuse_clock_fields
from brickwork.engines.form.shape import shape_of
from brickwork.engines.form.values import serializer
from brickwork.platform.errors import FieldError, Forbidden, Invalid
from brickwork.platform.i18n import _

MAX_LIMIT = 500
MAX_SORT_KEYS = 8
MAX_CURSOR = 4096  # characters; a real one is far shorter
# Until configure(): a key of this process only (commands that page through in one go).
_KEY = [secrets.token_bytes(32)]


def configure(secret_key: str) -> None:
    """Sign cursors with a key derived from the installation's secret key, so every web
    process of the installation accepts the cursors of the others."""
    _KEY[0] = hmac.new(secret_key.encode(), b"brickwork listing cursor", hashlib.sha256).digest()
SORTABLE_SYSTEM = {"id", "created_at", "updated_at"}
NOT_NUL = "".join(chr(c) for c in (*range(1, 32), 127))
UNSORTABLE = ("multiselect", "attachment", "image")
# A filter starting like a JSON object ("{", then a quoted name or "}") is the JSON tree;
# anything else is formula text, where "{" opens a field name: {Signed on} > DATE(2025, 1, 1).
JSON_TREE = re.compile(r'\s*\{\s*["}]')


def filter_param(service, text: str | None, name: str = "filter") -> Any:
    """The ``filter`` query parameter as the JSON tree ``list_records`` takes: sent as that
    tree, or as the expression language's text (``level = "A" AND revenue > 500000``),
    read by the language's one parser over the fields the caller may read."""
    if not text:
        return None
    if JSON_TREE.match(text):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            raise Invalid(_("The request is not valid."), errors=[
                FieldError(name, "json", _("The filter is not valid JSON."))]) from None
    refuse_nul(name, text)
    return service.condition_from_text(text, name)


def list_records(service, *, filter_ast: Any = None, sort: str | None = None, limit: int = 50,
                 cursor: str | None = None, fields: str | None = None, deleted: bool = False,
                 q: str | None = None) -> dict[str, Any]:
    service.grant.require("read")
    form, t = service.form, service.table
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "limit", "range", _("Give a limit from 1 to %(n)s.", n=MAX_LIMIT))])
    refuse_nul("filter", filter_ast)
    refuse_nul("q", q)
    conditions = [service.grant.scope, t.c.deleted_at.is_not(None) if deleted else t.c.deleted_at.is_(None)]
    if filter_ast is not None:
        conditions.append(service.compile_condition(filter_ast, check_readable=True))
    q = (q or "").strip()
    if q:
        conditions.append(_quick_search(service, q))
    keys = _sort_keys(service, sort)
    shape = shape_of(form, fields)

    query = select(t, *[column for column, _d in keys if column.name not in t.c]).where(*conditions)
    # What a cursor belongs to (the search only when there is one, so older cursors stay valid).
    listing = json.dumps([form.app.id, form.key, form.version, sort or "", filter_ast, deleted, q],
                         sort_keys=True)
    if cursor:
        query = query.where(_after(keys, _decode(cursor, listing, keys)))
    order = [_ordered(column, descending) for column, descending in keys]
    rows = service.db.execute(query.order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    total = None
    if not cursor:  # counted once, on the first page; later pages only move forward
        total = service.db.scalar(select(func.count()).select_from(t).where(*conditions))
    next_cursor = _encode([_plain(getattr(rows[-1], c.name)) for c, _d in keys], listing) if more else None
    links = service.shown_beside(rows)
    convert = serializer(form, service.grant.readable, shape.keys, links)
    return {"items": [shape(convert(row)) for row in rows],
            "next_cursor": next_cursor, "total": total}


def refuse_nul(name: str, value: Any) -> None:
    """A NUL cannot be in any stored text (PostgreSQL refuses it in a query): a 422 here,
    never a database error."""
    if control_character(value, keeps=NOT_NUL) is not None:
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            name, "control_character", _("Remove the NUL character (U+0000)."))])


def _quick_search(service, q: str):
    """``q`` in any readable text-like field, case-insensitive: an OR of CONTAINS, compiled
    like every other filter (the text is a bound parameter, ``%`` and ``_`` plain)."""
    texts = [f for f in service.form.definition.fields if f.id in service.grant.readable and _text(service, f)]
    if not texts:
        return false()
    return service.compile_condition({"fn": "OR", "args": [
        {"fn": "CONTAINS", "args": [{"ref": f.id}, {"lit": q[:200], "type": "text"}]} for f in texts]})


def _text(service, f) -> bool:
    """Whether a field holds text a search can look into: by its value's type (a formula
    giving a number is no text) and only with a column or a lookup's sub-query (a formula
    over the clock has neither)."""
    kind = REGISTRY[f.type]
    if f.id in service.lookups:
        info = service.lookups[f.id].info
        return info is not None and info.type == "text"
    return kind.logical == "text" and kind.value_type(f) == "text" and storage.has_column(f)


def _sort_keys(service, sort: str | None):
    t = service.table
    keys = []
    parts = [p.strip() for p in (sort or "").split(",") if p.strip()]
    names = [p.lstrip("-+") for p in parts]
    if len(parts) > MAX_SORT_KEYS or len(set(names)) < len(names):
        raise Invalid(_("The request is not valid."), errors=[FieldError("sort", "too_many", _(
            "Sort by at most %(n)s different fields.", n=MAX_SORT_KEYS))])
    for part in parts:
        descending = part.startswith("-")
        name = part.lstrip("-+")
        if name in SORTABLE_SYSTEM:
            keys.append((t.c[name], descending))
            continue
        f = service.form.by_key.get(name)
        if f is not None and f.id in service.lookups and f.id in service.grant.readable:
            keys.append((service.lookups[f.id].value.label(f"lk_{f.id}"), descending))  # live: its sub-query
            continue
        if f is not None and not storage.has_column(f) and f.type == "formula":
            refuse_clock_fields(service.form, {"ref": f.id}, "sort")
        if f is None or REGISTRY[f.type].name in UNSORTABLE or not storage.has_column(f):
            raise Invalid(_("The request is not valid."), errors=[FieldError(
                "sort", "unknown", _("Cannot sort by %(name)s.", name=name))])
        if f.id not in service.grant.readable:
            raise Forbidden(_("You may not see the field %(name)s.", name=name))
        keys.append((t.c[storage.column_name(f.id)], descending))
    if not any(column.name == "id" for column, _d in keys):
        keys.append((t.c.id, False))  # the tie-breaker that makes the order total
    return keys


def _after(keys, values: list[Any]):
    """Rows after ``values`` in the order of ``keys`` (BLANKs last)."""
    clauses, equal_so_far = [], []
    for (column, descending), value in zip(keys, values, strict=True):
        if value is None:
            later = false()  # nothing sorts after BLANK within this key
            same = column.is_(None)
        else:
            later = or_(column < value if descending else column > value, column.is_(None))
            same = column == value
        clauses.append(and_(*equal_so_far, later))
        equal_so_far.append(same)
    return or_(*clauses)


def _ordered(column, descending: bool):
    """BLANKs last. ``id`` is never BLANK: plain, so the order is the one a derived index
    (docs/decisions/0038-derived-indexes.md) keeps and SQLite sorts nothing after reading it."""
    ordered = column.desc() if descending else column.asc()
    return ordered if getattr(column, "primary_key", False) else ordered.nulls_last()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _typed(column, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(raw)
    if isinstance(column.type, Date):
        return date.fromisoformat(raw)
    return raw


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _sign(listing: str, payload: str) -> str:
    return _b64(hmac.new(_KEY[0], f"{listing}\0{payload}".encode(), hashlib.sha256).digest())


def _encode(values: list[Any], listing: str) -> str:
    """The last row's sort values, signed together with the listing (form, sort, filter) they
    belong to."""
    payload = _b64(json.dumps(values).encode())
    return f"{payload}.{_sign(listing, payload)}"


def _decode(cursor: str, listing: str, keys) -> list[Any]:
    payload, _dot, mac = cursor.partition(".")
    try:
        if len(cursor) > MAX_CURSOR or not hmac.compare_digest(mac, _sign(listing, payload)):
            raise ValueError("not ours")
        values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return [_typed(column, raw) for (column, _d), raw in zip(keys, values, strict=True)]
    except (ValueError, TypeError):
        raise Invalid(_("The request is not valid."), errors=[FieldError(
            "cursor", "invalid", _("This cursor belongs to another listing; start from the first page."))]) from None
