"""Links between records as pages show them: a relation's value as the titles of the linked
records, each linking to its record page; a sub-form's rows as a read-only table; and the
360° record page's related lists (every relation in the app that links to this record)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.related import link_condition, related_lists
from brickwork.platform.i18n import pick

RELATED_ITEMS = 5
ITEM_FIELDS = 3
NOT_IN_ITEMS = ("subform", "textarea", "attachment", "image")


def record_links(f: FieldDef, value: Any, names: Names | None, app: str) -> list[tuple[str, str]]:
    """A relation's value as (href, title) pairs, in order."""
    ids = value if isinstance(value, list) else [] if value is None else [value]
    return [(f"/apps/{app}/forms/{f.target}/records/{i}", names.title(f.target, i) if names else f"#{i}")
            for i in ids if isinstance(i, int)]


def linked(f: FieldDef, value: Any, names: Names | None, app: str) -> Markup:
    """The same as HTML: the titles as links, separated by commas (table cells, cards)."""
    return Markup(", ").join(Markup('<a href="{}">{}</a>').format(href, title)
                             for href, title in record_links(f, value, names, app))


@dataclass
class SubTable:
    head: list[str]
    rows: list[list[str]]


def sub_table(f: FieldDef, value: Any, names: Names | None) -> SubTable:
    """A sub-form's rows as the record page shows them: a header, and each cell as people read it."""
    children = f.fields or []
    rows = [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []
    return SubTable([pick(c.label) for c in children],
                    [[_text(c, row.get(c.key), names) for c in children] for row in rows])


def _text(f: FieldDef, value: Any, names: Names | None) -> str:
    try:
        return display(f, value, names)
    except (TypeError, ValueError, AttributeError):
        return str(value)


@dataclass
class Item:
    href: str
    title: str
    fields: list[tuple[str, Any]]  # (label, text or links)


@dataclass
class RelatedList:
    label: str  # the linking form, and the field when the form links in more than one way
    total: int
    items: list[Item]
    all_href: str
    new_href: str | None
    key: str  # "contacts.customer": names the list for tests and anchors


def related(session: Session, service: RecordService, record_id: int) -> list[RelatedList]:
    """One list per relation in the app that links to this record's form, for the forms the
    caller may read: how many link, the newest few, where to see them all and add one."""
    app = service.form.app.key
    found = related_lists(service, record_id, RELATED_ITEMS)
    per_form: dict[str, int] = {}
    for entry in found:
        per_form[entry["form"]] = per_form.get(entry["form"], 0) + 1
    lists = []
    for entry in found:
        source = load_form(session, app, entry["form"])
        other = RecordService(session, source, service.who)
        f = source.by_key[entry["field"]]
        base = f"/apps/{app}/forms/{source.key}"
        label = pick(entry["form_label"])
        if per_form[entry["form"]] > 1:
            label = f"{label} · {pick(entry['field_label'])}"
        condition = link_condition(f, record_id)
        lists.append(RelatedList(
            label=label, total=entry["total"] or 0, items=_items(session, other, f, entry["items"], base),
            all_href=f"{base}?{urlencode({'filter': json.dumps(condition)})}",
            new_href=f"{base}/records/new?{urlencode({f.key: record_id})}" if "create" in other.grant.actions
            else None, key=f"{source.key}.{f.key}"))
    return lists


def _items(session: Session, service: RecordService, link: FieldDef, records: list[dict[str, Any]], base: str
           ) -> list[Item]:
    form, app = service.form, service.form.app.key
    title = form.title if form.title is not None and form.title.id in service.grant.readable else None
    shown = [f for f in form.definition.fields if f.id in service.grant.readable and f is not title
             and f.id != link.id and f.type not in NOT_IN_ITEMS][:ITEM_FIELDS]
    names = Names(session, shown, records, app_key=app, who=service.who)
    items = []
    for record in records:
        heading = _text(title, record.get(title.key), names) if title else ""
        cells = [(pick(f.label), linked(f, record.get(f.key), names, app) if f.type == "relation"
                  else escape(_text(f, record.get(f.key), names))) for f in shown]
        items.append(Item(f"{base}/records/{record['id']}", heading or f"#{record['id']}",
                          [(label, text) for label, text in cells if text]))
    return items
