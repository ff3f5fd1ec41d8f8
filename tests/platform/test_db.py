import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from brickwork.platform import migrate
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.models import Base, Role

PLATFORM_TABLES = {
    "users", "departments", "department_heads", "memberships", "roles", "user_roles", "apps",
    "definitions", "audit_log", "outbox_events", "api_tokens", "user_sessions", "login_attempts",
}


def test_upgrade_creates_every_platform_table(engine):
    assert PLATFORM_TABLES <= set(inspect(engine).get_table_names())
    assert migrate.is_up_to_date(engine)


def test_migrations_and_models_agree(engine):
    """A model changed without a migration would be found here, not in production."""
    # procrastinate's tables (PostgreSQL) are its own schema, installed by migration 0006.
    theirs = {"include_name": lambda name, type_, parents: not (type_ == "table" and name.startswith("procrastinate_"))}
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts=theirs), Base.metadata)
    assert differences == []


@pytest.mark.empty_database
def test_a_fresh_database_is_not_up_to_date(database_url):
    engine = make_engine(database_url)
    assert migrate.current_revision(engine) is None
    assert not migrate.is_up_to_date(engine)
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # idempotent
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    engine.dispose()


def test_a_failed_unit_of_work_leaves_nothing_behind(sessions):
    try:
        with transaction(sessions) as session:
            session.add(Role(key="sales", label={"en": "Sales"}))
            session.flush()
            raise RuntimeError("half-way")
    except RuntimeError:
        pass
    with transaction(sessions) as session:
        assert session.scalar(select(Role).where(Role.key == "sales")) is None


def test_concurrent_writers_queue_instead_of_failing(engine):
    """Writers on SQLite take the lock up front, so none dies of 'database is locked'."""
    sessions = make_sessionmaker(engine)
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            with transaction(sessions) as session:
                count = len(session.scalars(select(Role)).all())
                session.add(Role(key=f"role_{n}_{count}", label={"en": str(n)}))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with transaction(sessions) as session:
        assert len(session.scalars(select(Role)).all()) == 12


def test_migrations_leave_record_tables_alone(engine, api):
    """Autogenerate compares only the platform's tables: a published form's table is not
    something the next migration would drop."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from brickwork.platform.migrate import platform_names, platform_only
    from tests.engines.form.helpers import field, form, publish

    assert publish(api, form("customers", field("f1", "text", "name"))).status_code == 200
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": platform_only,
                                                         "include_name": platform_names})
        assert compare_metadata(context, Base.metadata) == []


def test_an_old_sqlite_is_refused_with_the_variable_named(monkeypatch, tmp_path):
    """SQLite before 3.50.4 loses commits after a ROLLBACK TO (docs/decisions/0010)."""
    from types import SimpleNamespace

    import pytest

    from brickwork.platform import db
    from brickwork.platform.settings import ConfigError

    old = SimpleNamespace(sqlite_version="3.40.1", sqlite_version_info=(3, 40, 1))
    monkeypatch.setattr(db, "sqlite_module", lambda: old)
    with pytest.raises(ConfigError, match=r"BRICKWORK_DATABASE_URL: SQLite 3\.40\.1 is too old; 3\.50\.4 or newer"):
        db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")


def test_sqlite_engines_run_on_a_library_that_keeps_commits(tmp_path):
    from brickwork.platform import db

    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT sqlite_version()").scalar()
    engine.dispose()
    assert tuple(map(int, version.split("."))) >= db.SQLITE_MINIMUM
