"""An app's navigation for one person: the entries of their roles' menus (identity/app_roles.py)
that open forms and shared views, each shown only where the person may read the form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.form.access import form_grant
from brickwork.engines.form.forms import load_form
from brickwork.platform.errors import NotFound
from brickwork.platform.identity.app_roles import menu_for
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import App, SavedView


def app_entries(session: Session, store, app: App) -> list[dict[str, Any]]:
    """Everything a menu may list, in the builder's order: the live forms, then the shared
    views that have an id in the app file."""
    forms = store.live(session, app, "form")
    entries = [{"type": "form", "form": row.key, "label": row.body.get("label", {})} for row in forms]
    views = session.scalars(select(SavedView).where(SavedView.app_id == app.id, SavedView.owner_id.is_(None),
                                                    SavedView.uid.is_not(None)).order_by(SavedView.id))
    known = {row.key for row in forms}
    entries += [{"type": "view", "form": v.form_key, "view": v.uid, "id": v.id, "label": v.name,
                 "view_type": v.type} for v in views if v.form_key in known]
    return entries


def app_menu(session: Session, store, app: App, who: Principal) -> list[dict[str, Any]]:
    """The person's menu: their roles' entries whose form they may read."""
    readable: dict[str, bool] = {}

    def may_open(entry: dict[str, Any]) -> bool:
        key = entry.get("form")
        if key not in readable:
            try:
                readable[key] = "read" in form_grant(session, load_form(session, app.key, key), who).actions
            except NotFound:
                readable[key] = False
        return readable[key]

    return menu_for(session, app, who, app_entries(session, store, app), may_open)
