"""What the form designer's page script is given: the palette, each type's settings, the
versions with who published them, and every text it shows, translated on the server."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import shown_name
from brickwork.platform.models import Definition, User

# Palette groups, in order. A registered type missing here is shown under "other".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("basic", ("text", "textarea", "number", "money", "percent", "email", "phone", "url")),
    ("choice", ("select", "multiselect", "boolean", "rating")),
    ("date", ("date", "datetime")),
    ("people", ("user", "department")),
    ("files", ("attachment", "image")),
    ("other", ("region", "autonumber", "relation", "subform")),
    ("computed", ("formula", "rollup", "lookup")),
)


def type_names() -> dict[str, str]:
    return {
        "text": _("Single-line text"), "textarea": _("Multi-line text"), "number": _("Number"),
        "money": _("Money"), "percent": _("Percent"), "email": _("Email"), "phone": _("Phone"),
        "url": _("Link"), "select": _("Single choice"), "multiselect": _("Multiple choice"),
        "boolean": _("Yes / no"), "rating": _("Rating"), "date": _("Date"), "datetime": _("Date and time"),
        "user": _("Member"), "department": _("Department"), "attachment": _("Attachment"),
        "image": _("Image"), "region": _("Region"), "autonumber": _("Serial number"),
        "relation": _("Related record"), "subform": _("Sub-form (table of lines)"),
        "formula": _("Formula"), "rollup": _("Rollup (sum of related)"),
        "lookup": _("Lookup (field of a related record)"),
    }


def group_names() -> dict[str, str]:
    return {"basic": _("Basic"), "choice": _("Choice"), "date": _("Date and time"), "people": _("People"),
            "files": _("Files"), "other": _("Other"), "computed": _("Computed"), "layout": _("Layout")}


def palette() -> list[dict[str, Any]]:
    names = type_names()
    grouped = {t for _group, types in GROUPS for t in types}
    unlisted = tuple(t for t in REGISTRY if t not in grouped)
    return [{"group": group, "name": group_names()[group],
             "types": [{"type": t, "name": names.get(t, t)} for t in types + (unlisted if group == "other" else ())
                       if t in REGISTRY]}
            for group, types in GROUPS]


def types_info() -> dict[str, dict[str, Any]]:
    """Per type: its translated name, the settings it reads, its dynamic defaults, and how
    conditions compare it (its logical kind and operators)."""
    names = type_names()
    return {name: {"name": names.get(name, name), "settings": sorted(kind.settings),
                   "dynamic_defaults": list(kind.dynamic_defaults),
                   # for the filter builder of the logic editors (views_filter.js)
                   "logical": kind.logical, "operators": list(kind.operators)} for name, kind in REGISTRY.items()}


def formula_texts(body: dict[str, Any], app_forms: dict[str, dict] | None = None, own: str | None = None
                  ) -> dict[str, str]:
    """Each formula field's formula as text with today's field keys (the body keeps the AST by
    field id), for the formula editor; ``app_forms`` (key → body) name the fields of the
    records a formula sums up over relations. A draft that does not validate shows none."""
    from pydantic import ValidationError

    from brickwork.engines.form.definition import FormDefinition
    from brickwork.engines.form.formulas import formula_infos
    from brickwork.platform.expression import parse
    from brickwork.platform.expression.printer import print_formula

    try:
        definition = FormDefinition.model_validate(body)
    except ValidationError:
        return {}
    targets = {}
    for key, other in (app_forms or {}).items():
        try:
            targets[key] = FormDefinition.model_validate(other).fields
        except ValidationError:
            continue  # another form's broken draft names nothing here
    known = formula_infos(definition.fields, targets, own)  # SUM(lines.amount), SUM(deals.amount)
    texts = {f.id: print_formula(parse(f.expression), known) for f in definition.fields
             if f.type == "formula" and f.expression}
    for sub in definition.fields:  # a row's formula names the fields of its row (amount = qty * price)
        if sub.type == "subform":
            row = formula_infos(sub.fields or [])
            texts.update({c.id: print_formula(parse(c.expression), row) for c in sub.fields or []
                          if c.type == "formula" and c.expression})
    return texts


def versions(session: Session, rows: list[Definition]) -> list[dict[str, Any]]:
    """The published versions, newest first, with the name of who published each."""
    published = [r for r in rows if r.state == "published"]
    ids = {r.published_by for r in published if r.published_by}
    names = {uid: shown_name(name) for uid, name in
             session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))} if ids else {}
    # Nobody signed in published what the command line installed (a template's version 1).
    return [{"version": r.version, "at": r.published_at.isoformat() + "Z" if r.published_at else None,
             "by": names.get(r.published_by, "") if r.published_by else _("Installed by the system")}
            for r in reversed(published)]


def form_key_from(label: str, taken: set[str]) -> str:
    """A form key from an English label ("Sales leads" -> sales_leads), unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:50]
    if not base or not base[0].isalpha():
        base = f"form_{base}".rstrip("_") if base else "form"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def strings() -> dict[str, str]:
    """Every text the designer's scripts show."""
    return {
        "save": _("Save"), "saving": _("Saving…"), "saved": _("All changes saved"),
        "unsaved": _("Unsaved changes"), "save_failed": _("Not saved: fix the marked problems."),
        "saved_problems": _("Draft saved. Fix the marked problems before publishing."),
        "conflict": _("Someone else saved this draft first. Reload the page to see their version; your "
                      "changes are not saved."),
        "offline": _("Not saved: the server could not be reached. Try Save again."),
        "leave": _("You have unsaved changes."),
        "section": _("Section"), "new_field": _("New field"), "new_section": _("New section"),
        "drop_here": _("Drag fields here from the left"), "beside": _("Drop here to place beside"),
        "form": _("Form"), "field": _("Field"),
        "label_zh": _("Name (Chinese)"), "label_en": _("Name (English)"), "key": _("Key"),
        "key_hint": _("Used by the API, imports and formulas."),
        "key_taken": _("Another field has this key."),
        "key_pattern": _("Lower-case letters, digits and underscores, starting with a letter."),
        "type": _("Type"), "type_changed": _("Publishing converts the existing values; the dialog will show "
                                             "which do not convert."),
        "description_zh": _("Description (Chinese)"), "description_en": _("Description (English)"),
        "placeholder_zh": _("Placeholder (Chinese)"), "placeholder_en": _("Placeholder (English)"),
        "required": _("Required"), "unique_badge": _("Unique"),
        "unique": _("Unique: no two records may have the same value"),
        "default": _("Default value"), "none": _("(none)"), "yes": _("Yes"), "no": _("No"),
        "options": _("Options"), "add_option": _("Add option"), "option": _("Option"),
        "remove": _("Remove"), "color": _("Colour"), "drag": _("Drag to reorder"),
        "scale": _("Decimal places"), "currency": _("Currency"), "min": _("Minimum"), "max": _("Maximum"),
        "max_length": _("Maximum length"), "pattern": _("Number pattern, such as KH-{yyyy}{mm}-{0000}"),
        "accept": _("Allowed file types, such as .pdf, image/*"), "max_files": _("Maximum number of files"),
        "max_size_mb": _("Maximum file size (MB)"), "levels": _("Levels"),
        "province": _("Province"), "city": _("Province and city"), "district": _("Province, city and district"),
        "move_up": _("Move up"), "move_down": _("Move down"), "beside_above": _("Place beside the row above"),
        "delete": _("Delete"), "nothing": _("Select a field on the canvas to edit it."),
        "trash": _("Deleted fields"), "trash_hint": _("Their data is kept. Restore one to put it back."),
        "removed": _("Removed in this draft"), "restore": _("Restore"),
        "preview_failed": _("The preview could not be shown: fix the marked problems."),
        "publish_title": _("Publish"), "checking": _("Checking what will change…"),
        "created": _("A new table is created for the records."), "added": _("Columns added"),
        "renamed": _("Renamed (data unchanged)"), "deleted": _("Moved to the form's trash (data kept)"),
        "restored": _("Restored from the trash"), "purged": _("Deleted for good, with their data"),
        "converted": _("Type changes"), "unique_added": _("Unique indexes added"),
        "unique_dropped": _("Unique indexes dropped"), "index_added": _("Indexes added"),
        "index_dropped": _("Indexes dropped"), "backups_purged": _("Backup columns deleted"),
        "duplicates": _("These values repeat, so the field cannot be unique yet"),
        "dup_title": _("Duplicates"), "dup_on": _("Find likely duplicates"),
        "dup_hint": _("A record is a likely duplicate of another when any of these keys match. The Duplicates "
                      "page lists them and merges them."),
        "dup_none": _("Add a text, phone or email field first: duplicates are found by comparing one."),
        "dup_field": _("Field"), "dup_how": _("Compared as"), "dup_phone": _("Phone number (normalised)"),
        "dup_email": _("Email address (normalised)"), "dup_exact": _("Same text"),
        "dup_fuzzy": _("Similar name (fuzzy)"), "dup_threshold": _("Name similarity threshold (50–100)"),
        "dup_block": _("Refuse to save a likely duplicate (otherwise only warn)"), "dup_add": _("Add a key"),
        "dup_remove": _("Remove"),
        "no_changes": _("Nothing changes in the table."),
        "min_rows": _("Fewest rows"), "max_rows": _("Most rows"),
        "sub_empty": _("Drag fields here to make the columns of each row"),
        "not_in_row": _("A sub-form row cannot hold this type."),
        "required_blank": _("%(n)s records have no value for this required field."),
        "fill_value": _("Fill them with"),
        "convert_line": _("%(from)s → %(to)s: %(ok)s of %(n)s values convert."),
        "convert_failed": _("%(n)s values do not convert; they are kept only in a backup column:"),
        "record": _("Record"), "value": _("Value"), "reason": _("Reason"), "count": _("Times"),
        "confirm_publish": _("Publish"), "confirm_force": _("Publish anyway"), "cancel": _("Cancel"),
        "published": _("Published."), "discard": _("Discard draft"), "history": _("History"),
        "discard_confirm": _("Discard the draft and lose its changes?"),
        "discarded": _("Draft discarded."), "version": _("Version %(n)s"), "diff": _("Changes"),
        "restore_version": _("Use as draft"), "restore_confirm": _("Replace the draft with version %(n)s?"),
        "target": _("Linked form"), "multiple": _("Link several records"),
        "on_delete": _("When the linked record is deleted"), "block": _("Refuse the deletion"),
        "clear": _("Unlink it"), "cascade": _("Delete this record too"),
        "no_diff": _("No differences."), "close": _("Close"), "error": _("Something went wrong."),
        "added_op": _("added"), "removed_op": _("removed"), "changed_op": _("changed"), "moved_op": _("moved"),
        # Computed fields (designer_computed.js)
        "formula": _("Formula"), "formula_hint": _("Such as {Price} * qty + shipping. Fields by name or key; "
                                                   "functions as in a spreadsheet."),
        "insert_field": _("Insert a field"), "source": _("Records to sum up"),
        "source_hint": _("A sub-form or a relation to many of this form, or form_key.relation for the records "
                         "of another form that link here."),
        "aggregate": _("Aggregate"), "count_agg": _("Count"), "sum_agg": _("Sum"), "avg_agg": _("Average"),
        "min_agg": _("Smallest"), "max_agg": _("Largest"), "earliest_agg": _("Earliest"), "latest_agg": _("Latest"),
        "field_of": _("Field of the other records (key)"), "condition": _("Only records where (optional)"),
        "condition_hint": _('Such as stage = "won".'), "relation": _("Relation to one record"),
        "lookup_field": _("Field of the linked record (key)"),
        "computed_note": _("Computed by the server; it cannot be typed in."),
    }
