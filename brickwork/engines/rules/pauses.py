"""Storm pause (decision 0036): a rule that the storm guard stops again and again (5 times
in 10 minutes, on any records) is a rule running away, not a busy record. The engine pauses
it: a row in ``rule_pauses`` with the reason, shown in the run log (the run that paused it)
and the rule list, and a bell for the app's administrators. A paused rule starts no runs;
switching it on again deletes the row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from brickwork.platform.db import utcnow
from brickwork.platform.i18n import _
from brickwork.platform.models import App, AppRole, AppRoleMember, RulePause, RuleRun, User
from brickwork.platform.notifications import notify

STORMS, STORM_SPAN = 5, timedelta(minutes=10)  # storm stops of one rule that pause it
STORM = "storm"


def paused(session: Session, app: str) -> dict[str, str]:
    """The app's paused rules: key → reason."""
    return dict(session.execute(select(RulePause.rule, RulePause.reason).where(RulePause.app == app)).all())


def is_paused(session: Session, app: str, rule: str) -> bool:
    return session.scalar(select(RulePause.id).where(RulePause.app == app, RulePause.rule == rule)) is not None


def after_storm(session: Session, app: str, rule: str, version: int, author: int | None) -> str | None:
    """Called when a run of ``rule`` was stopped by the storm guard (its row flushed). Pauses
    the rule at the fifth such stop of its live version within ten minutes (switching it on
    again publishes a new version: the count starts again); returns the message then."""
    storms = session.scalar(select(func.count()).select_from(RuleRun).where(
        RuleRun.app == app, RuleRun.rule == rule, RuleRun.rule_version == version,
        RuleRun.status == "stopped", RuleRun.reason == STORM,
        RuleRun.started_at > utcnow() - STORM_SPAN))
    if storms < STORMS or is_paused(session, app, rule):
        return None
    session.add(RulePause(app=app, rule=rule, reason=STORM))
    text = _("The rule %(rule)s was paused: it ran too often on the same records (%(n)s storm stops in "
             "%(m)s minutes). Fix it, then switch it on again.", rule=rule, n=storms,
             m=int(STORM_SPAN.total_seconds() // 60))
    notify(session, _admins(session, app) | ({author} if author else set()), text, app=app, source=f"rule:{rule}")
    return text


def resume(session: Session, app: str, rule: str) -> None:
    session.execute(delete(RulePause).where(RulePause.app == app, RulePause.rule == rule))


def _admins(session: Session, app: str) -> set[int]:
    """The app's administrators: members (people) of its admin roles, and the installation's."""
    members = select(AppRoleMember.user_id).join(AppRole, AppRole.id == AppRoleMember.role_id) \
        .join(App, App.id == AppRole.app_id).where(App.key == app, AppRole.admin.is_(True),
                                                   AppRoleMember.user_id.is_not(None))
    return set(session.scalars(members)) | set(session.scalars(select(User.id).where(User.is_admin.is_(True))))
