"""What changed between two versions of a definition.

Lists of elements that carry stable ids (fields, nodes, options) are matched by id, so a
reorder reads as "moved" and a rename as one changed label, not as a cascade of edits by
position.
"""

from __future__ import annotations

import difflib
from typing import Any


def diff(before: Any, after: Any, path: str = "$") -> list[dict[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            sub = f"{path}.{key}"
            if key not in after:
                changes.append({"op": "removed", "path": sub, "before": before[key]})
            elif key not in before:
                changes.append({"op": "added", "path": sub, "after": after[key]})
            else:
                changes += diff(before[key], after[key], sub)
        return changes
    if _has_ids(before) and _has_ids(after):
        return _diff_by_id(before, after, path)
    if before != after:
        return [{"op": "changed", "path": path, "before": before, "after": after}]
    return []


def _has_ids(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value)


def _diff_by_id(before: list[dict], after: list[dict], path: str) -> list[dict[str, Any]]:
    old = {item["id"]: (i, item) for i, item in enumerate(before)}
    new = {item["id"]: (i, item) for i, item in enumerate(after)}
    changes: list[dict[str, Any]] = []
    for item_id, (_i, item) in old.items():
        if item_id not in new:
            changes.append({"op": "removed", "path": f"{path}[id={item_id}]", "before": item})
    # Order is judged among the elements both versions have, and only those outside the
    # longest common run count as moved: one field dragged to the top is one move.
    kept_old = [i for i in old if i in new]
    kept_new = [i for i in new if i in old]
    matcher = difflib.SequenceMatcher(a=kept_old, b=kept_new, autojunk=False)
    stayed = {kept_old[b.a + k] for b in matcher.get_matching_blocks() for k in range(b.size)}
    for item_id, (index, item) in new.items():
        sub = f"{path}[id={item_id}]"
        if item_id not in old:
            changes.append({"op": "added", "path": sub, "after": item, "index": index})
            continue
        if item_id not in stayed:
            # Positions among the elements both versions share: what the builder dragged.
            changes.append({"op": "moved", "path": sub, "before": kept_old.index(item_id),
                            "after": kept_new.index(item_id)})
        changes += diff(old[item_id][1], item, sub)
    return changes
