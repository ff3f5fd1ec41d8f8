"""The dependency graph of an app's computed fields: a networkx DiGraph over (form key,
field id) nodes, an edge from each value to what is computed from it. Formulas depend on
the fields they name; a rollup on its children's field, its condition's fields and the
link; a lookup on the linked form's field and the relation. A field inside a sub-form is
``sub.child`` (the sub-form's id, the child field's id).

A cycle is refused at save (within a form, formulas.py) and at publish (across forms,
here), named by field labels. The topological order drives recomputation (recompute.py).
The graph is built once per generation of the app (platform/generation.py) and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
from sqlalchemy.orm import Session

from brickwork.engines.form import rollups
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.forms import AppRef, Form, load_app_forms
from brickwork.engines.form.formulas import paths_of, refs_of
from brickwork.platform import generation
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _, pick

Node = tuple[str, str]  # (form key, field id or "sub.child")
STORED = ("formula", "rollup")


@dataclass
class AppGraph:
    forms: dict[str, Form]
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    sources: dict[Node, rollups.Source] = field(default_factory=dict)  # rollup node → its source
    # Formula node → the relations to many (or reverse relations) it aggregates over.
    lists: dict[Node, list[rollups.Source]] = field(default_factory=dict)
    # Stored formula node → the lookups it uses: (linked form key, the relation, the
    # sub-form's id for a formula in rows or None), so a change there recomputes it.
    lookups: dict[Node, list[tuple[str, FieldDef, str | None]]] = field(default_factory=dict)
    _touches: dict[str, bool] = field(default_factory=dict)
    # (node, zone) → the table and SQL of the stored value (recompute.py builds them once).
    computed: dict[tuple[Node, str], tuple] = field(default_factory=dict)

    def sources_of(self, node: Node) -> list[rollups.Source]:
        """Where the children a rollup or a formula's aggregates count live (not sub-form rows)."""
        found = [self.sources[node]] if node in self.sources else self.lists.get(node, [])
        return [s for s in found if s.kind != "subform"]

    @cached_property
    def order(self) -> list[Node]:
        """Every stored computed value (formulas, rollups, formulas in sub-form rows), in the
        order they can be computed."""
        return [n for n in nx.topological_sort(self.graph) if self.graph.nodes[n].get("stored")]

    def field(self, node: Node) -> FieldDef:
        form = self.forms[node[0]]
        if "." in node[1]:
            sub, child = node[1].split(".", 1)
            return next(c for c in form.by_id[sub].fields or [] if c.id == child)
        return form.by_id[node[1]]

    def rollups_over(self, child_key: str) -> list[Node]:
        """Rollups of any form whose children are records of ``child_key`` (not sub-form rows)."""
        return [n for n in [*self.sources, *self.lists] if any(s.child_key == child_key for s in self.sources_of(n))]

    def touches(self, form_key: str) -> bool:
        """Whether writing records of this form may change a stored value anywhere (asked on
        every write; the graph never changes once built, so the answer is kept)."""
        if form_key not in self._touches:
            self._touches[form_key] = self._touching(form_key)
        return self._touches[form_key]

    def _touching(self, form_key: str) -> bool:
        return any(n[0] == form_key for n in self.order) or bool(self.rollups_over(form_key)) or \
            any(target == form_key for uses in self.lookups.values() for target, _r, _s in uses)

    def label(self, node: Node) -> str:
        return pick(self.field(node).label)


def build(forms: dict[str, Form]) -> AppGraph:
    app = AppGraph(forms)
    g = app.graph
    for form in forms.values():
        for f in form.definition.fields:
            node = (form.key, f.id)
            g.add_node(node, stored=f.type in STORED and REGISTRY[f.type].has_column(f))
            if f.type == "formula":
                for ref in refs_of(f.expression) - {r for r in refs_of(f.expression) if "." in r}:
                    g.add_edge((form.key, ref), node)
                _add_lists(app, form, f, node)
                _uses_lookups(app, node, f, form.definition.fields, None)
            elif f.type == "subform":
                for child in f.fields or []:
                    child_node = (form.key, f"{f.id}.{child.id}")
                    g.add_node(child_node, stored=child.type == "formula")
                    g.add_edge(child_node, node)
                    if child.type == "formula":
                        for ref in refs_of(child.expression):
                            g.add_edge((form.key, f"{f.id}.{ref}"), child_node)
                        _uses_lookups(app, child_node, child, f.fields or [], f.id)
                    elif child.type == "lookup":
                        relation = next((c for c in f.fields or [] if c.id == child.relation), None)
                        g.add_edge((form.key, f"{f.id}.{child.relation}"), child_node)
                        if relation is not None and relation.target:
                            g.add_edge((relation.target, child.field), child_node)
            elif f.type == "rollup":
                source = rollups.resolve(forms, form, f)
                if source is None:
                    continue
                app.sources[node] = source
                if source.kind == "subform":
                    g.add_edge((form.key, source.link.id), node)
                    prefix = f"{source.link.id}."
                else:
                    g.add_edge((source.child_key if source.kind == "reverse" else form.key, source.link.id), node)
                    prefix = ""
                for ref in ({f.field} if f.field else set()) | refs_of(f.condition):
                    g.add_edge((source.child_key, prefix + ref), node)
            elif f.type == "lookup":
                relation = form.by_id.get(f.relation or "")
                g.add_edge((form.key, f.relation), node)
                if relation is not None and relation.target:
                    g.add_edge((relation.target, f.field), node)
    return app


def _uses_lookups(app: AppGraph, node: Node, f: FieldDef, fields: list[FieldDef], sub: str | None) -> None:
    by_id = {g.id: g for g in fields}
    for ref in refs_of(f.expression):
        lookup = by_id.get(ref)
        relation = by_id.get(lookup.relation or "") if lookup is not None and lookup.type == "lookup" else None
        if relation is not None and relation.target:
            app.lookups.setdefault(node, []).append((relation.target, relation, sub))


def _add_lists(app: AppGraph, form: Form, f: FieldDef, node: Node) -> None:
    """A formula's aggregates: ``SUM(lines.amount)`` uses the rows' field, ``SUM(deals.amount)``
    the linked form's field and the links (recomputed like a rollup over the relation)."""
    for list_id, child in paths_of(f.expression) | {(ref, None) for ref in refs_of(f.expression)}:
        if "." in list_id:  # deals.customer: the records of another form that link here
            source = rollups.resolve(app.forms, form, FieldDef.model_construct(source=list_id))
            if source is not None:
                _count_in(app, node, source, child)
            continue
        link = form.by_id.get(list_id)
        if link is None or not (link.type == "subform" or (link.type == "relation" and link.multiple)):
            continue
        if link.type == "subform":
            if child is not None:
                app.graph.add_edge((form.key, f"{link.id}.{child}"), node)
            continue
        source = rollups.resolve(app.forms, form, FieldDef.model_construct(source=link.id))
        if source is not None:
            _count_in(app, node, source, child)


def _count_in(app: AppGraph, node: Node, source: rollups.Source, child: str | None) -> None:
    if all(known.link.id != source.link.id for known in app.lists.setdefault(node, [])):
        app.lists[node].append(source)
    if source.kind == "reverse":  # the link is the other form's field
        app.graph.add_edge((source.child_key, source.link.id), node)
    if child is not None:
        app.graph.add_edge((source.child_key, child), node)


def refuse_cycles(app: AppGraph) -> None:
    try:
        cycle = nx.find_cycle(app.graph.reverse(copy=False))  # read as "uses": Total → Tax
    except nx.NetworkXNoCycle:
        return
    names = [_name(app, a) for a, _b in cycle] + [_name(app, cycle[0][0])]
    raise Invalid(_("Computed fields depend on each other in a circle."), errors=[FieldError(
        "fields", "cycle", _("These fields depend on each other in a circle: %(cycle)s.", cycle=" → ".join(names)))])


def _name(app: AppGraph, node: Node) -> str:
    try:
        return app.label(node)
    except (KeyError, StopIteration):
        return node[1]


_graphs = generation.Cache()


def app_graph(session: Session, app: AppRef) -> AppGraph:
    """The graph of the app's published forms, kept per app generation (which every publish
    renews, in every process: platform/generation.py); no query when kept, as the
    generation came with the form (``load_form``)."""
    return _graphs.get(session, app.key, lambda: build({form.key: form for form in load_app_forms(session, app)}))
