"""The definitions store: drafts, publishing, versions, diffs.

Each kind (``form``, later ``flow``, ``rule``, ``report``...) is an entry of the kinds
registry (kinds.py), registered by the engine that owns it; the store itself knows no kind.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brickwork.platform import generation
from brickwork.platform.apps import in_order
from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.definitions.base import DefinitionModel
from brickwork.platform.definitions.diff import diff
from brickwork.platform.definitions.errors import field_errors
from brickwork.platform.definitions.kinds import KindRegistry, PublishHook
from brickwork.platform.errors import Conflict, FieldError, Invalid, NotFound
from brickwork.platform.i18n import _
from brickwork.platform.models import App, Definition
from brickwork.platform.outbox import emit

DRAFT, PUBLISHED = "draft", "published"
__all__ = ["DRAFT", "PUBLISHED", "DefinitionStore", "PublishHook"]


class DefinitionStore:
    def __init__(self, kinds: KindRegistry):
        self.kinds = kinds

    def validate(self, kind: str, body: Any) -> BaseModel:
        """The parsed definition, or ``Invalid`` with the JSON path and reason of each error."""
        model = self._model(kind)
        if (path := _nul_at(body, "$")) is not None:  # PostgreSQL cannot store it anywhere
            raise Invalid(_("The definition is not valid."), errors=[FieldError(
                path, "control_character", _("Remove the NUL character (U+0000)."))])
        try:
            parsed = model.model_validate(body)
        except ValidationError as exc:
            raise Invalid(_("The definition is not valid."), errors=field_errors(exc)) from None
        check = self.kinds.get(kind).check
        if check is not None and (problems := check(parsed)):
            raise Invalid(_("The definition is not valid."), errors=problems)
        return parsed

    def problems(self, kind: str, body: Any) -> list[FieldError]:
        """What keeps a body from validating (nothing: it is valid)."""
        try:
            self.validate(kind, body)
        except Invalid as exc:
            return exc.errors
        return []

    def save_draft(
        self, session: Session, app: App, kind: str, key: str, body: Any, actor_id: int | None,
        revision: int | None = None, *, keep_invalid: bool = False,
    ) -> Definition:
        """Create or replace the draft. ``revision`` is the draft revision the editor
        started from (0: "there was no draft"); a different one is a 409.

        ``keep_invalid`` (the designer's saves) stores a draft that does not validate as it
        was sent, so a builder's half-finished work survives a reload; its problems are worked
        out again whenever it is read (``problems``) and publishing refuses it until fixed.
        It must still be a JSON object with the right key."""
        try:
            data = self.validate(kind, body).model_dump(mode="json", exclude_none=True, by_alias=True)
        except Invalid:
            if not keep_invalid or not isinstance(body, dict):
                raise
            data = body
        if data.get("key") != key:
            raise Invalid(_("The definition is not valid."), errors=[FieldError(
                "$.key", "mismatch", _("The key must be %(key)s.", key=key))])
        draft = self._draft(session, app, kind, key, lock=True)
        current = draft.revision if draft is not None else 0
        if revision is not None and revision != current:
            raise Conflict(_("Someone else saved this draft first."),
                           detail=_("The draft is at revision %(current)s, not %(revision)s. "
                                    "Reload it, then save again.", current=current, revision=revision))
        now = utcnow()
        if draft is None:
            draft = Definition(app_id=app.id, kind=kind, key=key, state=DRAFT, revision=1,
                               version=self._last_version(session, app, kind, key) + 1, body=data,
                               created_by=actor_id, created_at=now, updated_by=actor_id, updated_at=now)
            session.add(draft)
        else:
            draft.body, draft.revision = data, draft.revision + 1
            draft.updated_by, draft.updated_at = actor_id, now
        try:
            session.flush()
        except IntegrityError:
            # Two first drafts raced for the same version number; the other one won.
            raise Conflict(_("Someone else saved this draft first.")) from None
        audit(session, actor_id, "definition.save_draft", kind, f"{app.key}/{key}",
              {"version": draft.version, "revision": draft.revision})
        return draft

    def publish(
        self, session: Session, app: App, kind: str, key: str, actor_id: int | None,
        revision: int | None = None, *, dry_run: bool = False, force: bool = False, fill: dict | None = None,
    ) -> tuple[Definition, dict]:
        """Make the draft live. Returns it with the engine's report of what changed; a dry
        run returns the report and changes nothing. ``fill`` is handed to the engine (for a
        form: values for the records a newly required field leaves blank)."""
        draft = self._draft(session, app, kind, key, lock=True)
        if draft is None:
            raise NotFound(_("There is no draft of %(kind)s %(key)s to publish.", kind=kind, key=key))
        if revision is not None and revision != draft.revision:
            raise Conflict(_("The draft changed since you opened it."),
                           detail=_("Review revision %(current)s, then publish again.",
                                    current=draft.revision))
        self.validate(kind, draft.body)  # a model may have grown stricter since the save
        previous = self.get(session, app, kind, key, which="live", missing_ok=True)
        body, report = draft.body, {}
        if (hook := self.kinds.get(kind).publish) is not None:
            body, report = hook(session, app, key, previous.body if previous else None, draft.body,
                                            draft.version, dry_run=dry_run, force=force,
                                            **({"fill": fill} if fill else {}))
        if dry_run:
            return draft, report
        draft.body = body
        draft.state, draft.published_at, draft.published_by = PUBLISHED, utcnow(), actor_id
        generation.changed(session, app.id)  # every process's caches of the app start again
        changes = diff(previous.body if previous else {}, draft.body)
        audit(session, actor_id, "definition.publish", kind, f"{app.key}/{key}",
              {"version": draft.version, "changes": changes, "report": report})
        emit(session, "definition.published",
             {"app": app.key, "kind": kind, "key": key, "version": draft.version})
        session.flush()
        if (published := self.kinds.get(kind).published) is not None:
            published(session, app, key, draft.body)
        return draft, report

    def discard_draft(self, session: Session, app: App, kind: str, key: str, actor_id: int | None,
                      revision: int | None = None) -> None:
        draft = self._draft(session, app, kind, key, lock=True)
        if draft is None:
            raise NotFound(_("There is no draft of %(kind)s %(key)s.", kind=kind, key=key))
        if revision is not None and revision != draft.revision:
            raise Conflict(_("The draft changed since you opened it."),
                           detail=_("Review revision %(current)s, then discard again.",
                                    current=draft.revision))
        audit(session, actor_id, "definition.discard_draft", kind, f"{app.key}/{key}",
              {"version": draft.version, "body": draft.body})
        session.delete(draft)
        session.flush()

    def get(
        self, session: Session, app: App, kind: str, key: str, *, version: int | None = None,
        which: str = "live", missing_ok: bool = False,
    ) -> Definition | None:
        """A given version, or the live (latest published) one, or the draft."""
        self._model(kind)
        query = select(Definition).where(
            Definition.app_id == app.id, Definition.kind == kind, Definition.key == key)
        if version is not None:
            query = query.where(Definition.version == version)
        elif which == "draft":
            query = query.where(Definition.state == DRAFT)
        else:
            query = query.where(Definition.state == PUBLISHED).order_by(Definition.version.desc()).limit(1)
        found = session.scalar(query)
        if found is None and not missing_ok:
            raise NotFound(_("%(kind)s %(key)s has no such version.", kind=kind, key=key))
        return found

    def versions(self, session: Session, app: App, kind: str, key: str) -> list[Definition]:
        self._model(kind)
        rows = list(session.scalars(select(Definition).where(
            Definition.app_id == app.id, Definition.kind == kind, Definition.key == key,
        ).order_by(Definition.version)))
        if not rows:
            raise NotFound(_("%(kind)s %(key)s does not exist.", kind=kind, key=key))
        return rows

    def latest(self, session: Session, app: App, kind: str) -> list[Definition]:
        """The newest version of each definition of a kind: the draft where there is one."""
        return self._newest(session, app, kind)

    def live(self, session: Session, app: App, kind: str) -> list[Definition]:
        """The live (latest published) version of each definition of a kind, in one query."""
        return self._newest(session, app, kind, Definition.state == PUBLISHED)

    def _newest(self, session: Session, app: App, kind: str, *only) -> list[Definition]:
        self._model(kind)
        newest = (select(Definition.key, func.max(Definition.version).label("version"))
                  .where(Definition.app_id == app.id, Definition.kind == kind, *only)
                  .group_by(Definition.key).subquery())
        rows = list(session.scalars(select(Definition).join(newest, (Definition.key == newest.c.key) & (
            Definition.version == newest.c.version)).where(
            Definition.app_id == app.id, Definition.kind == kind).order_by(Definition.key)))
        return in_order(app.order, kind, rows)  # the builder's order, wherever they are listed

    def diff(self, session: Session, app: App, kind: str, key: str, a: int, b: int) -> list[dict]:
        first = self.get(session, app, kind, key, version=a)
        second = self.get(session, app, kind, key, version=b)
        return diff(first.body, second.body)

    def _model(self, kind: str) -> type[DefinitionModel]:
        return self.kinds.get(kind).model  # NotFound for a kind nobody registered

    def _draft(self, session: Session, app: App, kind: str, key: str, lock: bool) -> Definition | None:
        query = select(Definition).where(Definition.app_id == app.id, Definition.kind == kind,
                                         Definition.key == key, Definition.state == DRAFT)
        return session.scalar(query.with_for_update() if lock else query)

    def _last_version(self, session: Session, app: App, kind: str, key: str) -> int:
        return session.scalar(select(func.coalesce(func.max(Definition.version), 0)).where(
            Definition.app_id == app.id, Definition.kind == kind, Definition.key == key)) or 0


def _nul_at(body: Any, root: str) -> str | None:
    """The JSON path of a text (or property name) holding a NUL; a loop, not recursion, so
    a deeply nested body reaches the model's own checks."""
    pending = [(body, root)]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in str(key):
                    return path
                pending.append((item, f"{path}.{key}"))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
    return None
