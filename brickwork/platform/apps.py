"""Apps: the containers of definitions and records."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.definitions.base import Key, Label, Lines, OneLine
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import App
from brickwork.platform.outbox import emit


class AppIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label
    description: dict[str, Lines] = Field(default_factory=dict)
    icon: OneLine = Field(default="", max_length=32)


def create_app(session: Session, data: dict, actor_id: int | None) -> App:
    try:
        spec = AppIn.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("The app is not valid."), errors=[
            FieldError(e.field.removeprefix("$."), e.code, e.message) for e in field_errors(exc)
        ]) from None
    if session.scalar(select(App.id).where(App.key == spec.key)) is not None:
        raise Conflict(_("An app with the key %(key)s exists already.", key=spec.key),
                       errors=[FieldError("key", "taken", _("This key is taken."))])
    app = App(key=spec.key, label=spec.label, description=spec.description, icon=spec.icon,
              created_by=actor_id)
    session.add(app)
    session.flush()
    audit(session, actor_id, "app.create", "app", app.key, {"label": spec.label})
    emit(session, "app.created", {"app": app.key})
    return app


def list_apps(session: Session) -> list[App]:
    return list(session.scalars(select(App).order_by(App.id)))


def get_app(session: Session, key: str) -> App:
    app = session.scalar(select(App).where(App.key == key))
    if app is None:
        raise NotFound(_("No app has the key %(key)s.", key=key))
    return app
