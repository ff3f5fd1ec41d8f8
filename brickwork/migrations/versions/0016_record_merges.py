"""record merges: what a merge of two records moved, so restoring the loser moves it back

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('record_merges',
    sa.Column('id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('form', sa.String(length=64), nullable=False),
    sa.Column('survivor_id', sa.BigInteger(), nullable=False),
    sa.Column('loser_id', sa.BigInteger(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('merged_by', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_merges'))
    )
    with op.batch_alter_table('record_merges', schema=None) as batch_op:
        batch_op.create_index('ix_record_merges_loser', ['app', 'form', 'loser_id'], unique=False)
        batch_op.create_index('ix_record_merges_survivor', ['app', 'form', 'survivor_id'], unique=False)


def downgrade() -> None:
    op.drop_table('record_merges')
