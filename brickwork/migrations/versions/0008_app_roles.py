"""app roles: roles per app with a menu and an app-admin flag, and their members (people or departments)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'app_roles',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('app_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('label', sa.JSON(), nullable=False),
        sa.Column('admin', sa.Boolean(), nullable=False),
        sa.Column('menu', sa.JSON(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_app_roles_app_id_apps'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_roles')),
        sa.UniqueConstraint('app_id', 'key', name=op.f('uq_app_roles_app_id')),
    )
    op.create_table(
        'app_role_members',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.ForeignKeyConstraint(['role_id'], ['app_roles.id'], name=op.f('fk_app_role_members_role_id_app_roles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_app_role_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_app_role_members_department_id_departments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_role_members')),
        sa.UniqueConstraint('role_id', 'user_id', 'department_id', name=op.f('uq_app_role_members_role_id')),
    )
    with op.batch_alter_table('app_role_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_role_members_role_id'), ['role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_role_members_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('app_role_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_role_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_app_role_members_role_id'))
    op.drop_table('app_role_members')
    op.drop_table('app_roles')
