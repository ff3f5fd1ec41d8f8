"""A fresh database with the CRM installed and filled with demo data, made once per test
module (making the demo users hashes their passwords, which takes seconds), then its jobs
run once, as the install command does."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path

from brickwork.cli_apps import run_due_jobs
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.settings import load_settings
from brickwork.templates.crm_demo import generate
from tests.support.databases import database
from tests.templates.install import install_crm


@contextmanager
def fresh_database(folder: Path):
    """An engine of a migrated database: a SQLite file, or a PostgreSQL schema under
    BRICKWORK_TEST_DATABASE_URL."""
    with database(folder / uuid.uuid4().hex[:8]) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def crm_with_demo_data(folder: Path, size: int, seed: int):
    """(engine, the counts generate returned); ``settings`` of the database, for an app."""
    with fresh_database(folder) as engine:
        sessions = make_sessionmaker(engine)
        with transaction(sessions) as session:
            admin = create_user(session, "admin", "admin-password-1", is_admin=True)
            install_crm(session, admin.id)
        with sessions() as session:
            counts = generate(session, "crm", size, seed=seed)
        run_due_jobs(settings_of(engine, folder), engine)
        yield engine, counts


def settings_of(engine, folder: Path):
    """The settings of a server on this database (no worker: tests run jobs themselves)."""
    url = engine.url.render_as_string(hide_password=False)
    return load_settings(data_dir=folder / "data", database_url=url, worker=False)
