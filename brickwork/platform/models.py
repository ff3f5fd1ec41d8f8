"""The platform's own tables (typed ORM). Record tables are per form and built with Core
by the form engine; they never appear here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from brickwork.platform.db import utcnow

# Stable constraint names so migrations behave the same on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT ids on PostgreSQL; SQLite only aliases rowid for INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    title: Mapped[str] = mapped_column(String(128), default="", server_default="")
    # Edits by administrators are optimistic: a stale version gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set by an administrator's password reset: the one-time password must be replaced.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Department(Base):
    """A tree. ``path`` is the chain of ids (``/1/4/9/``) so "this department and below"
    is one indexed prefix match in SQL."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(128))
    path: Mapped[str] = mapped_column(String(512), index=True, default="/")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class DepartmentHead(Base):
    __tablename__ = "department_heads"
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Membership(Base):
    """A user in a department; exactly one membership of a user is the main one."""

    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[str] = mapped_column(Text, default="")


class UserRole(Base):
    """A role held by a user, optionally only within one department."""

    __tablename__ = "user_roles"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    __table_args__ = (UniqueConstraint("user_id", "role_id", "department_id"),)


class App(Base):
    __tablename__ = "apps"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(default=dict)
    icon: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Renames are optimistic like definitions: a stale version gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The builder's order of definitions per kind: {"form": ["customers", "contacts"]}.
    order: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)  # in the recycle bin since
    # Changes (to a fresh random number, so a rolled-back change is never reused) whenever what
    # the app's writes depend on changes: a definition published, a webhook subscription
    # changed. Caches in every process key on it (platform/generation.py, decision 0039).
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Definition(Base):
    """One version of one definition (a form, a flow, ...) of an app.

    Published versions are immutable. At most one draft per definition: it carries the
    next version number and a ``revision`` counter so two builders saving the same draft
    are told, not overwritten.
    """

    __tablename__ = "definitions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # draft | published
    revision: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    __table_args__ = (UniqueConstraint("app_id", "kind", "key", "version"),)


class AuditEntry(Base):
    """Who did what, when, with the before/after of each changed field."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(128))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id", "id"),)


class OutboxEvent(Base):
    """A domain event written in the same transaction as the change it reports.

    Its deliveries are jobs deferred in the same transaction, one per matching subscriber
    (``platform.outbox``), so ``processed_at`` is set when it is written (fanned out) and
    ``attempts``/``last_error`` stay unused: the run log (``job_runs``) tells what happened.
    ``key`` makes a repeated delivery recognisable downstream.
    """

    __tablename__ = "outbox_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    available_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_outbox_events_pending", "processed_at", "available_at"),)


class ApiToken(Base):
    """A token for programs. Only its SHA-256 is stored; ``prefix`` lets people tell
    their tokens apart in lists."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class UserSession(Base):
    """A signed-in browser. Server side, so logging out or deactivating a user ends it."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(256), default="")


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_login_attempts_who", "username", "ip", "at"),)


class Sequence(Base):
    """A named counter per period (auto-numbers: per form field and month...). Bumped in
    the caller's transaction, so a rolled-back insert leaves no gap."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class StoredFile(Base):
    """An uploaded file. The bytes live under the data dir, named by their SHA-256."""

    __tablename__ = "files"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SavedView(Base):
    """A named table, kanban or calendar view of a form's records. ``owner_id`` is the
    person it belongs to; none means shared with everyone who may read the form."""

    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[Any] = mapped_column(JSON)  # a Label dict or plain text
    type: Mapped[str] = mapped_column(String(16))  # table | kanban | calendar
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A shared view's stable id in its app file (templates name views by it); else none.
    uid: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("ix_saved_views_form", "app_id", "form_key"),
                      Index("ux_saved_views_uid", "app_id", "uid", unique=True))


class AppTemplate(Base):
    """The template an app was installed from, as installed: the common ancestor of the
    three-way merge when a newer version of the template is installed over it."""

    __tablename__ = "app_templates"
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    installed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- Jobs (docs/decisions/0018-events-and-jobs.md) --------------------------------------


class JobRun(Base):
    """The run log: one row per attempt of a job, visible to platform admins.

    ``kind`` is what ran: ``event`` (a subscriber given an event), ``job`` (a deferred task)
    or ``schedule`` (a task fired by a schedule). ``job_id`` names the queue's job (the
    embedded table on SQLite, procrastinate's on PostgreSQL), so a dead one can be retried.
    """

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    task: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str | None] = mapped_column(String(64))
    app: Mapped[str | None] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))  # succeeded, retrying, failed, skipped
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("ix_job_runs_started_at", "started_at"),
        Index("ix_job_runs_app_kind_outcome", "app", "kind", "outcome"),
        Index("ix_job_runs_job_id", "job_id"),
    )


class JobReceipt(Base):
    """Proof that a consumer (subscriber or task) applied the job with this key: written in
    the same transaction as the consumer's own changes, so a re-delivery is recognised."""

    __tablename__ = "job_receipts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("consumer", "key", name="uq_job_receipts_consumer_key"),
        Index("ix_job_receipts_at", "at"),
    )


class JobSchedule(Base):
    """A cron schedule, made in code or at runtime (rules), kept under a stable key.

    ``next_at`` (UTC) is the next time it fires; a worker claims a due schedule by moving
    ``next_at`` forward from now, so a slot missed while no worker ran fires once."""

    __tablename__ = "job_schedules"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    task: Mapped[str] = mapped_column(String(128))
    cron: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    app: Mapped[str | None] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_at: Mapped[datetime] = mapped_column(DateTime)
    last_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_job_schedules_due", "enabled", "next_at"),)


class EmbeddedJob(Base):
    """The job queue on SQLite, run by the worker inside ``brickwork serve``. PostgreSQL
    uses procrastinate's ``procrastinate_jobs`` instead and leaves this table empty.

    Same rules as procrastinate: among jobs sharing a ``lock`` only the earliest unfinished
    one may run, so a job waiting for its retry holds back the later ones."""

    __tablename__ = "embedded_jobs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lock: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="todo")  # todo, doing, succeeded, failed
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_embedded_jobs_status_id", "status", "id"),
        Index("ix_embedded_jobs_lock_status", "lock", "status"),
    )


class RuleRun(Base):
    """The rules engine's run log: one row per (rule, event), whatever came of it.

    ``status``: succeeded, failed, skipped (the condition was false), stopped (loop
    protection: ``reason`` says which guard). ``actions`` holds each action's resolved
    inputs and outcome. Unique on (app, rule, event key): a re-delivered event cannot
    start a second run.
    """

    __tablename__ = "rule_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)
    event_key: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(32))
    form: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actions: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        UniqueConstraint("app", "rule", "event_key", name="uq_rule_runs_app_rule_event"),
        Index("ix_rule_runs_record", "app", "form", "record_id", "started_at"),
        Index("ix_rule_runs_rule", "app", "rule", "started_at"),
    )


class RulePause(Base):
    """A rule paused by the engine (``reason``: ``storm``, it hit the storm guard too often):
    it starts no runs until someone switches it on again, which deletes the row."""

    __tablename__ = "rule_pauses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    paused_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("app", "rule", name="uq_rule_pauses_app_rule"),)


class RecordMerge(Base):
    """Two records of a form merged into one (the form engine's ``merge.py``): what moved
    from the loser to the survivor, so that restoring the loser from the recycle bin moves
    it back. ``undone_at`` is set by that restore."""

    __tablename__ = "record_merges"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(64))
    survivor_id: Mapped[int] = mapped_column(BigInteger)
    loser_id: Mapped[int] = mapped_column(BigInteger)
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)
    merged_by: Mapped[int | None] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_record_merges_loser", "app", "form", "loser_id"),
                      Index("ix_record_merges_survivor", "app", "form", "survivor_id"))


class FillLink(Base):
    """A link that lets someone without an account fill some fields of one record once
    (外链, the form engine's ``fill_links.py``). Only the token's SHA-256 is stored, as for
    API tokens; ``used_at`` is set by the fill that uses it, in the same transaction."""

    __tablename__ = "fill_links"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(BigInteger)
    fields: Mapped[list[Any]] = mapped_column(JSON)  # the field keys the link may fill
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_fill_links_record", "app", "form", "record_id"),)


class Notification(Base):
    """The bell: a message for one user in the app, until read."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)


class AppRole(Base):
    """A role of one app: what the app's form permissions name, with its own menu. ``admin``
    makes its members the app's designers (forms, publish, permissions, roles) without being
    administrators of the installation. Roles travel in the app file; members do not."""

    __tablename__ = "app_roles"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The app's navigation for the role: [{"type": "form", "form": "customers"}, ...]; empty
    # means every form the role may read.
    menu: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (UniqueConstraint("app_id", "key"),)


class AppRoleMember(Base):
    """A person, or a department (everyone in it and in the departments below it), in an app role."""

    __tablename__ = "app_role_members"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("app_roles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    __table_args__ = (UniqueConstraint("role_id", "user_id", "department_id"),)


class UserTotp(Base):
    """A person's authenticator (TOTP). ``secret`` is sealed with the installation's secret
    key (platform/identity/sealed.py); ``confirmed_at`` is set once a code proved the
    enrolment; ``last_step`` is the time step of the last accepted code, so a code
    overheard is not accepted a second time (docs/decisions/0026-sign-in-oidc-and-totp.md)."""

    __tablename__ = "user_totp"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RecoveryCode(Base):
    """A one-time code for a lost authenticator: argon2 hash only, shown once at enrolment."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuthChallenge(Base):
    """A sign-in between two steps: the password was right and a TOTP code is awaited
    (``kind`` "totp"), or the browser went to the OIDC provider (``kind`` "oidc", with
    state, nonce and PKCE verifier in ``data``). Only the digest of its token is stored."""

    __tablename__ = "auth_challenges"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class UserIdentity(Base):
    """A person's account at an OIDC provider: (issuer, subject) names it for good, even
    when its email or username changes there."""

    __tablename__ = "user_identities"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identities_issuer_subject"),)
class FlowInstance(Base):
    """One run of an approval flow over one record (engine-semantics §1.2). It keeps the flow
    version it started with; ``version`` is bumped by every change (what pages compare)."""

    __tablename__ = "flow_instances"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    department_id: Mapped[int | None] = mapped_column(BigInteger)  # the submission department
    chosen: Mapped[dict[str, Any]] = mapped_column(default=dict)  # self-selected approvers per node
    returned_from: Mapped[str | None] = mapped_column(String(64))  # the node that returned it last
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    urged_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_flow_instances_record", "app", "form", "record_id"),)


class FlowNodeRun(Base):
    """One activation of a node in an instance: ``active`` → ``approved`` | ``rejected`` |
    ``returned`` | ``skipped`` | ``cancelled``. Nodes inside a group point at the group's run
    (``parent_id``); a group's run ends when none of its children is active any more."""

    __tablename__ = "flow_node_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    node_id: Mapped[str] = mapped_column(String(64))
    node_type: Mapped[str] = mapped_column(String(32))
    branch: Mapped[str | None] = mapped_column(String(64))  # a group's run: the branch taken
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class FlowTask(Base):
    """One person's work item in a node run (§1.3): ``waiting`` → ``open`` → ``closed`` with
    an ``outcome``. ``position`` orders a sequential node; ``added_by`` and ``sign`` mark the
    tasks of an add-sign (they do not count in the node's mode)."""

    __tablename__ = "flow_tasks"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"), index=True)
    node_run_id: Mapped[int] = mapped_column(ForeignKey("flow_node_runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # approve | handle | resubmit
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    on_behalf_of: Mapped[int | None] = mapped_column(BigInteger)  # delegation while away
    state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the system
    reason: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    sign: Mapped[str | None] = mapped_column(String(8))  # before | after
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)  # reached by the empty-approver policy
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_flow_tasks_inbox", "assignee_id", "state"),)


class FlowEntry(Base):
    """The instance's timeline: every action and engine step, who, when, with what comment."""

    __tablename__ = "flow_entries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    on_behalf_of: Mapped[int | None] = mapped_column(BigInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FlowCc(Base):
    """A CC recipient of an instance: reads it with the fields of the node that copied them."""

    __tablename__ = "flow_cc"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("instance_id", "user_id", "node_id"),)


class FlowDelegation(Base):
    """While a person is away, tasks opened for them go to their delegate."""

    __tablename__ = "flow_delegations"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
class Connection(Base):
    """One configured use of a connector in an app (brickwork/connectors): a mail server, a
    group's robot, an HTTP endpoint. ``settings`` never holds a secret: the connector's secret
    settings are in ``secrets``, each sealed (platform/secretbox.py), and never leave the server."""

    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    connector: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(default=dict)  # name -> sealed value
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Which of the app's notifications (platform/notifications.EVENTS) this connection passes
    # on: an email connection mails them to each person, a group bot posts them to its group.
    notify_on: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("app_id", "key"),)


class ConnectionDelivery(Base):
    """One message to send through a connection, unique by its idempotency key: a second
    request with the same key (a rule run again, a re-delivered event) sends nothing. Sent
    rows also count the connection's recent sends for its rate limit."""

    __tablename__ = "connection_deliveries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what was sent, no secret
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_connection_deliveries_sent", "connection_id", "sent_at"),)
class WebhookSubscription(Base):
    """An app's outgoing webhook (issue 18): its events (``record.*``, ``flow.*`` patterns),
    optionally one form and some of its fields, POSTed signed (Standard Webhooks) to ``url``.
    ``secret`` is sealed (platform/secretbox.py); after a rotation ``old_secret``
    still signs beside it until ``old_until``. Disabled by itself after a day of failures."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(default=list)
    form: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[Any]] = mapped_column(default=list)  # field keys sent; empty: all
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(Text)
    old_secret: Mapped[str | None] = mapped_column(Text)
    old_until: Mapped[datetime | None] = mapped_column(DateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigInteger)


class WebhookDelivery(Base):
    """The delivery log: one message (an event for a subscription) and how it went. Each
    attempt is also a row of ``job_runs`` (its error, its time). ``msg_id`` is the
    ``webhook-id`` header: the same for every attempt and replay of the message."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    app: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(64))
    msg_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(64))
    record: Mapped[str | None] = mapped_column(String(200))  # app/form/id: the ordering key
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed, skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_key", name="uq_webhook_deliveries_subscription_event"),
    )


class WebhookReceipt(Base):
    """An incoming webhook's delivery id, once per rule: a second delivery with the same id
    finds this row and is answered without running the rule again."""

    __tablename__ = "webhook_receipts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[str] = mapped_column(String(200))
    event_key: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("app", "rule", "delivery_id", name="uq_webhook_receipts_app_rule_delivery"),
        Index("ix_webhook_receipts_received_at", "received_at"),
    )


class WebhookInSecret(Base):
    """The signing secret (sealed) of a rule's incoming webhook, kept out of the rule's
    definition so it never travels in an app file."""

    __tablename__ = "webhook_in_secrets"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("app", "rule", name="uq_webhook_in_secrets_app_rule"),)
