"""Installing an app file: the app, the roles its definitions name, its definitions
published kind by kind in the registry's install order, then the parts the kinds own
(shared views); for a template, the installed version kept as the base of upgrades.

Definitions of a kind may depend on each other (a form's relation needs its target's
table). A kind's batch arrives in one transaction, and its entry is told which keys are
arriving together; each definition is then tried (a dry run) until every one publishes.
If the rest wait on each other in a circle, the kind's ``skeleton`` (a form without its
computed fields and logic) is published first, then the full bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.appfile.document import AppDocument, RoleItem, by_kind, export_app, read_document
from brickwork.platform.apps import create_app
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import Invalid
from brickwork.platform.identity.app_roles import list_roles
from brickwork.platform.identity.org import create_role
from brickwork.platform.models import App, AppRole, AppTemplate, Role


@dataclass
class Installed:
    app: App
    published: list[str] = field(default_factory=list)  # "kind/key", in the order published
    parts: dict[str, int] = field(default_factory=dict)  # how many items of each part: {"views": 2}


def install_document(session: Session, store: DefinitionStore, data: Any, actor_id: int | None,
                     key: str | None = None) -> Installed:
    """A new app from a file (``key`` renames it). Raises ``Invalid``/``Conflict`` and
    changes nothing when the file, or any definition in it, does not install."""
    document = read_document(data, store)
    info = document.app.model_dump(mode="json")
    app = create_app(session, {**info, "key": key or info["key"]}, actor_id)
    definitions = {kind: [fresh(body) for body in bodies] if (fresh := store.kinds.get(kind).fresh) else bodies
                   for kind, bodies in by_kind(document, store.kinds).items()}
    # The file lists definitions in the builder's order (the export writes them so): keep it.
    app.order = {kind: [body["key"] for body in bodies] for kind, bodies in definitions.items()}
    put_roles(session, app, document.roles)
    done = Installed(app)
    publish_all(session, store, app, definitions, actor_id, done)
    put_parts(session, store, app, {part.name: getattr(document, part.name) for part in store.kinds.parts()},
              actor_id, done)
    if document.template:
        remember(session, store, app, document)
    return done


def publish_all(session: Session, store: DefinitionStore, app: App, definitions: dict[str, list[dict]],
                actor_id: int | None, done: Installed) -> None:
    """Save and publish every definition given (by kind), kinds in their install order, and
    within a kind whatever order they depend on each other in."""
    for entry in store.kinds.in_install_order():
        kind, pending = entry.name, {body["key"]: body for body in definitions.get(entry.name, [])}
        if not pending:
            continue
        with entry.installing(session, frozenset(pending)):
            skeletons = False
            while pending:
                problems = {k: _try(session, store, app, kind, k, body, actor_id) for k, body in pending.items()}
                published = [k for k, problem in problems.items() if problem is None]
                for k in published:
                    del pending[k]
                    done.published.append(f"{kind}/{k}")
                if pending and not published:
                    if skeletons or entry.skeleton is None:
                        raise next(p for p in problems.values() if p is not None)
                    skeletons = True  # break the circle, once
                    for k, body in pending.items():
                        store.save_draft(session, app, kind, k, entry.skeleton(body), actor_id)
                        store.publish(session, app, kind, k, actor_id)


def _try(session: Session, store: DefinitionStore, app: App, kind: str, key: str, body: dict,
         actor_id: int | None) -> Invalid | None:
    store.save_draft(session, app, kind, key, body, actor_id)
    try:
        store.publish(session, app, kind, key, actor_id, dry_run=True)
    except Invalid as exc:
        return exc
    store.publish(session, app, kind, key, actor_id)
    return None


def put_roles(session: Session, app: App, roles: list[RoleItem]) -> None:
    """The file's roles: each an app role of the app where it lacks one of that key (an
    upgrade keeps the builder's own roles, menus and members as they are), and an
    installation role where the installation lacks one (for grants of installation roles)."""
    have = set(session.scalars(select(Role.key).where(Role.key.in_([r.key for r in roles])))) if roles else set()
    own = {role.key: role for role in list_roles(session, app)}
    for role in roles:
        if role.key not in have:
            create_role(session, role.key, role.label)
        if role.key not in own:
            session.add(AppRole(app_id=app.id, key=role.key, label=role.label, admin=role.admin,
                                menu=[e.model_dump(exclude_none=True) for e in role.menu]))
    session.flush()


def put_parts(session: Session, store: DefinitionStore, app: App, items: dict[str, list], actor_id: int | None,
              done: Installed) -> None:
    """Each part's items, created or replaced by id by the kind that owns the part."""
    for part in store.kinds.parts():
        done.parts[part.name] = part.install(session, app, items.get(part.name, []), actor_id)


def remember(session: Session, store: DefinitionStore, app: App, document: AppDocument) -> None:
    """Keep the template as it stands installed: the common ancestor of the next upgrade."""
    base = export_app(session, store, app)
    row = session.get(AppTemplate, app.id) or AppTemplate(app_id=app.id)
    row.name, row.version, row.document = document.template.name, document.template.version, base
    session.add(row)
    session.flush()
