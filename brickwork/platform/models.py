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

    Side effects are delivered from here, at least once; ``key`` makes a repeated
    delivery recognisable downstream.
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
