"""Form logic as a person types on the create or edit page: which fields and sections the
values typed so far hide, by the same rules a save applies (logic.py)."""

from __future__ import annotations

from typing import Any

from brickwork.engines.form.conditions import context
from brickwork.engines.form.logic import has_visibility_rules, visibility
from brickwork.engines.form.values import parse_input


def shown_now(service, data: dict[str, Any], record_id: int | None = None) -> dict[str, list[str]]:
    """What the create/edit page shows for the values typed so far (API values by key): the
    keys of the hidden fields and ids of the hidden sections, by the rules a save applies.
    A value not valid yet counts as BLANK."""
    definition = service.form.definition
    if not has_visibility_rules(definition):
        return {"hidden_fields": [], "hidden_sections": []}
    values = service.logical(service.row(record_id)) if record_id is not None else {}
    for key, value in data.items():  # one at a time: a value not valid yet leaves the field BLANK
        one = parse_input(service.form, {key: value}, service.grant, [])
        f = service.form.by_key.get(key)
        if f is not None and f.id in service.grant.writable:
            values[f.id] = one.get(f.id)
    found = visibility(definition, values, context(service.who))
    by_id = {f.id: f for f in definition.fields}
    return {"hidden_fields": sorted(by_id[fid].key for fid in found.hidden_fields if fid in service.grant.readable),
            "hidden_sections": sorted(found.hidden_sections)}
