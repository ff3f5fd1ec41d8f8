"""Apps as files: export, import, template install and upgrade (see document.py).

The app level of the ground floor: it imports no engine. What is kind-specific comes
from the kinds registry the ``DefinitionStore`` carries; the shipped templates come from
a ``Catalog`` the top floor hands in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.appfile.catalog import Catalog
from brickwork.platform.appfile.document import AppDocument, export_app, outline, read_document
from brickwork.platform.appfile.install import Installed, install_document
from brickwork.platform.appfile.upgrade import Upgrade, last_upgrade, upgrade_app
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import Conflict
from brickwork.platform.i18n import _
from brickwork.platform.models import App, AppTemplate

__all__ = ["AppDocument", "Catalog", "Installed", "Upgrade", "export_app", "install_document",
           "install_template", "last_upgrade", "outline", "read_document", "upgrade_app"]


def install_template(session: Session, store: DefinitionStore, document: dict[str, Any],
                     actor_id: int | None) -> Installed | Upgrade | None:
    """Install a template's file as its app; over an app installed from an older version,
    upgrade it. ``None`` when that version is installed already."""
    key = document["app"]["key"]
    app = session.scalar(select(App).where(App.key == key))
    if app is None:
        return install_document(session, store, document, actor_id)
    if app.deleted_at is not None:
        raise Conflict(_("The app %(app)s is in the recycle bin: restore it first.", app=key))
    installed = session.get(AppTemplate, app.id)
    if installed is not None and installed.version == document.get("template", {}).get("version"):
        return None
    return upgrade_app(session, store, app, document, actor_id)
