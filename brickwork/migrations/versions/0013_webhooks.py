"""webhooks: outgoing subscriptions and their delivery log; incoming delivery ids and signing secrets

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('webhook_subscriptions',
    sa.Column('id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('form', sa.String(length=64), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('old_secret', sa.Text(), nullable=True),
    sa.Column('old_until', sa.DateTime(), nullable=True),
    sa.Column('disabled_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_app'), ['app'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', ID, nullable=False),
    sa.Column('subscription_id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('msg_id', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('record', sa.String(length=200), nullable=True),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('replays', sa.Integer(), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'],
                            name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('subscription_id', 'event_key', name='uq_webhook_deliveries_subscription_event')
    )
    op.create_table('webhook_receipts',
    sa.Column('id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('delivery_id', sa.String(length=200), nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_receipts')),
    sa.UniqueConstraint('app', 'rule', 'delivery_id', name='uq_webhook_receipts_app_rule_delivery')
    )
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_receipts_received_at', ['received_at'], unique=False)
    op.create_table('webhook_in_secrets',
    sa.Column('id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_in_secrets')),
    sa.UniqueConstraint('app', 'rule', name='uq_webhook_in_secrets_app_rule')
    )


def downgrade() -> None:
    op.drop_table('webhook_in_secrets')
    op.drop_table('webhook_receipts')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_subscriptions')
