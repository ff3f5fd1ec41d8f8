"""Apps as files: export, import, template install and upgrade (see document.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork import templates
from brickwork.engines.form.appfile.document import AppDocument, export_app, read_document
from brickwork.engines.form.appfile.install import Installed, install_document
from brickwork.engines.form.appfile.upgrade import Upgrade, upgrade_app
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.schema_change import publish_hook
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import Conflict
from brickwork.platform.i18n import _
from brickwork.platform.models import App, AppTemplate

__all__ = ["AppDocument", "Installed", "Upgrade", "export_app", "form_store", "install_document",
           "install_template", "read_document", "upgrade_app"]


def form_store() -> DefinitionStore:
    """A store of forms alone, for callers that have none (the top floor passes its own)."""
    return DefinitionStore({"form": FormDefinition}, {"form": publish_hook})


def install_template(session: Session, name: str, actor_id: int | None, store: DefinitionStore | None = None,
                     document: Any = None) -> Installed | Upgrade | None:
    """Install a shipped template (or ``document``) as its app; over an app installed from an
    older version, upgrade it. ``None`` when that version is installed already."""
    store = store or form_store()
    data = document if document is not None else templates.load(name)
    key = data["app"]["key"]
    app = session.scalar(select(App).where(App.key == key))
    if app is None:
        return install_document(session, store, data, actor_id)
    if app.deleted_at is not None:
        raise Conflict(_("The app %(app)s is in the recycle bin: restore it first.", app=key))
    installed = session.get(AppTemplate, app.id)
    if installed is not None and installed.version == data.get("template", {}).get("version"):
        return None
    return upgrade_app(session, store, app, data, actor_id)
