"""The expression language applied to a form's records: filters and row-scope conditions.

Refs may name a field by key (what API users write) or by id (what is stored, C2); both
become ids. A caller may only filter on fields they may read, or filtering would reveal
the hidden values one guess at a time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from brickwork.engines.form import storage
from brickwork.engines.form.forms import Form
from brickwork.engines.form.formulas import field_infos
from brickwork.engines.form.onread import refuse_clock_fields
from brickwork.platform.clock import app_zone, now
from brickwork.platform.errors import FieldError, Forbidden, Invalid
from brickwork.platform.expression import Context, FieldInfo, Fn, Node, Ref, parse_condition, to_json, to_sql
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal


def with_ids(form: Form, data: Any) -> Any:
    """The same AST with every ``{"ref": key}`` turned into ``{"ref": id}``."""
    if isinstance(data, dict):
        if isinstance(data.get("ref"), str) and data["ref"] in form.by_key:
            return {**data, "ref": form.by_key[data["ref"]].id}
        return {k: with_ids(form, v) for k, v in data.items()}
    if isinstance(data, list):
        return [with_ids(form, item) for item in data]
    return data


def refs(node: Node) -> set[str]:
    if isinstance(node, Ref):
        return {node.field}
    if isinstance(node, Fn):
        return set().union(*(refs(arg) for arg in node.args)) if node.args else set()
    return set()


def context(who: Principal) -> Context:
    return Context(now=now(), zone=app_zone(), me=who.user_id, my_department=who.main_department)


def compile_condition(form: Form, who: Principal, data: Any, readable: set[str] | None = None,
                      extra: dict[str, tuple[ColumnElement, FieldInfo]] | None = None) -> ColumnElement[bool]:
    """A condition as SQL over the form's table; ``Invalid`` with JSON paths if malformed.
    ``extra``: values that are no column of the table (lookups: a sub-query each)."""
    infos = field_infos(form.definition.fields)
    columns = {fid: form.table.c[storage.column_name(fid)] for fid in infos}
    for fid, (value, info) in (extra or {}).items():
        columns[fid], infos[fid] = value, info
    links: dict[str, ColumnElement[bool]] = {}
    refuse_clock_fields(form, with_ids(form, data))
    data = _links_to_many(form, with_ids(form, data), links)
    infos |= {name: FieldInfo("boolean") for name in links}
    node = parse_condition(data, infos)
    if readable is not None:
        hidden = sorted((refs(node) - set(links) | {name.split(":")[1] for name in links}) - readable)
        if hidden:
            raise Forbidden(_("You may not filter on the field %(name)s.",
                              name=", ".join(form.by_id[f].key for f in hidden)))
    return to_sql(node, columns | links, infos, context(who))


def _links_to_many(form: Form, data: Any, links: dict[str, ColumnElement[bool]]) -> Any:
    """A relation to many has no column: ``HAS(link, id)`` and ``ISBLANK(link)`` over it become
    references to an EXISTS over its junction table (``links`` gets them), so the rest of
    the language compiles as usual."""
    if isinstance(data, list):
        return [_links_to_many(form, item, links) for item in data]
    if not isinstance(data, dict):
        return data
    args = data.get("args")
    if data.get("fn") in ("HAS", "ISBLANK") and isinstance(args, list) and args and isinstance(args[0], dict):
        f = form.by_id.get(args[0].get("ref"))
        if f is not None and f.type == "relation" and f.multiple:
            junction = storage.junction_table(form.app.id, form.key, f.id)
            found = select(junction.c.source_id).where(junction.c.source_id == form.table.c.id)
            if data["fn"] == "HAS":
                target = args[1].get("lit") if len(args) == 2 and isinstance(args[1], dict) else None
                if not isinstance(target, int) or isinstance(target, bool):
                    raise Invalid(_("The condition is not valid."), errors=[FieldError(
                        "args[1]", "type", _("Give the id of a linked record."))])
                condition = exists(found.where(junction.c.target_id == target))
            else:
                condition = ~exists(found)
            name = f"links:{f.id}:{len(links)}"
            links[name] = condition
            return {"ref": name}
    return {k: _links_to_many(form, v, links) for k, v in data.items()}


def condition_from_text(form: Form, text: str, readable: set[str], extra: dict[str, FieldInfo] | None = None,
                        param: str = "filter") -> dict[str, Any]:
    """A condition written as formula text (``level = "A" AND revenue > 500000``) as the JSON
    tree ``compile_condition`` takes: the one parser of the language, fields named by key or
    label. Only ``readable`` fields have names here, so a hidden field is no field at all
    to the text (no "did you mean" can show its name). Problems come back as ``Invalid``
    on ``param``, each placed in the text (column, or line and column)."""
    infos = field_infos(form.definition.fields) | (extra or {})
    named = {fid: replace(info, key=form.by_id[fid].key,
                          labels=tuple(v for v in form.by_id[fid].label.values() if v))
             for fid, info in infos.items() if fid in readable}
    try:
        node = parse_formula(text, named, expect="boolean")
    except Invalid as problem:
        for error in problem.errors:
            error.field = param
        raise Invalid(_("The filter is not valid."), errors=problem.errors) from None
    return to_json(node)
