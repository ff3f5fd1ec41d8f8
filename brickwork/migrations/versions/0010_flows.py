"""flows: instances, node runs, tasks, timeline, cc, delegations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('flow_delegations',
    sa.Column('user_id', ID, nullable=False),
    sa.Column('delegate_id', ID, nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_flow_delegations_delegate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_flow_delegations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_flow_delegations'))
    )
    op.create_table('flow_instances',
    sa.Column('id', ID, nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('flow', sa.String(length=64), nullable=False),
    sa.Column('flow_version', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('submitter_id', ID, nullable=False),
    sa.Column('department_id', sa.BigInteger(), nullable=True),
    sa.Column('chosen', sa.JSON(), nullable=False),
    sa.Column('returned_from', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('urged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['submitter_id'], ['users.id'], name=op.f('fk_flow_instances_submitter_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_instances'))
    )
    with op.batch_alter_table('flow_instances', schema=None) as batch_op:
        batch_op.create_index('ix_flow_instances_record', ['app', 'form', 'record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_instances_submitter_id'), ['submitter_id'], unique=False)

    op.create_table('flow_cc',
    sa.Column('id', ID, nullable=False),
    sa.Column('instance_id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['flow_instances.id'], name=op.f('fk_flow_cc_instance_id_flow_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_flow_cc_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_cc')),
    sa.UniqueConstraint('instance_id', 'user_id', 'node_id', name=op.f('uq_flow_cc_instance_id'))
    )
    with op.batch_alter_table('flow_cc', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_cc_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_cc_user_id'), ['user_id'], unique=False)

    op.create_table('flow_entries',
    sa.Column('id', ID, nullable=False),
    sa.Column('instance_id', ID, nullable=False),
    sa.Column('node_id', sa.String(length=64), nullable=True),
    sa.Column('task_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('on_behalf_of', sa.BigInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['flow_instances.id'], name=op.f('fk_flow_entries_instance_id_flow_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_entries'))
    )
    with op.batch_alter_table('flow_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_entries_instance_id'), ['instance_id'], unique=False)

    op.create_table('flow_node_runs',
    sa.Column('id', ID, nullable=False),
    sa.Column('instance_id', ID, nullable=False),
    sa.Column('parent_id', sa.BigInteger(), nullable=True),
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('node_type', sa.String(length=32), nullable=False),
    sa.Column('branch', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['flow_instances.id'], name=op.f('fk_flow_node_runs_instance_id_flow_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_node_runs'))
    )
    with op.batch_alter_table('flow_node_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flow_node_runs_instance_id'), ['instance_id'], unique=False)

    op.create_table('flow_tasks',
    sa.Column('id', ID, nullable=False),
    sa.Column('instance_id', ID, nullable=False),
    sa.Column('node_run_id', ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', ID, nullable=False),
    sa.Column('on_behalf_of', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.BigInteger(), nullable=True),
    sa.Column('sign', sa.String(length=8), nullable=True),
    sa.Column('fallback', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_flow_tasks_assignee_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['instance_id'], ['flow_instances.id'], name=op.f('fk_flow_tasks_instance_id_flow_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_run_id'], ['flow_node_runs.id'], name=op.f('fk_flow_tasks_node_run_id_flow_node_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_tasks'))
    )
    with op.batch_alter_table('flow_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_flow_tasks_inbox', ['assignee_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_tasks_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flow_tasks_node_run_id'), ['node_run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('flow_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_tasks_node_run_id'))
        batch_op.drop_index(batch_op.f('ix_flow_tasks_instance_id'))
        batch_op.drop_index('ix_flow_tasks_inbox')

    op.drop_table('flow_tasks')
    with op.batch_alter_table('flow_node_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_node_runs_instance_id'))

    op.drop_table('flow_node_runs')
    with op.batch_alter_table('flow_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_entries_instance_id'))

    op.drop_table('flow_entries')
    with op.batch_alter_table('flow_cc', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_cc_user_id'))
        batch_op.drop_index(batch_op.f('ix_flow_cc_instance_id'))

    op.drop_table('flow_cc')
    with op.batch_alter_table('flow_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_instances_submitter_id'))
        batch_op.drop_index('ix_flow_instances_record')

    op.drop_table('flow_instances')
    op.drop_table('flow_delegations')
