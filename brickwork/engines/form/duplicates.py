"""Duplicate detection, for any form whose definition switches it on (``duplicates``).

Two uses, one rule set (``duplicate_keys.py``):
- ``likely``: the records a record being saved probably duplicates (the API's warning, or
  the refusal of a form that blocks). Exact keys are one indexed-or-scanned equality in SQL;
  fuzzy names read only their block (same first characters) and score it with rapidfuzz.
- ``scan``: every group of likely duplicates in a form. Exact keys are grouped in SQL
  (``GROUP BY key HAVING count(*) > 1``); fuzzy names are read once, split into blocks and
  each block scored by ``rapidfuzz.process.extract`` (C), never all pairs of the table.

Both see only records in the caller's read scope; ``likely`` also counts, without naming,
matches the caller may not read (a salesperson learns that the customer exists already).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import TextClause, func, select, text

from brickwork.engines.form import storage
from brickwork.engines.form.duplicate_keys import block_of, block_starts, empty_to_null, key_of, key_sql
from brickwork.engines.form.model import Duplicates
from brickwork.engines.form.relations import record_titles
from brickwork.platform.errors import Conflict, FieldError
from brickwork.platform.i18n import _

SHOWN = 20  # likely duplicates named per save
SCORER = fuzz.token_sort_ratio


def settings(service) -> Duplicates | None:
    return service.form.definition.duplicates


def likely(service, values: dict[str, Any], exclude: int | None = None) -> dict[str, Any] | None:
    """``values`` by field id (as stored text). The readable matches, best first, each
    ``{id, title, score, matched: [field keys]}``, and how many others matched (``hidden``).
    None when the form does not detect duplicates."""
    rules = settings(service)
    if rules is None:
        return None
    t = service.table
    live = [t.c.deleted_at.is_(None)] + ([t.c.id != exclude] if exclude is not None else [])
    found: dict[int, dict[str, Any]] = {}
    for match in rules.match:
        f = service.form.by_id[match.field]
        key = key_of(match.how, values.get(f.id))
        if key is None:
            continue
        column = t.c[storage.column_name(f.id)]
        if match.how == "fuzzy":
            # The block's names: a few ranges of the name index (duplicate_keys.block_starts).
            starts = block_starts(block_of(key).split(" ")[0])
            params = {"exclude": exclude or 0} | {f"s{i}": start for i, start in enumerate(starts)} | {
                f"e{i}": start + "\uffff" for i, start in enumerate(starts)}
            quote = service.db.dialect.identifier_preparer.quote
            near = _block_query(quote(t.name), quote(column.name), service.db.dialect.name)
            names = {rid: key_of("fuzzy", text) for rid, text in service.db.execute(near, params)}
            same = {rid: n for rid, n in names.items() if n and block_of(n) == block_of(key)}
            hits = process.extract(key, same, scorer=SCORER, score_cutoff=rules.threshold, limit=None)
            scored = [(rid, round(score)) for _name, score, rid in hits]
        else:
            query = select(t.c.id).where(*live, key_sql(match.how, column) == key).limit(200)
            scored = [(rid, 100) for rid in service.db.scalars(query)]
        for rid, score in scored:
            hit = found.setdefault(rid, {"id": rid, "score": 0, "matched": []})
            hit["score"] = max(hit["score"], score)
            hit["matched"].append(f.key)
    if not found:
        return {"items": [], "hidden": 0}
    readable = set(service.db.scalars(select(t.c.id).where(t.c.id.in_(found), service.grant.scope)))
    shown = sorted((h for rid, h in found.items() if rid in readable), key=lambda h: (-h["score"], h["id"]))[:SHOWN]
    titles = _titles(service, [h["id"] for h in shown])
    for hit in shown:
        hit["title"] = titles.get(hit["id"])
    return {"items": shown, "hidden": len(found) - len(readable)}


@lru_cache(maxsize=256)
def _block_query(table: str, column: str, dialect: str) -> TextClause:
    """The names of one block: an OR of ranges of the name index (a seek each, whatever the
    table's size). Written once per table as text over the generated table and column
    names, every value a bound parameter: a statement of hundreds of ranges would cost more
    to build, and to key SQLAlchemy's cache by, on every save than to run."""
    name = f'lower({column}) COLLATE "C"' if dialect == "postgresql" else f"lower({column})"
    ranges = " OR ".join(f"({name} >= :s{i} AND {name} < :e{i})" for i in range(len(block_starts(""))))
    return text(f"SELECT id, {column} FROM {table} WHERE deleted_at IS NULL AND id != :exclude AND ({ranges})")


def warn(service, record: dict[str, Any]) -> dict[str, Any]:
    """A saved record (API values by key) with its likely duplicates in ``_meta.duplicates``
    (forms that detect duplicates only): the warning a page shows after a save."""
    rules = settings(service)
    if rules is not None and isinstance(record.get("_meta"), dict):
        values = {m.field: record.get(service.form.by_id[m.field].key) for m in rules.match}
        record["_meta"]["duplicates"] = likely(service, values, exclude=record["id"])
    return record


def refuse(service, rows: list[dict[str, Any]], prefixes: list[str], exclude: int | None = None,
           touched: set[str] | None = None) -> None:
    """A form that blocks duplicates refuses a save with any likely duplicate (409). An
    edit is checked only when it changes a field that identifies duplicates (``touched``)."""
    rules = settings(service)
    if rules is None or not rules.block:
        return
    if touched is not None and not touched & {m.field for m in rules.match}:
        return
    errors = []
    for values, prefix in zip(rows, prefixes, strict=True):
        found = likely(service, values, exclude)
        if found and (found["items"] or found["hidden"]):
            ids = ", ".join(f"#{h['id']}" for h in found["items"][:5])
            message = (_("Likely a duplicate of %(ids)s.", ids=ids) if ids
                       else _("Likely a duplicate of a record you cannot open."))
            errors.append(FieldError(prefix + "id", "duplicate", message))
    if errors:
        raise Conflict(_("This record looks like one that exists already."),
                       detail=_("Open the existing record, or merge the two."), errors=errors)


def scan(service, limit: int = 100) -> dict[str, Any]:
    """Groups of likely duplicates among the records the caller may read: each
    ``{ids, pairs: [{a, b, score, matched}]}``, the largest groups first; ``total`` counts
    every group found, ``items`` holds the first ``limit``."""
    rules = settings(service)
    if rules is None:
        return {"items": [], "total": 0}
    t = service.table
    live = (t.c.deleted_at.is_(None), service.grant.scope)
    pairs: dict[tuple[int, int], dict[str, Any]] = {}

    def pair(a: int, b: int, score: int, key: str) -> None:
        one = pairs.setdefault((min(a, b), max(a, b)), {"a": min(a, b), "b": max(a, b), "score": 0, "matched": []})
        one["score"] = max(one["score"], score)
        if key not in one["matched"]:
            one["matched"].append(key)

    for match in rules.match:
        f = service.form.by_id[match.field]
        column = t.c[storage.column_name(f.id)]
        if match.how == "fuzzy":
            _fuzzy_pairs(service, column, rules.threshold, lambda a, b, s, k=f.key: pair(a, b, s, k))
            continue
        key = empty_to_null(key_sql(match.how, column))
        repeated = select(key).where(*live, key.is_not(None)).group_by(key).having(func.count() > 1).subquery()
        groups: dict[str, list[int]] = defaultdict(list)
        for rid, value in service.db.execute(select(t.c.id, key).where(*live, key.in_(select(repeated.c[0])))
                                             .order_by(t.c.id)):
            groups[value].append(rid)
        for ids in groups.values():
            for other in ids[1:]:
                pair(ids[0], other, 100, f.key)
    grouped = _groups(pairs)
    titles = _titles(service, sorted({i for g in grouped[:limit] for i in g["ids"]}))
    for g in grouped[:limit]:
        g["titles"] = {str(i): titles.get(i) for i in g["ids"]}
    return {"items": grouped[:limit], "total": len(grouped)}


def _fuzzy_pairs(service, column, threshold: int, pair) -> None:
    t = service.table
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for rid, stored in service.db.execute(select(t.c.id, column).where(
            t.c.deleted_at.is_(None), service.grant.scope, column.is_not(None)).order_by(t.c.id)):
        key = key_of("fuzzy", stored)
        if key:
            blocks[block_of(key)].append((rid, key))
    for members in blocks.values():
        for index, (rid, key) in enumerate(members[:-1]):
            rest = {other: name for other, name in members[index + 1:]}
            for _name, score, other in process.extract(key, rest, scorer=SCORER, score_cutoff=threshold,
                                                       limit=None):
                pair(rid, other, round(score))


def _groups(pairs: dict[tuple[int, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs joined into groups (records linked by any chain of pairs), largest first."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in sorted(parent):
        members[root(i)].append(i)
    by_root: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (a, _b), p in sorted(pairs.items()):
        by_root[root(a)].append(p)
    grouped = [{"ids": ids, "pairs": by_root[r]} for r, ids in members.items()]
    return sorted(grouped, key=lambda g: (-len(g["ids"]), g["ids"][0]))


def _titles(service, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return record_titles(service.session, service.form.app.key, service.form.key, set(ids), service.who)
