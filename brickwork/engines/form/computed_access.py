"""Which computed fields a caller may see: only those computed from what they may read.

A lookup reads the linked record through the caller's grant on the linked form (its row
scope is compiled into the sub-query, onread.py), so it needs only the looked-up field to
be readable. A rollup, and a formula that aggregates other records, is stored once for
everyone over all the children: the caller sees it only if they may read every record of
the children's form (a read scope of ``all``) and every field it uses. A formula needs
every field it uses. All of it is judged on the app's dependency graph, transitively (a
formula over a hidden rollup is hidden), without touching a record.
"""

from __future__ import annotations

from collections.abc import Callable

from brickwork.engines.form.access import Grant
from brickwork.engines.form.dependencies import AppGraph, Node

COMPUTED = ("formula", "rollup", "lookup")


def hidden_computed(graph: AppGraph, form_key: str, grant_of: Callable[[str], Grant]) -> set[str]:
    """Ids of the form's computed fields the caller may not see."""
    memo: dict[Node, bool] = {}

    def readable(node: Node) -> bool:
        if node in memo:
            return memo[node]
        memo[node] = False  # a cycle (refused at publish anyway) reads as hidden
        form_key, fid = node
        if form_key not in graph.forms:
            return False
        grant = grant_of(form_key)
        ok = "read" in grant.actions and fid.split(".")[0] in grant.readable
        if ok:
            try:
                f = graph.field(node)
            except (KeyError, StopIteration):
                return False
            if f.type in COMPUTED:
                if f.type != "lookup":
                    ok = all(grant_of(s.child_key).reads_everything for s in graph.sources_of(node))
                uses = graph.graph.predecessors(node) if node in graph.graph else []
                ok = ok and all(readable(p) for p in uses)
        memo[node] = ok
        return ok

    form = graph.forms.get(form_key)
    if form is None:
        return set()
    return {f.id for f in form.definition.fields if f.type in COMPUTED and not readable((form_key, f.id))}
