"""Form logic: visibility rules (``show_when`` on fields and sections) and validation rules.

Checked when the definition is validated: a condition given as text is parsed with fields
named by key or label and kept as the AST, fields by id; a circle of visibility rules is
refused. Applied on every save (records.py), on the merged values, in dependency order: a
field hidden by its rule or its section's counts as BLANK for the rules after it, is not
required, and its value is cleared unless ``keep_when_hidden`` (never a field the caller
may not see: visibility is not a permission). Validation rules come last: a rule whose
``when`` is TRUE refuses the save with its message at its field. The pages ask the same
code which fields are shown (``visibility``), so there is one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from brickwork.engines.form.formulas import fail, formula_infos, refs_of
from brickwork.engines.form.model import FieldDef, FormShape, no_repeats
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression import Context, Node, evaluate, parse, parse_condition, to_json
from brickwork.platform.expression.formula import _parse, parse_formula
from brickwork.platform.i18n import _, pick


def check_logic(definition: FormShape) -> None:
    """Turn every condition into its AST (fields by id) and refuse a circle of visibility rules."""
    known = formula_infos(definition.fields)  # with sub-forms' rows: SUM(lines.amount) > 5000
    # Formulas typed only at publish (over a lookup or another form): in a draft their type is
    # not known yet, so a condition over them is kept as written and typed at publish.
    waiting = {f.id for f in definition.fields if f.result is None and (
        f.type == "formula" or any(c.type == "formula" and c.result is None for c in f.fields or []))}
    by_key = {f.key: f.id for f in definition.fields}
    for i, f in enumerate(definition.fields):
        if f.show_when is not None:
            f.show_when = _condition(f.show_when, known, ("fields", i, "show_when"), waiting)
        row_keys = {c.key: c.id for c in f.fields or []}
        for j, child in enumerate(f.fields or []):
            if child.show_when is not None:
                raise fail(("fields", i, "fields", j, "show_when"), "show_when", _(
                    "A column of a sub-form cannot have a visibility rule."))
            for m, match in enumerate(child.fill_from.match if child.fill_from else []):
                if match.field not in row_keys.keys() | row_keys.values():  # matched within the row
                    raise fail(("fields", i, "fields", j, "fill_from", "match", m, "field"), "field", _(
                        "The form has no field %(name)s.", name=match.field))
                match.field = row_keys.get(match.field, match.field)
        for m, match in enumerate(f.fill_from.match if f.fill_from else []):
            if match.field not in by_key.keys() | by_key.values():
                raise fail(("fields", i, "fill_from", "match", m, "field"), "field", _(
                    "The form has no field %(name)s.", name=match.field))
            match.field = by_key.get(match.field, match.field)
    for i, s in enumerate(definition.sections):
        if s.show_when is not None:
            s.show_when = _condition(s.show_when, known, ("sections", i, "show_when"), waiting)
    no_repeats(definition.rules, "id")
    ids = {f.id for f in definition.fields} | set(by_key)
    for i, rule in enumerate(definition.rules):
        rule.when = _condition(rule.when, known, ("rules", i, "when"), waiting)
        if rule.field is not None:
            if rule.field not in ids:
                raise fail(("rules", i, "field"), "field", _("The form has no field %(name)s.", name=rule.field))
            rule.field = by_key.get(rule.field, rule.field)
    _refuse_cycles(definition)


def _condition(data: Any, known: dict, loc: tuple, waiting: set[str]) -> dict[str, Any] | str:
    try:
        if waiting and isinstance(data, str) and refs_of(to_json(_parse(data, known)[0])) & waiting:
            return data
        node = parse_formula(data, known, expect="boolean") if isinstance(data, str) else parse_condition(data, known)
    except Invalid as problem:
        error = problem.errors[0]
        raise fail(loc, error.code, error.message, getattr(error, "start", None),
                   getattr(error, "end", None)) from None
    except ValueError as problem:  # a malformed AST
        raise fail(loc, "expression", str(problem)) from None
    return to_json(node)


def sections_of(definition: FormShape) -> dict[str, str]:
    """Field id → the id of the section it is under (as layout.rows draws them)."""
    sections = {s.id for s in definition.sections}
    found: dict[str, str] = {}
    placed: set[str] = set()
    current = None
    for line in definition.layout:
        if line and line[0] in sections:
            current = line[0]
            continue
        placed.update(line)
        for fid in line:
            if current is not None:
                found[fid] = current
    if current is not None:  # fields in no row follow the last row
        found.update({f.id: current for f in definition.fields if f.id not in placed})
    return found


def _graph(definition: FormShape) -> nx.DiGraph:
    """An edge from each field a rule reads to each field the rule shows or hides."""
    graph = nx.DiGraph()
    graph.add_nodes_from(f.id for f in definition.fields)
    section_rules = {s.id: s.show_when for s in definition.sections if s.show_when is not None}
    under = sections_of(definition)
    for f in definition.fields:
        for rule in (f.show_when, section_rules.get(under.get(f.id, ""))):
            for ref in refs_of(rule) if rule is not None else ():
                graph.add_edge(ref, f.id)
    return graph


class _Plan:
    """What applying a definition's rules needs, worked out once per definition, not per saved
    row: a published definition is parsed once per process (forms.py), so it is kept too."""

    def __init__(self, definition: FormShape):
        self.definition = definition
        self.order = list(nx.topological_sort(_graph(definition)))  # the order rules are applied in
        self.known = formula_infos(definition.fields)
        self.by_id = {f.id: f for f in definition.fields}
        self.sections = {s.id: s for s in definition.sections}
        self.under = sections_of(definition)
        self.has_rules = _has_rules(definition)
        self._nodes: dict[int, tuple[dict, Node]] = {}

    def holds(self, rule: dict | None, values: dict[str, Any], ctx: Context, *, default: bool) -> bool:
        if rule is None:
            return default
        kept = self._nodes.get(id(rule))
        if kept is None or kept[0] is not rule:  # parsed when first met, as before: lazily
            kept = self._nodes[id(rule)] = (rule, parse(rule))
        return bool(evaluate(kept[1], values, self.known, ctx))


_plans: dict[int, _Plan] = {}


def _plan(definition: FormShape) -> _Plan:
    kept = _plans.get(id(definition))
    if kept is None or kept.definition is not definition:  # the definition is kept, so its id is not reused
        if len(_plans) >= 256:
            _plans.clear()
        kept = _plans[id(definition)] = _Plan(definition)
    return kept


def _refuse_cycles(definition: FormShape) -> None:
    graph = _graph(definition)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    label = {f.id: pick(f.label) for f in definition.fields}
    names = [label.get(a, a) for a, _b in cycle] + [label.get(cycle[0][0], cycle[0][0])]
    first = next(i for i, f in enumerate(definition.fields) if f.id == cycle[0][1])
    raise fail(("fields", first, "show_when"), "cycle", _(
        "These visibility rules depend on each other in a circle: %(cycle)s.", cycle=" → ".join(names)))


@dataclass
class Visibility:
    hidden_fields: set[str]
    hidden_sections: set[str]


def visibility(definition: FormShape, values: dict[str, Any], ctx: Context) -> Visibility:
    """Which fields and sections the rules hide for these logical values (field id → value)."""
    plan = _plan(definition)
    seen = dict(values)  # hidden fields become BLANK for the rules after them
    shown_sections: dict[str, bool] = {}
    hidden: set[str] = set()
    for fid in plan.order:
        f = plan.by_id.get(fid)
        if f is None:
            continue
        section = plan.sections.get(plan.under.get(fid, ""))
        if section is not None and section.id not in shown_sections:
            shown_sections[section.id] = plan.holds(section.show_when, seen, ctx, default=True)
        if (section is not None and not shown_sections[section.id]) or \
                not plan.holds(f.show_when, seen, ctx, default=True):
            hidden.add(fid)
            seen[fid] = None
    for s in definition.sections:  # a section with no fields under it
        if s.id not in shown_sections:
            shown_sections[s.id] = plan.holds(s.show_when, seen, ctx, default=True)
    return Visibility(hidden, {sid for sid, shown in shown_sections.items() if not shown})


def clear_hidden(definition: FormShape, values: dict[str, Any], readable: set[str], ctx: Context) -> set[str]:
    """Apply the visibility rules to a record about to be saved: clear the values of hidden
    fields (not kept, not hidden from the caller by permission). Returns every hidden field."""
    if not _plan(definition).has_rules:
        return set()
    hidden = visibility(definition, values, ctx).hidden_fields
    by_id = _plan(definition).by_id
    for fid in hidden:
        if not by_id[fid].keep_when_hidden and fid in readable:
            values[fid] = None
    return hidden


def check_rules(definition: FormShape, values: dict[str, Any], errors: list[FieldError], ctx: Context,
                prefix: str = "") -> None:
    """Each validation rule whose condition holds refuses the save, its message at its field."""
    if not definition.rules:
        return
    plan = _plan(definition)
    by_id: dict[str, FieldDef] = plan.by_id
    for rule in definition.rules:
        if plan.holds(rule.when, values, ctx, default=False):
            where = by_id[rule.field].key if rule.field in by_id else "rules"
            errors.append(FieldError(prefix + where, "rule", pick(rule.message)))


def has_visibility_rules(definition: FormShape) -> bool:
    return _has_rules(definition)


def _has_rules(definition: FormShape) -> bool:
    return any(f.show_when is not None for f in definition.fields) or \
        any(s.show_when is not None for s in definition.sections)
