"""app generation: a number that changes whenever what an app's writes depend on changes
(a definition published, a webhook subscription changed), so every process's caches can
key on it and read it with the form, at no extra query (decision 0039)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('apps') as batch:
        batch.add_column(sa.Column('generation', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('apps') as batch:
        batch.drop_column('generation')
