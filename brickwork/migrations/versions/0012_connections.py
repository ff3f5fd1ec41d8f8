"""connectors: connections (sealed secrets) and their deliveries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('connections',
    sa.Column('id', ID, nullable=False),
    sa.Column('app_id', ID, nullable=False),
    sa.Column('connector', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('secrets', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_connections_app_id_apps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connections')),
    sa.UniqueConstraint('app_id', 'key', name=op.f('uq_connections_app_id'))
    )
    op.create_table('connection_deliveries',
    sa.Column('id', ID, nullable=False),
    sa.Column('connection_id', ID, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'],
                            name=op.f('fk_connection_deliveries_connection_id_connections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection_deliveries')),
    sa.UniqueConstraint('key', name=op.f('uq_connection_deliveries_key'))
    )
    with op.batch_alter_table('connection_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_connection_deliveries_sent', ['connection_id', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_table('connection_deliveries')
    op.drop_table('connections')
