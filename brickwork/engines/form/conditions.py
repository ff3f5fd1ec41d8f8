"""The expression language applied to a form's records: filters and row-scope conditions.

Refs may name a field by key (what API users write) or by id (what is stored, C2); both
become ids. A caller may only filter on fields they may read, or filtering would reveal
the hidden values one guess at a time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from brickwork.engines.form import storage
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.fieldtypes.numeric import NumberField
from brickwork.engines.form.forms import Form
from brickwork.platform.clock import app_zone, now
from brickwork.platform.errors import Forbidden
from brickwork.platform.expression import TYPES, Context, FieldInfo, Fn, Node, Ref, parse_condition, to_sql
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal


def field_infos(fields: list[FieldDef]) -> dict[str, FieldInfo]:
    """What the expression language knows of each field it can compute with. A list of
    files is, to a condition, a list like any other (ISBLANK, HAS)."""
    infos = {}
    for f in fields:
        kind = REGISTRY[f.type]
        logical = "choices" if kind.logical == "files" else kind.logical
        if logical in TYPES:
            infos[f.id] = FieldInfo(logical, kind.scale(f) if isinstance(kind, NumberField) else 0)
    return infos


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


def compile_condition(form: Form, who: Principal, data: Any,
                      readable: set[str] | None = None) -> ColumnElement[bool]:
    """A condition as SQL over the form's table; ``Invalid`` with JSON paths if malformed."""
    infos = field_infos(form.definition.fields)
    node = parse_condition(with_ids(form, data), infos)
    if readable is not None:
        hidden = sorted(refs(node) - readable)
        if hidden:
            raise Forbidden(_("You may not filter on the field %(name)s.",
                              name=", ".join(form.by_id[f].key for f in hidden)))
    columns = {fid: form.table.c[storage.column_name(fid)] for fid in infos}
    return to_sql(node, columns, infos, context(who))
