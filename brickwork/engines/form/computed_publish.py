"""Publishing a form with computed fields: what needs the app's other forms.

Before the table changes: rollups over other forms' records and lookups are resolved and
checked (their fields kept by id, the result type and scale recorded), the app's
dependency graph is built with the new version and a cycle is refused, and a field that
another form's rollup or lookup uses may not go or change type. After the table changed:
the computed fields that are new or changed, and everything computed from them in any
form, are recomputed for every row, one UPDATE each.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from brickwork.engines.form import dependencies, recompute, rollups, storage
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.dependencies import AppGraph, Node
from brickwork.engines.form.forms import AppRef, Form, load_app_forms
from brickwork.engines.form.formulas import formula_infos, refs_of, settle
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _, pick

DERIVED = ("formula", "rollup", "lookup")
NOT_SETTINGS = ("key", "label", "description", "placeholder", "required", "indexed", "unique")


def app_forms(session: Session, app, key: str, definition: FormDefinition, version: int) -> dict[str, Form]:
    ref = AppRef(app.id, app.key)
    forms = {form.key: form for form in load_app_forms(session, ref)}
    forms[key] = Form(ref, key, version, definition)
    return forms


def prepare(session: Session, app, key: str, new: FormDefinition, version: int) -> FormDefinition:
    """The definition with its rollups over other forms and its lookups resolved; Invalid
    at the field's JSON path when one does not resolve or suit."""
    forms = app_forms(session, app, key, new, version)
    this = forms[key]
    touched = False
    for i, f in enumerate(new.fields):
        own = this.by_id.get(f.source or "")
        if f.type == "rollup" and ("." in (f.source or "") or (own is not None and own.type == "relation")):
            source = rollups.resolve(forms, this, f)
            if source is None:
                raise _invalid(f"fields[{i}].source", "source", _(
                    "No published form links here through %(source)s.", source=f.source))
            if source.kind == "reverse":
                f.source = f"{source.child_key}.{source.link.id}"
            _settle(f, source.children, i)
            touched = True
        elif f.type == "lookup":
            relation = this.by_id[f.relation]
            target = forms.get(relation.target or "")
            found = target and (target.by_id.get(f.field or "") or target.by_key.get(f.field or ""))
            if not found or not storage.has_column(found):
                raise _invalid(f"fields[{i}].field", "field", _(
                    "The linked form has no field %(name)s that a lookup can show.", name=f.field))
            f.field, touched = found.id, True
        elif f.type == "subform":
            for j, child in enumerate(f.fields or []):
                if child.type != "lookup":
                    continue
                relation = next((g for g in f.fields or [] if g.id == child.relation), None)
                target = forms.get(relation.target or "") if relation is not None else None
                found = target and (target.by_id.get(child.field or "") or target.by_key.get(child.field or ""))
                if not found or not storage.has_column(found):
                    raise _invalid(f"fields[{i}].fields[{j}].field", "field", _(
                        "The linked form has no field %(name)s that a lookup can show.", name=child.field))
                child.field, touched = found.id, True
    # Formulas over relations (to many, or other forms' links here) are typed now that the
    # other forms are at hand; so are picker filters and suggestions over the linked forms' fields.
    touched = touched or any(f.type == "formula" or f.picker_filter is not None or f.suggest is not None
                             for f in new.fields)
    if not touched:
        return new
    targets = {form_key: form.definition.fields for form_key, form in forms.items()}
    try:  # again: formulas over the rollups now know their types
        checked = FormDefinition.model_validate(new.model_dump(mode="json", exclude_none=True),
                                                context={"forms": targets})
    except ValidationError as exc:
        raise Invalid(_("The definition is not valid."), errors=field_errors(exc)) from None
    _other_records_resolve(checked, formula_infos(checked.fields, targets, key))
    return checked


def _other_records_resolve(definition: FormDefinition, known: dict) -> None:
    """A formula over another form's records (``SUM(lines.header.amount)``) needs that form
    published with its relation here; until then publishing is refused (an app file's
    install publishes that form first and comes back), never left to fail when computed."""
    for i, f in enumerate(definition.fields):
        if f.type != "formula" or f.expression is None:
            continue
        missing = sorted(ref for ref in refs_of(f.expression) if "." in ref and ref not in known)
        if missing:
            raise _invalid(f"fields[{i}].formula", "source", _(
                "No published form links here through %(source)s.", source=missing[0]))


def _settle(f: FieldDef, children: list[FieldDef], i: int) -> None:
    try:
        settle(f, children, ("fields", i))
    except ValidationError as exc:
        raise Invalid(_("The definition is not valid."), errors=field_errors(exc)) from None


def _invalid(path: str, code: str, message: str) -> Invalid:
    return Invalid(_("The definition is not valid."), errors=[FieldError(f"$.{path}", code, message)])


def check_graph(session: Session, app, key: str, old: FormDefinition | None, new: FormDefinition,
                version: int, signature) -> AppGraph:
    """The app's graph with the new version: no cycle, and no field that another form
    computes from may go or change type."""
    graph = dependencies.build(app_forms(session, app, key, new, version))
    dependencies.refuse_cycles(graph)
    if old is None:
        return graph
    now = {f.id: f for f in new.fields}
    before = dependencies.build(app_forms(session, app, key, old, version))
    for (form_key, fid), (user_key, user_fid) in before.graph.edges:
        if form_key != key or user_key == key or "." in fid or fid not in {f.id for f in old.fields}:
            continue
        was = next(f for f in old.fields if f.id == fid)
        if fid not in now or signature(was) != signature(now[fid]):
            user = before.field((user_key, user_fid))
            raise Invalid(_("Another form computes from this field."), errors=[FieldError(
                was.key, "used", _("%(field)s of %(form)s uses it; change that field first.",
                                   field=pick(user.label), form=pick(before.forms[user_key].definition.label)))])
    return graph


def changed_nodes(key: str, old: FormDefinition | None, new: FormDefinition, signature) -> set[Node]:
    """The fields of this form whose stored computed values (or what they use) changed."""
    before = {f.id: f for f in (old.fields if old else [])}
    changed: set[Node] = set()
    for f in new.fields:
        was = before.get(f.id)
        if f.type in DERIVED and (was is None or _settings(was) != _settings(f)):
            changed.add((key, f.id))
        elif was is not None and signature(was) != signature(f):
            changed.add((key, f.id))
        if f.type == "subform":
            had = {c.id: c for c in (was.fields or [])} if was is not None and was.type == "subform" else {}
            for child in f.fields or []:
                if child.type == "formula" and (child.id not in had or _settings(had[child.id]) != _settings(child)):
                    changed.add((key, f"{f.id}.{child.id}"))
    return changed


def _settings(f: FieldDef) -> dict:
    return f.model_dump(mode="json", exclude=set(NOT_SETTINGS))


def finish(db: Connection, session: Session, app, key: str, old: FormDefinition | None, new: FormDefinition,
           version: int, signature) -> list[str]:
    """Recompute, for every row, what the new version changed; returns the nodes done."""
    changed = changed_nodes(key, old, new, signature)
    if not changed:
        return []
    graph = dependencies.build(app_forms(session, app, key, new, version))
    done = recompute.recompute_all(db, graph, changed)
    return [f"{form_key}.{fid}" for form_key, fid in done]
