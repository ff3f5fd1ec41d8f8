"""Migration 0020 moves the sweeps' markers into the records' rows, and back."""

import json

import pytest
from alembic import command
from sqlalchemy import inspect, text

from brickwork.platform import migrate
from brickwork.platform.db import make_engine

FORM = {"key": "customers", "fields": []}
RULE = {"key": "to_pool", "trigger": {"type": "date_relative", "form": "customers"}, "actions": []}


def _definition(conn, kind: str, key: str, body: dict) -> None:
    conn.execute(text(
        "INSERT INTO definitions (app_id, kind, key, version, state, revision, body, created_at, updated_at)"
        " VALUES (1, :kind, :key, 1, 'published', 1, :body, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        {"kind": kind, "key": key, "body": json.dumps(body)})


def _marks(value):
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.empty_database
def test_markers_move_into_the_rows_and_back(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0019")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO apps (id, key, label, description, icon, created_at, version, \"order\","
                          " generation) VALUES (1, 'crm', '{}', '{}', '', CURRENT_TIMESTAMP, 1, '{}', 0)"))
        _definition(conn, "form", "customers", FORM)
        _definition(conn, "rule", "to_pool", RULE)
        conn.execute(text("CREATE TABLE r1_customers (id INTEGER PRIMARY KEY, f_name TEXT)"))
        conn.execute(text("INSERT INTO r1_customers (id, f_name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"))
        conn.execute(text('INSERT INTO rule_matches (app, rule, record_id, "window", matched_at) VALUES'
                          " ('crm', 'to_pool', 1, '2026-10-01', CURRENT_TIMESTAMP),"
                          " ('crm', 'to_pool', 2, '', CURRENT_TIMESTAMP),"
                          " ('crm', 'gone', 3, '', CURRENT_TIMESTAMP)"))  # a deleted rule's: dropped
    migrate.upgrade(engine)
    assert "rule_matches" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        rows = {i: _marks(m) for i, m in conn.execute(text("SELECT id, rule_marks FROM r1_customers"))}
    assert rows == {1: {"to_pool": "2026-10-01"}, 2: {"to_pool": ""}, 3: None}
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0019")
    assert "rule_marks" not in {c["name"] for c in inspect(engine).get_columns("r1_customers")}
    with engine.connect() as conn:
        back = conn.execute(text('SELECT app, rule, record_id, "window" FROM rule_matches ORDER BY record_id')).all()
    assert [tuple(r) for r in back] == [("crm", "to_pool", 1, "2026-10-01"), ("crm", "to_pool", 2, "")]
    engine.dispose()
