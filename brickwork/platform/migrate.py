"""Alembic, driven from Python: the migrations live inside the package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def platform_only(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate's filter: record tables (and their views) belong to the form engine,
    which makes them on publish; a migration must never propose to drop them."""
    return not (type_ == "table" and reflected and compare_to is None)


def platform_names(name, type_, parent_names) -> bool:
    """Autogenerate's filter before reflection: only the platform's own tables are read, so
    record tables (with indexes SQLite cannot reflect, such as ``lower(title)``) are never
    looked at, let alone proposed for dropping."""
    from brickwork.platform.models import Base  # models import this module's callers

    return type_ != "table" or name in Base.metadata.tables


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", "brickwork:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def autogenerate(engine: Engine, message: str) -> None:
    """For developers: write a new migration from the difference to the models."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
