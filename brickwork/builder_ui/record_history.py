"""A record's history as people read it: who, when, and per change "Label: old → new", from
the audit entries the record service writes with every change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.builder_ui.record_common import moment, readable, shown, user_names
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.display import Names
from brickwork.engines.form.records import RecordService
from brickwork.platform.i18n import _, pick
from brickwork.platform.models import AuditEntry


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    who: str
    when: Markup
    action: str  # record.created | updated | deleted | restored
    what: str
    changes: list[Change] = field(default_factory=list)


def timeline(session: Session, service: RecordService, record_id: int) -> list[Entry]:
    """Newest first. Fields the reader may not see are left out, as in the API."""
    form = service.form
    entries = list(session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == f"{form.app.key}/{form.key}", AuditEntry.subject_id == str(record_id)
    ).order_by(AuditEntry.id.desc())))
    shown_fields = {f.key: f for f in readable(service)}
    values: list[dict[str, Any]] = []
    for entry in entries:
        if entry.action == "record.updated":
            values += [{k: v[0] for k, v in entry.changes.items()}, {k: v[1] for k, v in entry.changes.items()}]
        else:
            values.append(entry.changes)
    names = Names(session, shown_fields.values(), values, app_key=form.app.key, who=service.who)
    people = user_names(session, {e.actor_id for e in entries})
    what = {"record.created": _("created the record"), "record.updated": _("changed"),
            "record.deleted": _("moved the record to the recycle bin"),
            "record.restored": _("restored the record from the recycle bin")}
    result = []
    for entry in entries:
        who = _("Someone, through a fill link") if (entry.changes or {}).get("_via") == "link" \
            else people.get(entry.actor_id, _("Someone"))
        item = Entry(who, moment(entry.at.isoformat() + "Z"), entry.action,
                     what.get(entry.action, entry.action))
        for key, change in entry.changes.items():
            f = shown_fields.get(key)
            if f is None or key == "_meta":
                continue
            if entry.action == "record.updated":
                item.changes.append(Change(pick(f.label), _text(f, change[0], names), _text(f, change[1], names)))
            elif change not in (None, "", [], False):
                item.changes.append(Change(pick(f.label), "", _text(f, change, names)))
        result.append(item)
    return result


def _text(f: FieldDef, value: Any, names: Names) -> str:
    return shown(f, value, names) or _("(blank)")
