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

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import networkx as nx
from pydantic_core import PydanticCustomError, ValidationError

from brickwork.engines.form.fieldtypes import REGISTRY, text_length
from brickwork.engines.form.fieldtypes.computed import _uses_clock, volatile
from brickwork.engines.form.model import FieldDef, FormShape
from brickwork.platform.errors import Invalid
from brickwork.platform.expression import TYPES, FieldInfo, check, parse, to_json
from brickwork.platform.expression.formula import _parse, parse_formula
from brickwork.platform.expression.values import ROWS
from brickwork.platform.i18n import _, pick

RESULTS = ("number", "text", "boolean", "date", "datetime")
# After "deals" in "deals.customer.amount": another form's relation, then one of its fields.
REVERSE_TAIL = re.compile(r"\.\w+\.\w+")
# What each aggregate of a rollup sums up: the value types of the field it reads.
ALLOWED = {"count": (), "sum": ("number",), "avg": ("number",), "min": ("number", "date", "datetime"),
           "max": ("number", "date", "datetime"), "earliest": ("date", "datetime"), "latest": ("date", "datetime")}


def infos(fields: list[FieldDef]) -> dict[str, FieldInfo]:
    """What formulas may use: every field with a value of a type the language knows, named
    by key and labels (formula text) and typed by its stored value."""
    found = {}
    for f in fields:
        kind = REGISTRY[f.type]
        value_type = kind.value_type(f)
        if value_type in TYPES and (kind.has_column(f) or f.type == "formula"):
            found[f.id] = FieldInfo(value_type, kind.value_scale(f), key=f.key,
                                    labels=tuple(v for v in f.label.values() if v), length=text_length(f))
    return found


def field_infos(fields: list[FieldDef]) -> dict[str, FieldInfo]:
    """What the expression language knows of each field it can compute with. A list of
    files is, to a condition, a list like any other (ISBLANK, HAS)."""
    infos = {}
    for f in fields:
        kind = REGISTRY[f.type]
        logical = "choices" if kind.logical == "files" else kind.value_type(f)
        if logical in TYPES and kind.has_column(f):
            infos[f.id] = FieldInfo(logical, kind.value_scale(f), length=text_length(f))
    return infos


Targets = Mapping[str, list[FieldDef]]  # form key → its fields: the forms relations link to


def formula_infos(fields: list[FieldDef], targets: Targets | None = None, own: str | None = None
                  ) -> dict[str, FieldInfo]:
    """``infos`` plus the lists a formula may sum up: each sub-form with its rows' fields,
    each relation to many whose target form is in ``targets`` with that form's fields
    (``SUM(lines.amount)``, ``COUNT(opportunities)``), and the records of other forms whose
    relation links to this form ``own`` (``SUM(deals.customer.amount)``, id
    ``deals.<relation id>``, as a rollup's source)."""
    found = infos(fields)
    for form_key, others in (targets or {}).items() if own is not None else ():
        for link in others:
            if link.type == "relation" and link.target == own:
                found[f"{form_key}.{link.id}"] = FieldInfo(
                    ROWS, key=f"{form_key}.{link.key}", labels=(), children=infos(others))
    for f in fields:
        if f.type == "subform":
            children: Mapping[str, FieldInfo] = infos(f.fields or [])
        elif f.type == "relation" and f.multiple and targets is not None and f.target in targets:
            children = infos(targets[f.target])
        else:
            continue
        found[f.id] = FieldInfo(ROWS, key=f.key, labels=tuple(v for v in f.label.values() if v), children=children)
    return found


class _AnyChild(Mapping):
    """The fields of a relation's target before the other forms are at hand (a draft): any
    name resolves, so the formula's references are known; it is typed at publish."""

    def __getitem__(self, key: str) -> FieldInfo:
        return FieldInfo("text", key=key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)


def paths_of(data: Any) -> set[tuple[str, str | None]]:
    """(list field, child field or None) of every list a stored formula aggregates."""
    if isinstance(data, dict):
        found = set()
        if isinstance(data.get("ref"), str) and isinstance(data.get("path"), list) and data["path"]:
            found.add((data["ref"], data["path"][0]))
        return found.union(*(paths_of(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(paths_of(v) for v in data)) if data else set()
    return set()


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
    return ValidationError.from_exception_data("FormShape", [
        {"type": PydanticCustomError(code, "{message}", ctx), "loc": loc, "input": None}])


def check_computed(definition: FormShape, targets: Targets | None = None) -> None:
    """``targets``: the app's forms (at publish), so that formulas over relations to many
    are typed; without them such formulas wait for publish (as rollups over them do)."""
    for i, f in enumerate(definition.fields):
        if f.type == "subform":
            for j, child in enumerate(f.fields or []):
                if child.type == "lookup":
                    _check_lookup_in(f.fields or [], ("fields", i, "fields", j), child)
            check_formulas(f.fields or [], ("fields", i, "fields"), targets, lists=False)
    for i, f in enumerate(definition.fields):  # rollups over rows may sum up the rows' formulas
        if f.type == "rollup":
            _check_subform_rollup(definition, i, f)
        elif f.type == "lookup":
            _check_lookup(definition, i, f)
    check_formulas(definition.fields, ("fields",), targets, own=definition.key)


def check_formulas(fields: list[FieldDef], at: tuple, targets: Targets | None = None, *, lists: bool = True,
                   own: str | None = None) -> None:
    """Parse and type every formula among ``fields``, in dependency order. ``lists``: the
    formulas may aggregate sub-forms and relations to many (not inside sub-form rows)."""
    index = {f.id: i for i, f in enumerate(fields)}
    formulas = [f for f in fields if f.type == "formula"]
    if not formulas:
        return
    known = formula_infos(fields, targets, own) if lists else infos(fields)
    known |= lookup_infos(fields, targets)
    # Relations to many whose target is not at hand: formulas over them wait for publish.
    waiting = {f.id for f in fields if lists and f.type == "relation" and f.multiple and f.id not in known}
    every = {f.id: FieldInfo("text", key=f.key, labels=tuple(v for v in f.label.values() if v)) for f in fields}
    every |= {fid: FieldInfo(ROWS, key=every[fid].key, labels=every[fid].labels, children=_AnyChild())
              for fid in waiting}
    # Names only, for phase one: a list keeps its children's names, everything else is text.
    named = every | {fid: replace(info, type=ROWS if info.children is not None else "text")
                     for fid, info in known.items()}
    # Sub-forms whose rows hold a formula not typed yet (over a lookup, before publish).
    untyped = {g.id for g in fields if g.type == "subform"
               and any(c.type == "formula" and c.result is None for c in g.fields or [])}
    graph = nx.DiGraph()
    later: set[str] = set()
    for f in formulas:
        graph.add_node(f.id)
        refs = _references(f, named, at + (index[f.id],), waits=targets is None and lists)
        if refs is None or refs & waiting or refs & untyped or any("." in ref and ref not in known for ref in refs):
            later.add(f.id)  # names other forms' records: typed at publish
            continue
        for ref in refs:
            other = next((g for g in fields if g.id == ref), None)
            if other is not None and other.type == "lookup" and other.id not in known:
                later.add(f.id)  # typed at publish, when the linked form is at hand
                continue
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
    for fid in later.copy():
        later |= nx.descendants(graph, fid)
    for fid in nx.topological_sort(graph):
        f = next(g for g in fields if g.id == fid)
        if fid in later:
            continue  # kept as written (or as published) until the other forms are at hand
        _typed(f, known, at + (index[fid],), fields)
        known[fid] = FieldInfo(f.result, REGISTRY["formula"].value_scale(f), key=f.key,
                               labels=tuple(v for v in f.label.values() if v))


def _source(f: FieldDef) -> str:
    return "formula" if f.formula is not None else "expression"


def _references(f: FieldDef, names: dict[str, FieldInfo], loc: tuple, *, waits: bool = False) -> set[str] | None:
    """The field ids a formula names (phase one: names resolved, types not yet known). None:
    a dotted name does not resolve yet and ``waits`` (a draft: it may be another form's
    relation that links here, ``deals.customer.amount``, known at publish)."""
    if f.formula is not None:
        try:
            node, _span = _parse(f.formula, names)
        except Invalid as problem:
            error = problem.errors[0]
            named, after = f.formula[getattr(error, "start", 0):getattr(error, "end", 0)], f.formula[error.end:]
            if waits and ((error.code == "unknown_field" and "." in named + after[:1])
                          or (error.code == "not_rows" and REVERSE_TAIL.match(after))):
                return None
            raise fail(loc + ("formula",), error.code, error.message, getattr(error, "start", None),
                       getattr(error, "end", None)) from None
        return refs_of(to_json(node))
    return refs_of(f.expression)


# How amounts combine: these keep the currency of their (money) arguments.
KEEPS_CURRENCY = ("+", "-", "SUM", "MIN", "MAX", "AVERAGE", "ROUND", "ABS", "IF", "neg",
                  "BLANKVALUE")  # BLANKVALUE({received}, 0): still an amount


def currency_of(data: Any, fields: dict[str, FieldDef]) -> str | None | bool:
    """The currency of an expression's amounts (``SUM(lines.amount)``, ``qty * price``,
    ``price - discount``), None when it holds no amount, False when it is no amount
    (amounts of two currencies, an amount times an amount, a count)."""
    if not isinstance(data, dict):
        return None
    if "ref" in data:
        f = fields.get(data["ref"])
        if f is not None and data.get("path") and f.type == "subform":
            child = next((c for c in f.fields or [] if c.id == data["path"][0]), None)
            return money_currency(child) if child is not None else None
        return money_currency(f) if f is not None and not data.get("path") else None
    args = data.get("args") or []
    name = data.get("fn")
    if name == "IF":
        args = args[1:]
    found = [currency_of(arg, fields) for arg in args]
    if False in found:
        return False
    money = {c for c in found if c}
    if name in KEEPS_CURRENCY:
        return money.pop() if len(money) == 1 else (False if money else None)
    if name == "*" and len([c for c in found if c]) == 1:
        return money.pop()
    if name == "/" and found and found[0] and not any(found[1:]):
        return found[0]
    return False if money else None


def _typed(f: FieldDef, known: dict[str, FieldInfo], loc: tuple, fields: list[FieldDef] | None = None) -> None:
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
    if fields is not None:  # derived, never set by hand: it follows the formula
        found = currency_of(f.expression, {g.id: g for g in fields}) if result == "number" else None
        f.currency = found or None


def _result_type(node, known: dict[str, FieldInfo]) -> str:
    return check(node, known)


def _check_subform_rollup(definition: FormShape, i: int, f: FieldDef) -> None:
    """A rollup over a sub-form of this form: its child field and condition are checked now."""
    if "." in (f.source or ""):
        return  # another form's records: checked at publish
    source = next((g for g in definition.fields if f.source in (g.id, g.key)), None)
    if source is None:
        raise fail(("fields", i, "source"), "source", _("The form has no field %(name)s.", name=f.source))
    if source.type == "subform":
        settle(f, source.fields or [], ("fields", i))
    elif source.type == "relation" and source.multiple:
        f.source = source.id
    else:
        raise fail(("fields", i, "source"), "source", _(
            "A rollup sums up a relation to many, a sub-form, or another form's records that link here."))


def _check_lookup(definition: FormShape, i: int, f: FieldDef) -> None:
    _check_lookup_in(definition.fields, ("fields", i), f)


def _check_lookup_in(fields: list[FieldDef], loc: tuple, f: FieldDef) -> None:
    """A lookup follows a relation to one among ``fields`` (the form's, or its row's)."""
    relation = next((g for g in fields if f.relation in (g.id, g.key)), None)
    if relation is None or relation.type != "relation" or relation.multiple:
        raise fail(loc + ("relation",), "relation", _("A lookup follows a relation to one record of this form."))
    f.relation = relation.id


def lookup_infos(fields: list[FieldDef], targets: Targets | None) -> dict[str, FieldInfo]:
    """The lookups among ``fields`` as formulas see them: typed as the linked form's field
    (known once the app's forms are at hand, at publish)."""
    found: dict[str, FieldInfo] = {}
    by_id = {f.id: f for f in fields}
    for f in fields:
        relation = by_id.get(f.relation or "") if f.type == "lookup" else None
        linked = (targets or {}).get(relation.target or "") if relation is not None else None
        target = next((g for g in linked or [] if f.field in (g.id, g.key)), None)
        if target is not None:
            typed = infos([target]).get(target.id)
            if typed is not None:
                found[f.id] = replace(typed, key=f.key, labels=tuple(v for v in f.label.values() if v))
    return found


def money_currency(f: FieldDef) -> str | None:
    """The currency of a field's amounts: a money field's, or a computed field's own."""
    if f.type == "money":
        return f.currency or "CNY"
    return f.currency if f.type in ("formula", "rollup", "lookup") else None


def settle(f: FieldDef, children: list[FieldDef], loc: tuple) -> None:
    """Check a rollup against the fields of its children; keep ids, the condition as an AST,
    the result type and scale."""
    if f.aggregate == "count":
        f.field, f.result, f.scale, f.currency = None, "number", 0, None
    else:
        child = next((c for c in children if f.field in (c.id, c.key)), None)
        kind = REGISTRY[child.type] if child is not None else None
        if child is None or not kind.has_column(child):
            raise fail(loc + ("field",), "field", _("The records summed up have no field %(name)s.", name=f.field))
        value_type = kind.value_type(child)
        if value_type not in ALLOWED[f.aggregate]:
            raise fail(loc + ("aggregate",), "aggregate", _(
                "%(aggregate)s does not suit a field of type %(type)s.", aggregate=f.aggregate, type=child.type))
        f.field, f.result = child.id, value_type
        f.currency = money_currency(child) if value_type == "number" else None  # a sum of amounts is one
        if value_type == "number":
            own = kind.value_scale(child)
            f.scale = f.scale if f.scale is not None else (max(own, 2) if f.aggregate == "avg" else own)
        else:
            f.scale = None
    if f.condition is not None:
        known = infos(children)
        try:
            if isinstance(f.condition, str):
                node = parse_formula(f.condition, known, expect="boolean")
            else:
                node = parse(f.condition)
                check(node, known, expect="boolean")
        except Invalid as problem:
            error = problem.errors[0]
            raise fail(loc + ("condition",), error.code, error.message) from None
        except ValueError as problem:
            raise fail(loc + ("condition",), "condition", str(problem)) from None
        if _uses_clock(to_json(node)):
            raise fail(loc + ("condition",), "volatile", _(
                "A rollup is stored, so its condition cannot use TODAY() or NOW()."))
        f.condition = to_json(node)
