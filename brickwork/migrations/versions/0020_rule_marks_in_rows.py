"""date rules' marks in the record's own row (decision 0051): every form table gets a
``rule_marks`` column, the markers move into it, ``rule_matches`` goes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import hashlib
import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

MARKS = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def table_name(app_id: int, form: str) -> str:
    """A form's record table, named as the form engine names it at this revision (a migration
    may not import the engines, and must not change when they do)."""
    name = f"r{app_id}_{form}"
    return name if len(name) <= 63 else f"{name[:50]}_{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def _body(value):
    return json.loads(value) if isinstance(value, str) else value


def _form_tables(conn) -> dict[str, tuple[int, str]]:
    """The record tables there are: table name → (app id, form key)."""
    existing = set(sa.inspect(conn).get_table_names())
    forms = conn.execute(sa.text(
        "SELECT DISTINCT app_id, key FROM definitions WHERE kind = 'form' AND state = 'published'")).all()
    return {table_name(app_id, key): (app_id, key) for app_id, key in forms if table_name(app_id, key) in existing}


def _rule_forms(conn) -> dict[tuple[str, str], tuple[int, str]]:
    """(app key, rule key) → (app id, the form its trigger sweeps), by its latest published version."""
    found = {}
    for app_id, app, key, body in conn.execute(sa.text(
            "SELECT d.app_id, a.key, d.key, d.body FROM definitions d JOIN apps a ON a.id = d.app_id"
            " WHERE d.kind = 'rule' AND d.state = 'published' ORDER BY d.version")):
        form = (_body(body).get('trigger') or {}).get('form')
        if isinstance(form, str):
            found[(app, key)] = (app_id, form)
    return found


def upgrade() -> None:
    conn = op.get_bind()
    tables = _form_tables(conn)
    for name in tables:
        if 'rule_marks' not in {c['name'] for c in sa.inspect(conn).get_columns(name)}:
            op.add_column(name, sa.Column('rule_marks', MARKS))
    rules = _rule_forms(conn)
    rows: dict[str, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for app, rule, record_id, window in conn.execute(sa.text(
            'SELECT app, rule, record_id, "window" FROM rule_matches')):
        if (app, rule) in rules and table_name(*rules[(app, rule)]) in tables:
            rows[table_name(*rules[(app, rule)])][record_id][rule] = window
    value = 'CAST(:marks AS JSONB)' if conn.dialect.name == 'postgresql' else ':marks'
    quote = conn.dialect.identifier_preparer.quote
    for name, marks in rows.items():
        conn.execute(sa.text(f'UPDATE {quote(name)} SET rule_marks = {value} WHERE id = :id'),
                     [{'id': record_id, 'marks': json.dumps(m)} for record_id, m in marks.items()])
    op.drop_table('rule_matches')


def downgrade() -> None:
    conn = op.get_bind()
    op.create_table('rule_matches',
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('window', sa.String(length=40), nullable=False),
    sa.Column('matched_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('app', 'rule', 'record_id', 'window', name=op.f('pk_rule_matches'))
    )
    apps = dict(conn.execute(sa.text('SELECT id, key FROM apps')).all())
    quote = conn.dialect.identifier_preparer.quote
    for name, (app_id, _form) in _form_tables(conn).items():
        if 'rule_marks' not in {c['name'] for c in sa.inspect(conn).get_columns(name)}:
            continue
        markers = [{'app': apps[app_id], 'rule': rule, 'record_id': record_id, 'window': window}
                   for record_id, marks in conn.execute(sa.text(
                       f'SELECT id, rule_marks FROM {quote(name)} WHERE rule_marks IS NOT NULL'))
                   for rule, window in _body(marks).items()]
        if markers:
            conn.execute(sa.text('INSERT INTO rule_matches (app, rule, record_id, "window", matched_at)'
                                 ' VALUES (:app, :rule, :record_id, :window, CURRENT_TIMESTAMP)'), markers)
        op.drop_column(name, 'rule_marks')
