"""Installing an app file: the app, its definitions published in an order that works, its
shared views; and for a template, the installed version kept as the base of upgrades.

Forms depend on each other: a relation needs its target's table, a rollup the child's
relation, a lookup the target's field. All forms of a file arrive in one transaction, so
relations may point at each other (``ARRIVING``); for the rest each form is tried (a dry
run) until every one publishes. Forms whose computed fields wait on each other in a
circle are first published without their computed fields and logic, then in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.appfile.document import AppDocument, RoleItem, ViewItem, export_app, read_document
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.saved_views import check_config
from brickwork.engines.form.schema_change import ARRIVING
from brickwork.platform.apps import create_app
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.identity.org import create_role
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, AppTemplate, Role, SavedView

COMPUTED = ("formula", "rollup", "lookup")


@dataclass
class Installed:
    app: App
    published: list[str] = field(default_factory=list)  # "kind/key", in the order published
    views: int = 0


def install_document(session: Session, store: DefinitionStore, data: Any, actor_id: int | None,
                     key: str | None = None) -> Installed:
    """A new app from a file (``key`` renames it). Raises ``Invalid``/``Conflict`` and
    changes nothing when the file, or any definition in it, does not install."""
    document = read_document(data, store)
    info = document.app.model_dump(mode="json")
    app = create_app(session, {**info, "key": key or info["key"]}, actor_id)
    # The file lists definitions in the builder's order (the export writes them so): keep it.
    app.order = {kind: [body["key"] for body in bodies] for kind, bodies in document.definitions.items() if bodies}
    put_roles(session, document.roles)
    done = Installed(app)
    publish_all(session, store, app, document.definitions, actor_id, done)
    done.views = put_views(session, app, document.views, actor_id)
    if document.template:
        remember(session, store, app, document)
    return done


def publish_all(session: Session, store: DefinitionStore, app: App, definitions: dict[str, list[dict]],
                actor_id: int | None, done: Installed) -> None:
    """Save and publish every definition given, whatever order they depend on each other in."""
    for kind, bodies in definitions.items():
        pending = {body["key"]: body for body in bodies}
        session.info[ARRIVING] = frozenset(pending) if kind == "form" else frozenset()
        try:
            skeletons = False
            while pending:
                problems = {k: _try(session, store, app, kind, k, body, actor_id) for k, body in pending.items()}
                published = [k for k, problem in problems.items() if problem is None]
                for k in published:
                    del pending[k]
                    done.published.append(f"{kind}/{k}")
                if pending and not published:
                    if skeletons or kind != "form":
                        raise next(p for p in problems.values() if p is not None)
                    skeletons = True  # break the circle, once
                    for k, body in pending.items():
                        store.save_draft(session, app, kind, k, skeleton(body), actor_id)
                        store.publish(session, app, kind, k, actor_id)
        finally:
            session.info.pop(ARRIVING, None)


def _try(session: Session, store: DefinitionStore, app: App, kind: str, key: str, body: dict,
         actor_id: int | None) -> Invalid | None:
    store.save_draft(session, app, kind, key, body, actor_id)
    try:
        store.publish(session, app, kind, key, actor_id, dry_run=True)
    except Invalid as exc:
        return exc
    store.publish(session, app, kind, key, actor_id)
    return None


def skeleton(body: dict) -> dict:
    """The form without its computed fields and its logic: what other forms can stand on."""
    def plain(fields: list[dict]) -> list[dict]:
        return [{**f, **({"fields": plain(f["fields"])} if f.get("fields") else {})}
                for f in fields if f.get("type") not in COMPUTED]

    bare = {k: v for k, v in body.items() if k not in ("rules",)}
    bare["fields"] = [{k: v for k, v in f.items() if k not in ("show_when", "fill_from")}
                      for f in plain(body.get("fields", []))]
    bare["sections"] = [{k: v for k, v in s.items() if k != "show_when"} for s in body.get("sections", [])]
    kept = {f["id"] for f in bare["fields"]} | {s["id"] for s in bare["sections"]}
    bare["layout"] = [row for row in ([i for i in row if i in kept] for row in body.get("layout", [])) if row]
    if bare.get("title_field") not in kept:
        bare.pop("title_field", None)
    return bare


def put_roles(session: Session, roles: list[RoleItem]) -> None:
    """The roles the file's permissions name, created where the installation lacks them
    (an existing role of the same key is the installation's, and stays as it is)."""
    have = set(session.scalars(select(Role.key).where(Role.key.in_([r.key for r in roles])))) if roles else set()
    for role in roles:
        if role.key not in have:
            create_role(session, role.key, role.label)


def put_views(session: Session, app: App, views: list[ViewItem], actor_id: int | None) -> int:
    """Create or replace the shared views by their ids, each checked against its live form."""
    acting = Principal(actor_id or 0, "system", "system", True, "install")
    for i, item in enumerate(views):
        service = RecordService(session, load_form(session, app.key, item.form), acting)
        try:
            config = check_config(service, item.type, item.config)
        except Invalid as exc:
            raise Invalid(exc.title, errors=[FieldError(f"$.views[{i}].{e.field}", e.code, e.message)
                                             for e in exc.errors]) from None
        view = session.scalar(select(SavedView).where(SavedView.app_id == app.id, SavedView.uid == item.id))
        if view is None:
            view = SavedView(app_id=app.id, uid=item.id, owner_id=None, version=0)
            session.add(view)
        view.form_key, view.name, view.type, view.config = item.form, item.name, item.type, config
        view.version += 1
    session.flush()
    return len(views)


def remember(session: Session, store: DefinitionStore, app: App, document: AppDocument) -> None:
    """Keep the template as it stands installed: the common ancestor of the next upgrade."""
    base = export_app(session, store, app)
    row = session.get(AppTemplate, app.id) or AppTemplate(app_id=app.id)
    row.name, row.version, row.document = document.template.name, document.template.version, base
    session.add(row)
    session.flush()
