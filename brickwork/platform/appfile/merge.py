"""The three-way merge of an upgrade: the template as installed (base), the app as the
users changed it (mine), the new template (theirs).

Plain JSON, compared value by value. Lists whose items all carry an ``id`` (fields,
options, sections, rules, views) are merged item by item, keyed by it, so an element
keeps its identity whatever its position. Where only one side changed a value, that
change wins; where both changed it differently, the users' value stays and the conflict
is listed for an administrator. An element the new template no longer has is kept and
listed: records may depend on it, and deleting is the administrator's call. The users'
changes the template did not touch are kept and listed too (``edits``), so the report says
what of the team's work the upgrade kept, at the highest place where it differs.

That is the default merge rule of a kind (``three_way``); a kind may register another
(``template_wins``: the template's new version replaces the users', listed in ``replaced``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


@dataclass
class Merge:
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # both sides changed: mine kept
    kept: list[str] = field(default_factory=list)  # gone from the template, still in the app
    replaced: list[str] = field(default_factory=list)  # the users' change, replaced by the template's
    edits: list[str] = field(default_factory=list)  # the users' own changes, kept: the template left them be
    MISSING = MISSING  # for merge rules, which get the Merge and not this module

    def value(self, base: Any, mine: Any, theirs: Any, path: str = "$") -> Any:
        """The merged value; ``MISSING`` when it is absent from the result."""
        if mine == theirs:
            return mine
        if base == theirs:  # the users changed it (added, edited or removed it), the template did not
            self.edits += _differences(base, mine, path)
            return mine
        if base == mine:
            return theirs
        if all(isinstance(v, dict) for v in (mine, theirs)) and (base is MISSING or isinstance(base, dict)):
            return self._mapping(_or(base, {}), mine, theirs, path)
        if _identified(mine) and _identified(theirs) and (base is MISSING or _identified(base)):
            return self._elements(_or(base, []), mine, theirs, path)
        self.conflicts.append({"path": path, "base": _shown(base), "mine": _shown(mine), "theirs": _shown(theirs)})
        return mine

    def _mapping(self, base: dict, mine: dict, theirs: dict, path: str) -> dict:
        out = {}
        for key in [*mine, *(k for k in theirs if k not in mine)]:
            merged = self.value(base.get(key, MISSING), mine.get(key, MISSING), theirs.get(key, MISSING),
                                f"{path}.{key}")
            if merged is not MISSING:
                out[key] = merged
        return out

    def _elements(self, base: list, mine: list, theirs: list, path: str) -> list:
        b, m, t = (_by_id(items) for items in (base, mine, theirs))
        out: list[dict] = []
        for id_, item in m.items():
            at = f"{path}[{id_}]"
            if id_ in b and id_ not in t:
                self.kept.append(at)
                out.append(item)
                continue
            merged = self.value(b.get(id_, MISSING), item, t.get(id_, MISSING), at)
            if merged is not MISSING:
                out.append(merged)
        # The template's new elements, each after the element it follows in the template.
        order = list(t)
        for position, id_ in enumerate(order):
            if id_ in m or id_ in b:
                continue  # in the app already, or deleted there on purpose
            placed = [o["id"] for o in out]
            previous = next((i for i in reversed(order[:position]) if i in placed), None)
            out.insert(placed.index(previous) + 1 if previous else 0, t[id_])
        return out


def _differences(base: Any, mine: Any, path: str) -> list[str]:
    """Where ``mine`` differs from ``base``: down to the values that differ, through
    mappings and lists of elements with ids (an element added or removed is one place)."""
    if isinstance(base, dict) and isinstance(mine, dict):
        keys = [*base, *(k for k in mine if k not in base)]
        return [p for k in keys if base.get(k, MISSING) != mine.get(k, MISSING)
                for p in _differences(base.get(k, MISSING), mine.get(k, MISSING), f"{path}.{k}")]
    if _identified(base) and _identified(mine) and (base or mine):
        b, m = _by_id(base), _by_id(mine)
        ids = [*b, *(i for i in m if i not in b)]
        if set(b) == set(m) and list(b) != list(m) and all(b[i] == m[i] for i in ids):
            return [path]  # only the order changed
        return [p for i in ids if b.get(i, MISSING) != m.get(i, MISSING)
                for p in _differences(b.get(i, MISSING), m.get(i, MISSING), f"{path}[{i}]")]
    return [path]


def _identified(value: Any) -> bool:
    """A list of elements with ids (an empty list too: the elements may come later)."""
    return isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value)


def _by_id(items: list) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def _or(value: Any, empty: Any) -> Any:
    return empty if value is MISSING else value


def _shown(value: Any) -> Any:
    return None if value is MISSING else value
