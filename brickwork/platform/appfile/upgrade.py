"""Installing a newer version of a template over the app installed from it: a three-way
merge of every definition (by its kind's merge rule) and of each part's items (merge.py),
published like an install, records kept.

The base is the app as the old version installed it; "mine" is the app now; "theirs" the
new version. Both sides' new elements arrive; where both changed the same thing the app's
value stays and the conflict is reported; nothing the app has is deleted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.appfile.document import export_app, read_document
from brickwork.platform.appfile.install import Installed, install_document, publish_all, put_parts, put_roles, remember
from brickwork.platform.appfile.merge import MISSING, Merge
from brickwork.platform.audit import audit
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import Conflict
from brickwork.platform.i18n import _
from brickwork.platform.models import App, AppTemplate, AuditEntry

UPGRADED = "app.upgrade"


@dataclass
class Upgrade:
    app: App
    from_version: str
    to_version: str
    published: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # the app's changes the template's replaced
    edits: list[str] = field(default_factory=list)  # the app's own changes, kept as they were

    def as_dict(self) -> dict[str, Any]:
        return {"app": self.app.key, "from": self.from_version, "to": self.to_version,
                "published": self.published, "conflicts": self.conflicts, "kept": self.kept,
                "replaced": self.replaced, "edits": self.edits}


def upgrade_app(session: Session, store: DefinitionStore, app: App, data: Any, actor_id: int | None) -> Upgrade:
    document = read_document(data, store)
    installed = session.get(AppTemplate, app.id)
    if document.template is None or installed is None or installed.name != document.template.name:
        raise Conflict(_("The app %(app)s was not installed from this template.", app=app.key))
    old_version, base, mine = installed.version, installed.document, export_app(session, store, app)
    theirs = as_installed(session, store, data)
    merge = Merge()
    changed: dict[str, list[dict]] = {}
    for entry in store.kinds:
        kind, section = entry.name, entry.file_section
        b, m, t = (_by_key(doc.get("definitions", {}).get(section, [])) for doc in (base, mine, theirs))
        for key in [*m, *(k for k in t if k not in m)]:
            at = f"{kind}/{key}"
            if key in b and key not in t:
                merge.kept.append(at)
                continue
            merged = entry.merge(merge, b.get(key, MISSING), m.get(key, MISSING), t.get(key, MISSING), at)
            if merged is not MISSING and merged != m.get(key):
                changed.setdefault(kind, []).append(merged)
    done = Installed(app)
    put_roles(session, app, document.roles)
    publish_all(session, store, app, changed, actor_id, done)
    items = {}
    for part in store.kinds.parts():  # items with ids: three-way, item by item; the new or changed arrive
        merged = merge.value(base.get(part.name, []), mine.get(part.name, []), theirs.get(part.name, []), part.name)
        items[part.name] = [part.item.model_validate(i) for i in merged if i not in mine.get(part.name, [])]
    put_parts(session, store, app, items, actor_id, done)
    remember(session, store, app, document)
    upgrade = Upgrade(app, old_version, document.template.version, done.published, merge.conflicts,
                      merge.kept, merge.replaced, merge.edits)
    # The report stays where people read what happened to an app: its audit log, whence the
    # gallery shows the last one (``last_upgrade``).
    audit(session, actor_id, UPGRADED, "app", app.key, upgrade.as_dict())
    return upgrade


def last_upgrade(session: Session, app_key: str) -> dict[str, Any] | None:
    """The report of the app's last upgrade, with when and by whom (a user id), or None."""
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "app", AuditEntry.subject_id == app_key, AuditEntry.action == UPGRADED)
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if entry is None:
        return None
    return {**entry.changes, "at": entry.at.isoformat() + "Z", "by": entry.actor_id}


def as_installed(session: Session, store: DefinitionStore, data: Any) -> dict[str, Any]:
    """The file as installing it leaves it (each definition as its publication settles it),
    so that it compares with the base and the app like for like: installed under a
    throwaway key inside a savepoint, exported, rolled back."""
    scratch = {**data, "app": {**data["app"], "key": "zz" + secrets.token_hex(6)}}
    savepoint = session.begin_nested()
    try:
        settled = export_app(session, store, install_document(session, store, scratch, None).app)
    finally:
        savepoint.rollback()
    return {**settled, "app": data["app"]}


def _by_key(bodies: list[dict]) -> dict[str, dict]:
    return {body["key"]: body for body in bodies}
