"""rule pauses: rules the storm guard stopped too often, off until switched on again

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('rule_pauses',
    sa.Column('id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('paused_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_pauses')),
    sa.UniqueConstraint('app', 'rule', name='uq_rule_pauses_app_rule')
    )


def downgrade() -> None:
    op.drop_table('rule_pauses')
