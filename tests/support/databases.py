"""Test databases, migrated to head: a copy of a migrated SQLite file, or a PostgreSQL schema
from this process's pool.

Migrating costs 0.2 s on SQLite; on PostgreSQL it costs 0.8 s and dropping the schema 0.5 s
(its 50 tables, 124 indexes and 40 sequences are files the server makes and unlinks), which
made the suite there take twice as long as on SQLite. Emptying a schema takes 30 ms. So a
schema given back is emptied in place: the tables and views the test made are dropped, the
platform's rows deleted and its sequences restarted. It is used again only if it is then
exactly what a new migration makes (the same relations, columns, functions, types,
constraints, triggers and revision); any other is dropped."""

from __future__ import annotations

import graphlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from brickwork.platform import migrate
from brickwork.platform.db import make_engine

PG_URL = os.environ.get("BRICKWORK_TEST_DATABASE_URL", "")
KEPT_ROWS = {"alembic_version"}  # what a migration writes, besides the schema

FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
  SELECT 'rel:' || relkind::text || ':' || relname || ':' || relnatts AS item FROM pg_class
   WHERE relnamespace = CAST(:ns AS regnamespace)
  UNION ALL SELECT 'proc:' || proname FROM pg_proc WHERE pronamespace = CAST(:ns AS regnamespace)
  UNION ALL SELECT 'type:' || typname FROM pg_type WHERE typnamespace = CAST(:ns AS regnamespace)
  UNION ALL SELECT 'con:' || conname FROM pg_constraint WHERE connamespace = CAST(:ns AS regnamespace)
  UNION ALL SELECT 'trg:' || tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid
   WHERE relnamespace = CAST(:ns AS regnamespace) AND NOT tgisinternal
) AS items
"""
RELATIONS = """
SELECT relname, relkind FROM pg_class WHERE relnamespace = CAST(:ns AS regnamespace) AND relkind = ANY(:kinds)
"""
REFERENCES = """
SELECT child.relname, parent.relname FROM pg_constraint
  JOIN pg_class AS child ON child.oid = conrelid JOIN pg_class AS parent ON parent.oid = confrelid
 WHERE contype = 'f' AND connamespace = CAST(:ns AS regnamespace)
"""
RESTART_SEQUENCES = """
SELECT count(setval(pg_class.oid, seqstart, false)) FROM pg_class JOIN pg_sequence ON seqrelid = pg_class.oid
 WHERE relnamespace = CAST(:ns AS regnamespace)
"""
DROPPED_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
                 "S": "SEQUENCE"}


def url_of(schema: str) -> str:
    """A URL of the schema, new each time it is handed out: what a process keeps per database
    (the cache of tokens' last use, say) must not outlive the test that made it."""
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}",
                                              "application_name": f"test-{uuid.uuid4().hex[:8]}"})
    return url.render_as_string(hide_password=False)


class SchemaPool:
    """Migrated PostgreSQL schemas for one test process."""

    def __init__(self) -> None:
        self.server = create_engine(PG_URL)
        self.idle: list[str] = []
        self.fingerprint = ""
        self.tables: list[str] = []  # the platform's tables, children before parents
        self.sequences: set[str] = set()

    def take(self) -> str:
        if self.idle:
            return self.idle.pop()
        schema = self.empty()
        engine = make_engine(url_of(schema))
        migrate.upgrade(engine)
        engine.dispose()
        if not self.fingerprint:
            self._survey(schema)
        return schema

    def empty(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.server.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return schema

    def give_back(self, schema: str) -> None:
        try:
            if self.fingerprint and self._empty_in_place(schema):
                self.idle.append(schema)
                return
        except DBAPIError:
            pass  # a lock still held, say: the schema is dropped instead
        self.drop(schema)

    def drop(self, schema: str) -> None:
        with self.server.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def close(self) -> None:
        for schema in self.idle:
            self.drop(schema)
        self.idle.clear()
        self.server.dispose()

    def _survey(self, schema: str) -> None:
        with self.server.connect() as conn:
            self.fingerprint = conn.execute(text(FINGERPRINT), {"ns": schema}).scalar_one()
            rows = conn.execute(text(RELATIONS), {"ns": schema, "kinds": ["r", "S"]}).all()
            references = conn.execute(text(REFERENCES), {"ns": schema}).all()
        tables = {name for name, kind in rows if kind == "r"}
        self.sequences = {name for name, kind in rows if kind == "S"}
        parents: dict[str, set[str]] = {name: set() for name in tables}
        for child, parent in references:
            if child != parent:
                parents[child].add(parent)
        in_order = list(graphlib.TopologicalSorter(parents).static_order())  # parents first
        self.tables = [name for name in reversed(in_order) if name not in KEPT_ROWS]

    def _empty_in_place(self, schema: str) -> bool:
        with self.server.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '2s'"))
            known = set(self.tables) | KEPT_ROWS | self.sequences
            made = conn.execute(text(RELATIONS), {"ns": schema, "kinds": list(DROPPED_KINDS)}).all()
            for name, kind in sorted(made, key=lambda row: row[1] == "S"):  # sequences last
                if name not in known:
                    conn.execute(text(f'DROP {DROPPED_KINDS[kind]} IF EXISTS "{schema}"."{name}" CASCADE'))
            for name in self.tables:
                conn.execute(text(f'DELETE FROM "{schema}"."{name}"'))
            conn.execute(text(RESTART_SEQUENCES), {"ns": schema})
            if conn.execute(text(FINGERPRINT), {"ns": schema}).scalar_one() != self.fingerprint:
                return False  # a test changed the platform's tables: the schema is dropped
            revision = conn.execute(text(f'SELECT version_num FROM "{schema}".alembic_version')).scalar_one_or_none()
            return revision == migrate.head_revision()


_pool: SchemaPool | None = None
_template: Path | None = None  # this process's migrated SQLite file


def schema_pool() -> SchemaPool:
    global _pool
    if _pool is None:
        _pool = SchemaPool()
    return _pool


def _migrated_sqlite() -> Path:
    global _template
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="brickwork-migrated-")) / "migrated.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()  # the last connection to close folds the write-ahead log into the file
        _template = path
    return _template


def close() -> None:
    """At the end of the process's session: drop the idle schemas, remove the SQLite file."""
    global _pool, _template
    if _pool is not None:
        _pool.close()
        _pool = None
    if _template is not None:
        shutil.rmtree(_template.parent, ignore_errors=True)
        _template = None


@contextmanager
def database(folder: Path, migrated: bool = True) -> Iterator[str]:
    """The URL of a database of its own for as long as the block lasts: at the head revision,
    or (``migrated=False``) one no migration has touched."""
    if not PG_URL:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "test.db"
        if migrated:
            shutil.copyfile(_migrated_sqlite(), path)
        yield f"sqlite:///{path}"
        return
    pool = schema_pool()
    schema = pool.take() if migrated else pool.empty()
    try:
        yield url_of(schema)
    finally:
        pool.give_back(schema)  # an empty one the test migrated is as good as any
