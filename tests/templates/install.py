"""Install the CRM template for tests, as `brickwork templates install crm` does."""

from __future__ import annotations

from sqlalchemy.orm import Session

from brickwork.kinds import store
from brickwork.platform.appfile import install_template
from brickwork.platform.models import App
from brickwork.templates import CATALOG


def install_crm(session: Session, actor_id: int | None) -> App:
    return install_template(session, store(), CATALOG.load("crm"), actor_id).app
