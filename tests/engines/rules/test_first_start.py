"""A rule of an app installed from the command line before anyone signed up (``make run``:
the template, then its demo data, then the first administrator) runs as the system and
names nobody on what it writes: there is no user to name."""

from __future__ import annotations

from sqlalchemy import func, select

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.kinds import store
from brickwork.platform.appfile import install_document
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import AuditEntry, RuleRun, User
from tests.engines.rules.helpers import DEALS, rule

TOUCH = rule("touch", {"type": "record.created", "form": "deals"},
             [{"type": "update_records", "values": {"touched": {"lit": "yes", "type": "text"}}}], run_as="system")
FILE = {"brickwork": 1, "app": {"key": "shop", "label": {"en": "Shop"}},
        "definitions": {"form": [DEALS], "rule": [TOUCH]}}


def test_a_system_rule_with_no_user_in_the_installation_writes_as_nobody(sessions, drain):
    nobody = Principal(None, "system", "System", True, "test")  # type: ignore[arg-type]
    with transaction(sessions) as session:
        install_document(session, store(), FILE, None)
        deal = RecordService(session, load_form(session, "shop", "deals"), nobody).create({"name": "ACME"})
    drain()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        touched = RecordService(session, load_form(session, "shop", "deals"), nobody).get(deal["id"])
        [run] = session.scalars(select(RuleRun).where(RuleRun.rule == "touch")).all()
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "record.updated")).all()
    assert touched["touched"] == "yes" and run.status == "succeeded"
    assert entry.actor_id is None and entry.changes["touched"] == [None, "yes"]
