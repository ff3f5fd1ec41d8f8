"""The form's rows, as every page draws them: the designer's preview, the create and edit
pages and the record page."""

from __future__ import annotations

from dataclasses import dataclass

from brickwork.engines.form.definition import FieldDef, FormDefinition, Section


@dataclass(frozen=True)
class Row:
    """One line of the form: a section header, or one to three fields side by side."""

    section: Section | None
    fields: tuple[FieldDef, ...]


def rows(definition: FormDefinition, visible: set[str] | None = None) -> list[Row]:
    """The layout's rows in order, then every field no row places, one per row. Fields
    outside ``visible`` (ids; all when None) are left out, and rows they empty with them."""
    fields = {f.id: f for f in definition.fields}
    sections = {s.id: s for s in definition.sections}
    shown = set(fields) if visible is None else visible
    placed: set[str] = set()
    result: list[Row] = []
    for line in definition.layout:
        if line and line[0] in sections:
            result.append(Row(sections[line[0]], ()))
            continue
        placed.update(line)
        members = tuple(fields[i] for i in line if i in shown)
        if members:
            result.append(Row(None, members))
    result += [Row(None, (f,)) for f in definition.fields if f.id not in placed and f.id in shown]
    return result
