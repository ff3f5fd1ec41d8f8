"""Checking a form's computed fields when its definition is validated (every save).

A formula given as text is parsed with its fields named by key or label and kept as the
expression AST, fields by id, so renaming a field breaks nothing; its result type is
recorded. Formulas are checked in the order they depend on each other (a formula over
another formula needs that one's type); a cycle is refused, named by field labels. A
rollup over a sub-form of this form is checked here too; rollups over other forms and
lookups are checked at publish (dependencies.py), when the other forms are at hand.
Formulas inside sub-form rows are checked against the other fields of the row.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import networkx as nx
from pydantic_core import PydanticCustomError, ValidationError

from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.computed import volatile
from brickwork.platform.errors import Invalid
from brickwork.platform.expression import TYPES, FieldInfo, check, parse, to_json
from brickwork.platform.expression.formula import _parse, parse_formula
from brickwork.platform.i18n import _, pick

RESULTS = ("number", "text", "boolean", "date", "datetime")


def infos(fields: list[FieldDef]) -> dict[str, FieldInfo]:
    """What formulas may use: every field with a value of a type the language knows, named
    by key and labels (formula text) and typed by its stored value."""
    found = {}
    for f in fields:
        kind = REGISTRY[f.type]
        value_type = kind.value_type(f)
        if value_type in TYPES and (kind.has_column(f) or f.type == "formula"):
            found[f.id] = FieldInfo(value_type, kind.value_scale(f), key=f.key,
                                    labels=tuple(v for v in f.label.values() if v))
    return found


def refs_of(data: Any) -> set[str]:
    if isinstance(data, dict):
        found = {data["ref"]} if isinstance(data.get("ref"), str) else set()
        return found.union(*(refs_of(v) for k, v in data.items() if k != "ref"))
    if isinstance(data, list):
        return set().union(*(refs_of(v) for v in data)) if data else set()
    return set()


def fail(loc: tuple, code: str, message: str, start: int | None = None, end: int | None = None) -> ValidationError:
    """A definition error at a JSON path (``fields[3].formula``); pydantic keeps the path."""
    ctx = {"message": message, **({"start": start, "end": end} if start is not None else {})}
    return ValidationError.from_exception_data("FormDefinition", [
        {"type": PydanticCustomError(code, "{message}", ctx), "loc": loc, "input": None}])


def check_computed(definition: FormDefinition) -> None:
    for i, f in enumerate(definition.fields):
        if f.type == "subform":
            check_formulas(f.fields or [], ("fields", i, "fields"))
    for i, f in enumerate(definition.fields):  # rollups over rows may sum up the rows' formulas
        if f.type == "rollup":
            _check_subform_rollup(definition, i, f)
        elif f.type == "lookup":
            _check_lookup(definition, i, f)
    check_formulas(definition.fields, ("fields",))


def check_formulas(fields: list[FieldDef], at: tuple) -> None:
    """Parse and type every formula among ``fields``, in dependency order."""
    index = {f.id: i for i, f in enumerate(fields)}
    formulas = [f for f in fields if f.type == "formula"]
    if not formulas:
        return
    known = infos(fields)
    named = {fid: replace(info, type="text") for fid, info in known.items()}  # names only, for phase one
    every = {f.id: FieldInfo("text", key=f.key, labels=tuple(v for v in f.label.values() if v)) for f in fields}
    graph = nx.DiGraph()
    for f in formulas:
        graph.add_node(f.id)
        for ref in _references(f, named | every, at + (index[f.id],)):
            other = next((g for g in fields if g.id == ref), None)
            if other is not None and other.type == "lookup":
                raise fail(at + (index[f.id], _source(f)), "lookup_in_formula", _(
                    "A formula cannot use the lookup %(name)s: a lookup is read live, a formula is stored.",
                    name=pick(other.label)))
            if other is not None and other.type == "formula":
                if volatile(other):
                    raise fail(at + (index[f.id], _source(f)), "volatile_in_formula", _(
                        "%(name)s uses TODAY() or NOW() and is computed when read; another formula cannot use it.",
                        name=pick(other.label)))
                graph.add_edge(ref, f.id)
    try:
        cycle = nx.find_cycle(graph.reverse(copy=False))  # read as "uses": Total → Tax
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        first = cycle[0][0]
        names = [pick(next(g for g in fields if g.id == a).label) for a, _b in cycle] + [
            pick(next(g for g in fields if g.id == first).label)]
        raise fail(at + (index[first], _source(next(g for g in fields if g.id == first))), "cycle", _(
            "These formulas depend on each other in a circle: %(cycle)s.", cycle=" → ".join(names)))
    for fid in nx.topological_sort(graph):
        f = next(g for g in fields if g.id == fid)
        _typed(f, known, at + (index[fid],))
        known[fid] = FieldInfo(f.result, REGISTRY["formula"].value_scale(f), key=f.key,
                               labels=tuple(v for v in f.label.values() if v))


def _source(f: FieldDef) -> str:
    return "formula" if f.formula is not None else "expression"


def _references(f: FieldDef, names: dict[str, FieldInfo], loc: tuple) -> set[str]:
    """The field ids a formula names (phase one: names resolved, types not yet known)."""
    if f.formula is not None:
        try:
            node, _span = _parse(f.formula, names)
        except Invalid as problem:
            error = problem.errors[0]
            raise fail(loc + ("formula",), error.code, error.message, getattr(error, "start", None),
                       getattr(error, "end", None)) from None
        return refs_of(to_json(node))
    return refs_of(f.expression)


def _typed(f: FieldDef, known: dict[str, FieldInfo], loc: tuple) -> None:
    """Parse (text) or check (AST) with the types of the fields; keep the AST and the result."""
    try:
        if f.formula is not None:
            node = parse_formula(f.formula, known)
        else:
            node = parse(f.expression)
            check(node, known)
    except Invalid as problem:
        error = problem.errors[0]
        path = loc + (("formula",) if f.formula is not None else ("expression",))
        raise fail(path, error.code, error.message, getattr(error, "start", None),
                   getattr(error, "end", None)) from None
    except ValueError as problem:  # a malformed AST
        raise fail(loc + ("expression",), "expression", str(problem)) from None
    result = _result_type(node, known)
    if result not in RESULTS:
        raise fail(loc + (_source(f),), "result", _(
            "A formula gives a number, text, true or false, a date or a date and time."))
    f.expression, f.formula, f.result = to_json(node), None, result


def _result_type(node, known: dict[str, FieldInfo]) -> str:
    return check(node, known)


def _check_subform_rollup(definition: FormDefinition, i: int, f: FieldDef) -> None:
    """A rollup over a sub-form of this form: its child field and condition are checked now."""
    if "." in (f.source or ""):
        return  # another form's records: checked at publish
    source = next((g for g in definition.fields if f.source in (g.id, g.key)), None)
    if source is None:
        raise fail(("fields", i, "source"), "source", _("The form has no field %(name)s.", name=f.source))
    if source.type == "subform":
        from brickwork.engines.form.rollups import settle  # rollups build on this module

        settle(f, source.fields or [], ("fields", i))
    elif source.type == "relation" and source.multiple:
        f.source = source.id
    else:
        raise fail(("fields", i, "source"), "source", _(
            "A rollup sums up a relation to many, a sub-form, or another form's records that link here."))


def _check_lookup(definition: FormDefinition, i: int, f: FieldDef) -> None:
    relation = next((g for g in definition.fields if f.relation in (g.id, g.key)), None)
    if relation is None or relation.type != "relation" or relation.multiple:
        raise fail(("fields", i, "relation"), "relation", _("A lookup follows a relation to one record of this form."))
    f.relation = relation.id
