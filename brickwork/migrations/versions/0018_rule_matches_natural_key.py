"""rule matches keyed by (app, rule, record, window) alone: no surrogate id, one index fewer
for the sweep to write per record

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

KEY = ['app', 'rule', 'record_id', 'window']


def upgrade() -> None:
    with op.batch_alter_table('rule_matches', recreate='auto') as batch_op:
        batch_op.drop_constraint('uq_rule_matches_app_rule_record_window', type_='unique')
        batch_op.drop_constraint('pk_rule_matches', type_='primary')
        batch_op.drop_column('id')
        batch_op.create_primary_key('pk_rule_matches', KEY)


def downgrade() -> None:
    # The markers are kept (losing them would make the next sweep act again on every record).
    op.rename_table('rule_matches', 'rule_matches_natural')
    op.execute('ALTER TABLE rule_matches_natural DROP CONSTRAINT pk_rule_matches'
               if op.get_context().dialect.name == 'postgresql' else 'SELECT 1')
    op.create_table('rule_matches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('window', sa.String(length=40), nullable=False),
    sa.Column('matched_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_matches')),
    sa.UniqueConstraint('app', 'rule', 'record_id', 'window', name='uq_rule_matches_app_rule_record_window')
    )
    op.execute('INSERT INTO rule_matches (app, rule, record_id, "window", matched_at) '
               'SELECT app, rule, record_id, "window", matched_at FROM rule_matches_natural')
    op.drop_table('rule_matches_natural')
