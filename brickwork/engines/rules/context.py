"""What one run of a rule works with: the rule, the trigger's record (as the event saw it),
who it acts as, the causation chain its writes carry, and the run log it fills."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.form.conditions import context as expression_context
from brickwork.engines.form.conditions import with_ids
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.formulas import formula_infos
from brickwork.engines.form.records import RecordService
from brickwork.engines.rules.definition import RuleDefinition
from brickwork.platform.expression import check, evaluate, parse, parse_condition
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.expression.values import FieldInfo
from brickwork.platform.identity.org import manager_of
from brickwork.platform.identity.users import Principal

AST_KEYS = frozenset({"lit", "ref", "fn", "var"})
MANAGER_OF = "manager_of"  # a mapped value: {"manager_of": "<person field key>"}
EVENT, EVENT_VALUES = "event", ("record", "actor")  # a mapped value: {"event": "record"}
BEFORE = "before"  # a mapped value: {"before": "<field key>"}
BODY_DEPTH, BODY_FIELDS = 5, 500  # how much of a webhook's JSON body formulas can name


def body_fields(payload: Any) -> tuple[dict[str, Any], dict[str, FieldInfo]]:
    """A webhook's JSON body as fields formulas can name: ``body.order.total`` for
    ``{"order": {"total": 12}}``. Numbers, texts and booleans keep their type; lists and
    deeper objects are their JSON text."""
    values: dict[str, Any] = {}
    infos: dict[str, FieldInfo] = {}

    def walk(value: Any, name: str, depth: int) -> None:
        if len(infos) >= BODY_FIELDS:
            return
        if isinstance(value, dict) and depth < BODY_DEPTH:
            for key, inner in value.items():
                walk(inner, f"{name}.{key}", depth + 1)
            return
        if isinstance(value, bool):
            type_ = "boolean"
        elif isinstance(value, int | float):
            type_, value = "number", Decimal(str(value))
        elif isinstance(value, str) or value is None:
            type_ = "text"
        else:
            type_, value = "text", json.dumps(value, ensure_ascii=False)
        infos[name], values[name] = FieldInfo(type_, key=name), value

    if isinstance(payload, dict):
        for key, value in payload.items():
            walk(value, f"body.{key}", 1)
    return values, infos


def is_expression(value: Any) -> bool:
    return isinstance(value, dict) and bool(AST_KEYS & set(value))


def manager_field(value: Any) -> str | None:
    """The person field of ``{"manager_of": "<field key>"}``: a mapped value naming the
    manager of the person in that field of the trigger's record (no formula can reach the
    organisation)."""
    if isinstance(value, dict) and set(value) == {MANAGER_OF} and isinstance(value[MANAGER_OF], str):
        return value[MANAGER_OF]
    return None


def event_value(value: Any) -> str | None:
    """What ``{"event": "record" | "actor"}`` names: the trigger's record id, or the person
    who made the event (a button's presser, an editor) whoever the run acts as. Formulas
    cannot reach either: a record's id is no field, and ``$me`` is the run-as user."""
    if isinstance(value, dict) and set(value) == {EVENT} and value[EVENT] in EVENT_VALUES:
        return value[EVENT]
    return None


def before_field(value: Any) -> str | None:
    """The field of ``{"before": "<field key>"}``: its value as the trigger saw the record,
    before this run's actions changed it (the owner a customer had before "assign")."""
    if isinstance(value, dict) and set(value) == {BEFORE} and isinstance(value[BEFORE], str):
        return value[BEFORE]
    return None


@dataclass
class Run:
    session: Session
    app: str
    rule: RuleDefinition
    version: int
    who: Principal
    event_key: str
    form: Form | None = None
    record_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # the record's logical values by field id
    prior: dict[str, Any] | None = None  # before an update, the same
    owner_id: int | None = None
    deleted: bool = False
    depth: int = 0
    chain: list[str] = field(default_factory=list)  # rules that led to this event
    dry: bool = False  # a test run: actions say what they would do, the savepoint is rolled back
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)  # what a webhook or schedule handed in
    actor: int | None = None  # who made the event (a button's presser), whoever the run acts as
    links: dict[str, str] = field(default_factory=dict)  # fill links made by this run (request_fill): paths
    seen: dict[str, Any] | None = None  # the record's values as the trigger saw them (kept from actions)

    def service(self, form_key: str | None = None) -> RecordService:
        """The record service on a form of the app, acting as the rule's run-as user; its
        events carry the chain with this rule in it, one level deeper."""
        form = self.form if form_key is None or (self.form and form_key == self.form.key) \
            else load_form(self.session, self.app, form_key)
        service = RecordService(self.session, form, self.who)
        service.source = "rule"
        service.causation = {"rules": [*self.chain, self.rule.key], "depth": self.depth + 1}
        return service

    def condition(self, data: Any, values: dict[str, Any] | None = None) -> bool:
        """The rule's condition language over the trigger's record."""
        if data is None:
            return True
        if self.form is None:
            values, infos = self.scope()
            return bool(evaluate(parse_condition(data, infos), values, infos, expression_context(self.who)))
        infos = formula_infos(self.form.definition.fields)
        node = parse_condition(with_ids(self.form, data), infos)
        return bool(evaluate(node, self.values if values is None else values, infos, expression_context(self.who)))

    def value(self, data: Any) -> Any:
        """A mapped value: an expression (AST, or ``{"formula": "text"}``) over the trigger's
        record and a webhook's body (``body.…``), or a constant as given."""
        if manager_field(data) is not None:
            return self.manager(manager_field(data))
        if event_value(data) is not None:
            return self.record_id if event_value(data) == "record" else self.actor
        if before_field(data) is not None:
            field_def = self.form.by_key.get(before_field(data)) if self.form else None
            return as_input((self.seen or {}).get(field_def.id)) if field_def else None
        values, infos = self.scope()
        if isinstance(data, dict) and set(data) == {"formula"} and isinstance(data["formula"], str):
            node = parse_formula(data["formula"], infos)
        elif is_expression(data):
            node = parse(with_ids(self.form, data) if self.form else data)
            check(node, infos)
        else:
            return data
        return as_input(evaluate(node, values, infos, expression_context(self.who)))

    def manager(self, key: str) -> int | None:
        """The manager (``org.manager_of``) of the person in the trigger record's person field
        ``key``; None when the field is empty or nobody is above the person."""
        field_def = self.form.field(key) if self.form else None
        person = self.values.get(field_def.id) if field_def else None
        if isinstance(person, list):  # a field holding several people: the first one's manager
            person = person[0] if person else None
        return manager_of(self.session, int(person)) if person is not None else None

    def scope(self) -> tuple[dict[str, Any], dict[str, FieldInfo]]:
        """What expressions can name: the record's fields, and a webhook body's values."""
        infos = formula_infos(self.form.definition.fields) if self.form else {}
        if not self.payload:
            return self.values, infos
        values, body = body_fields(self.payload)
        return {**self.values, **values}, {**infos, **body}


def as_input(value: Any) -> Any:
    """An expression's value as the record service takes it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
