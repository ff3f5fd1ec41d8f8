"""The action registry: every action is one entry of one shape, ``run(run, settings)``
returning what it did (kept in the run log). Connectors register their own (``register``);
the engine runs whatever the registry holds.

Internal actions write through the record service, as the run-as user, so validation,
audit and events hold and a rule's writes trigger rules (carrying the causation chain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from brickwork.engines.form import fill_links
from brickwork.engines.form.storage import column_name
from brickwork.engines.rules.context import Run, is_expression
from brickwork.platform.db import utcnow
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.jobs import defer
from brickwork.platform.models import Role, Sequence, User, UserRole
from brickwork.platform.notifications import CHANNELS
from brickwork.platform.notifications import notify as notify_users
from brickwork.platform.settings import LOCALES

MAX_RECORDS = 1000  # update/delete by filter: more matches than this refuses the action
RESUME = "rules.resume"  # the task that runs a rule's actions after a wait (tasks.py)


class Paused(Exception):
    """A wait action deferred the rest of the run's actions."""


@dataclass(frozen=True)
class ActionType:
    name: str
    run: Callable[[Run, dict[str, Any]], dict[str, Any]]
    check: Callable[[dict[str, Any]], list[FieldError]] | None = None
    needs_record: bool = False  # acts on the trigger's record


ACTIONS: dict[str, ActionType] = {}


def register(entry: ActionType) -> ActionType:
    ACTIONS[entry.name] = entry
    return entry


def _values(run: Run, mapping: Any) -> dict[str, Any]:
    if not isinstance(mapping, dict):
        raise Invalid(_("The action is not valid."),
                      errors=[FieldError("values", "type", _("Map field keys to values or formulas."))])
    return {key: run.value(expr) for key, expr in mapping.items()}


def _targets(run: Run, settings: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The records an update or delete acts on: the trigger's, the ones its relation field
    links to, or those of a form matching a filter (one query, at most ``max_records``).
    Each is locked, in id order, until the run's transaction ends: another run updating the
    same record (two follow-ups of one customer handled at once) waits instead of failing
    on the version it read."""
    target = settings.get("target", "trigger")
    if target == "trigger":
        service = run.service()
        return service, [service.row(run.record_id, lock=True, action="read")]
    if isinstance(target, dict) and "relation" in target:
        relation = run.form.by_key[target["relation"]]
        linked = run.values.get(relation.id)
        ids = linked if isinstance(linked, list) else [linked] if linked else []
        service = run.service(relation.target)
        return service, [service.row(i, lock=True) for i in sorted(ids)]
    if isinstance(target, dict) and "form" in target:
        service = run.service(target["form"])
        table, limit = service.table, int(settings.get("max_records", MAX_RECORDS))
        query = select(table).where(table.c.deleted_at.is_(None), service.grant.scope)
        if target.get("filter") is not None:
            query = query.where(service.compile_condition(target["filter"], check_readable=False))
        rows = list(service.db.execute(query.order_by(table.c.id).limit(limit + 1).with_for_update(of=table)))
        if len(rows) > limit:
            raise Invalid(_("Too many records match."), errors=[FieldError(
                "target", "max_records", _("More than %(n)s records match: narrow the filter.", n=limit))])
        return service, rows
    raise Invalid(_("The action is not valid."), errors=[FieldError(
        "target", "target", _("Target the trigger's record, a relation, or a form with a filter."))])


def create_record(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    created = run.service(settings["form"]).create(_values(run, settings.get("values", {})))
    return {"form": settings["form"], "record": created["id"]}


def update_records(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    if settings.get("target", "trigger") == "trigger" and run.deleted:
        return {"status": "skipped", "warning": "record_deleted"}
    service, rows = _targets(run, settings)
    values = _values(run, settings.get("values", {}))
    service.bulk_update([{**values, "id": row.id, "version": row.version} for row in rows])
    return {"form": service.form.key, "records": [row.id for row in rows]}


def delete_records(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    if settings.get("target", "trigger") == "trigger" and run.deleted:
        return {"status": "skipped", "warning": "record_deleted"}
    service, rows = _targets(run, settings)
    service.bulk_delete([{"id": row.id} for row in rows])
    return {"form": service.form.key, "records": [row.id for row in rows]}


def _next_in_turn(run: Run, users: list[int]) -> int:
    """Round robin: a counter bumped under its row's lock, so two concurrent runs never
    pick the same person for the same turn."""
    turn = _bump(run, f"rule:{run.app}:{run.rule.key}:round_robin")
    return users[(turn - 1) % len(users)]


def _bump(run: Run, name: str) -> int:
    """A counter bumped under its row's lock, held until the run's transaction ends."""
    dialect = postgresql if run.session.get_bind().dialect.name == "postgresql" else sqlite
    return run.session.execute(dialect.insert(Sequence).values(name=name, period="", value=1)
                               .on_conflict_do_update(index_elements=["name", "period"],
                                                      set_={"value": Sequence.value + 1})
                               .returning(Sequence.value)).scalar_one()


def _held(run: Run, field_id: str, users: list[int], cap_filter: Any) -> dict[int, int]:
    """How many live records of the form each user holds in the field (narrowed by the
    cap's filter, when given): one grouped query, whoever the run acts as."""
    service = run.service()
    column = service.table.c[column_name(field_id)]
    query = select(column, func.count()).where(column.in_(users), service.table.c.deleted_at.is_(None))
    if cap_filter is not None:
        query = query.where(service.compile_condition(cap_filter, check_readable=False))
    return dict(service.db.execute(query.group_by(column)).all())


def _least_loaded(run: Run, field_id: str, users: list[int]) -> int:
    """The user holding the fewest live records in the field (ties: the earlier in the list)."""
    counts = _held(run, field_id, users, None)
    return min(users, key=lambda u: (counts.get(u, 0), users.index(u)))


def _role_holders(run: Run, roles: list[str]) -> list[int]:
    """The active holders of the installation's roles named, by id: the same list for every
    run, so that round robin takes its turns over a stable order."""
    return list(run.session.scalars(select(UserRole.user_id).distinct()
                                    .join(Role, Role.id == UserRole.role_id).join(User, User.id == UserRole.user_id)
                                    .where(Role.key.in_(roles), User.is_active.is_(True))
                                    .order_by(UserRole.user_id)))


def _candidates(run: Run, settings: dict[str, Any]) -> list[int]:
    """The people an assignment may choose from: the ``users`` named, then the holders of
    the ``roles`` named (a template cannot know an installation's user ids)."""
    users = [int(u) for u in settings.get("users", [])]
    for user in _role_holders(run, [str(r) for r in settings.get("roles", [])]) if settings.get("roles") else []:
        if user not in users:
            users.append(user)
    return users


def _under_cap(run: Run, field_id: str, users: list[int], settings: dict[str, Any]) -> list[int]:
    """The users who may take one more record: those holding fewer than ``cap``."""
    if settings.get("cap") is None:
        return users
    cap = int(settings["cap"])
    held = _held(run, field_id, users, settings.get("cap_filter"))
    return [u for u in users if held.get(u, 0) < cap]


def assign_owner(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    """Put a user into the record's user field: a fixed one, the person who made the event
    (a button's presser: "claim"; else whom the run acts as), the next in turn, or the one with the fewest records; with
    ``cap``, never someone who already holds that many."""
    if run.deleted:
        return {"status": "skipped", "warning": "record_deleted"}
    field = run.form.by_key[settings.get("field", "owner")]
    strategy = settings.get("strategy", "fixed")
    users = [run.actor or run.who.user_id] if strategy == "caller" else _candidates(run, settings)
    if not users:
        raise Invalid(_("The action is not valid."), errors=[FieldError("users", "required", _("List the users."))])
    if settings.get("cap") is not None:
        # Assignments into this field wait for each other here (any rule), so that two at
        # once do not both count a person under the cap and both give them a record.
        _bump(run, f"assign:{run.app}:{run.form.key}:{field.id}")
    free = _under_cap(run, field.id, users, settings)
    if not free:
        raise Invalid(_("Nobody can take this record."), errors=[FieldError(field.key, "cap", _(
            "Each person may hold at most %(n)s of these records.", n=settings["cap"]))])
    chosen = free[0] if strategy in ("fixed", "caller") else _next_in_turn(run, free) if strategy == "round_robin" \
        else _least_loaded(run, field.id, free)
    service = run.service()
    row = service.row(run.record_id, lock=True)
    service.update(run.record_id, {field.key: chosen}, row.version)
    run.values[field.id] = chosen  # the actions after this one (a notification to the owner) see who it is
    return {"field": field.key, "user": chosen, "strategy": strategy}


def notify(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    """The bell: a message to users named, to the active holders of the installation's
    ``roles`` named (a template cannot know user ids: "tell the service leads"), to the users
    of a user field of the record, to their managers (``managers_of``: field keys), or to the
    record's owner; also through the ``channels`` named (``email``, ``im``), by the app's
    connections that pass the event ``rule`` on."""
    users = {int(u) for u in settings.get("users", [])}
    if settings.get("roles"):
        users.update(_role_holders(run, [str(r) for r in settings["roles"]]))
    if settings.get("owner") and run.owner_id:
        users.add(run.owner_id)
    for key in settings.get("user_fields", []):
        if run.form and key in run.form.by_key and run.values.get(run.form.by_key[key].id):
            users.add(int(run.values[run.form.by_key[key].id]))
    for key in settings.get("managers_of", []):  # the managers of the people in these fields
        manager = run.manager(key)
        if manager is not None:
            users.add(manager)
    text = _text(run, settings.get("text", ""))
    users = set(notify_users(run.session, users, text, app=run.app, form=run.form.key if run.form else None,
                             record_id=run.record_id, source=f"rule:{run.rule.key}", event="rule",
                             channels=[str(c) for c in settings.get("channels") or []]))
    return {"users": sorted(users), "text": text}


def per_language(value: Any) -> bool:
    """A text per language, ``{"zh-CN": ..., "en": ...}``: each a constant or an expression."""
    return isinstance(value, dict) and bool(value) and set(value) <= set(LOCALES)


def _text(run: Run, value: Any) -> str | dict[str, str]:
    """A notification's text: one for everyone, or one per language (each read by the people
    of that language)."""
    if per_language(value):
        return {locale: _one_text(run, one) for locale, one in value.items()}
    return _one_text(run, value)


def _one_text(run: Run, value: Any) -> str:
    text = run.value(value)
    return str(text if text is not None else "")


def wait(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    """Defer the actions after this one (the rule's version pinned) by the given time."""
    delay = timedelta(days=float(settings.get("days", 0)), hours=float(settings.get("hours", 0)),
                      minutes=float(settings.get("minutes", 0)))
    at = utcnow() + delay
    index = run.outcomes[-1]["index"] + 1  # the action after this one
    defer(run.session, RESUME, {"app": run.app, "rule": run.rule.key, "version": run.version,
                                "event_key": run.event_key, "form": run.form.key if run.form else None,
                                "record_id": run.record_id, "from": index, "depth": run.depth,
                                "chain": run.chain}, at=at, key=f"{run.app}:{run.rule.key}:{run.event_key}:{index}",
          app=run.app)
    raise Paused({"resumes_at": at.isoformat() + "Z", "from_action": index})


def request_fill(run: Run, settings: dict[str, Any]) -> dict[str, Any]:
    """A fill link (外链) for the trigger's record: someone without an account may fill the
    ``fields`` named, once, within ``days`` (14). Later actions' templates read its address
    as ``{{ links.<name> }}`` (``name``: ``fill``); the run log keeps the link's id, never
    its token."""
    if run.deleted:
        return {"status": "skipped", "warning": "record_deleted"}
    name = str(settings.get("name") or "fill")
    token, link = fill_links.create_link(run.session, run.form, run.record_id, settings.get("fields"),
                                         days=float(settings.get("days", fill_links.DAYS)),
                                         created_by=run.who.user_id or None)
    run.links[name] = fill_links.path(token)
    return {"link": link.id, "name": name, "fields": link.fields, "expires_at": link.expires_at.isoformat() + "Z"}


def _check_request_fill(settings: dict[str, Any]) -> list[FieldError]:
    errors = []
    fields = settings.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(k, str) for k in fields):
        errors.append(FieldError("fields", "required", _("List the fields the link lets people fill.")))
    days = settings.get("days", fill_links.DAYS)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= fill_links.MAX_DAYS:
        errors.append(FieldError("days", "range", _("Give the days the link lasts, from 1 to %(n)s.",
                                                    n=fill_links.MAX_DAYS)))
    name = settings.get("name", "fill")
    if not isinstance(name, str) or not name.isidentifier():
        errors.append(FieldError("name", "type", _("Give a name of letters, digits and _.")))
    return errors


def _needs(*names: str) -> Callable[[dict[str, Any]], list[FieldError]]:
    def check(settings: dict[str, Any]) -> list[FieldError]:
        return [FieldError(name, "required", _("Give %(name)s.", name=name)) for name in names if name not in settings]
    return check


register(ActionType("create_record", create_record, _needs("form", "values")))
register(ActionType("update_records", update_records, _needs("values")))
register(ActionType("delete_records", delete_records))
def _check_assign(settings: dict[str, Any]) -> list[FieldError]:
    errors = []
    strategy = settings.get("strategy", "fixed")
    if strategy not in STRATEGIES:
        errors.append(FieldError("strategy", "choice", _("Choose one of: %(choices)s.",
                                                         choices=", ".join(STRATEGIES))))
    if strategy != "caller" and not settings.get("users") and not settings.get("roles"):
        errors.append(FieldError("users", "required", _("List the users or the roles to choose from.")))
    roles = settings.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        errors.append(FieldError("roles", "type", _("List the keys of the roles.")))
    cap = settings.get("cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        errors.append(FieldError("cap", "type", _("Give the most records one person may hold, a whole number.")))
    return errors


STRATEGIES = ("fixed", "caller", "round_robin", "least_loaded")
register(ActionType("assign_owner", assign_owner, _check_assign, needs_record=True))
def _check_notify(settings: dict[str, Any]) -> list[FieldError]:
    errors = _needs("text")(settings)
    roles = settings.get("roles", [])
    if not isinstance(roles, list) or any(not isinstance(r, str) for r in roles):
        errors.append(FieldError("roles", "type", _("List the keys of the roles.")))
    text = settings.get("text")
    if isinstance(text, dict) and not is_expression(text) and set(text) != {"formula"} and not per_language(text):
        errors.append(FieldError("text", "type", _(
            "Give the message as a text, a formula, or one per language: %(choices)s.", choices=", ".join(LOCALES))))
    managers = settings.get("managers_of", [])
    if not isinstance(managers, list) or any(not isinstance(k, str) for k in managers):
        errors.append(FieldError("managers_of", "type", _("List the keys of person fields.")))
    channels = settings.get("channels", [])
    if not isinstance(channels, list) or any(not isinstance(c, str) or c not in CHANNELS for c in channels):
        errors.append(FieldError("channels", "choice", _("Give a list of: %(choices)s.",
                                                         choices=", ".join(sorted(CHANNELS)))))
    return errors


register(ActionType("notify", notify, _check_notify))
register(ActionType("wait", wait))
register(ActionType("request_fill", request_fill, _check_request_fill, needs_record=True))
