"""jobs: the run log, receipts, schedules, the embedded queue; procrastinate's schema on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

procrastinate's schema is the one shipped with the pinned procrastinate (3.10); a later
procrastinate release comes with a migration here that applies its migration scripts.
"""

from importlib import resources

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('job_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('task', sa.String(length=128), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('app', sa.String(length=64), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_started_at', ['started_at'], unique=False)
        batch_op.create_index('ix_job_runs_app_kind_outcome', ['app', 'kind', 'outcome'], unique=False)
        batch_op.create_index('ix_job_runs_job_id', ['job_id'], unique=False)

    op.create_table('job_receipts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('consumer', sa.String(length=128), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_receipts')),
    sa.UniqueConstraint('consumer', 'key', name='uq_job_receipts_consumer_key')
    )
    with op.batch_alter_table('job_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_job_receipts_at', ['at'], unique=False)

    op.create_table('job_schedules',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('task', sa.String(length=128), nullable=False),
    sa.Column('cron', sa.String(length=128), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('app', sa.String(length=64), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('next_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_schedules')),
    sa.UniqueConstraint('key', name=op.f('uq_job_schedules_key'))
    )
    with op.batch_alter_table('job_schedules', schema=None) as batch_op:
        batch_op.create_index('ix_job_schedules_due', ['enabled', 'next_at'], unique=False)

    op.create_table('embedded_jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('lock', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_embedded_jobs'))
    )
    with op.batch_alter_table('embedded_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_embedded_jobs_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_embedded_jobs_lock_status', ['lock', 'status'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # procrastinate's own schema, as its SchemaManager applies it (% doubled: the driver
        # reads placeholders even without parameters).
        schema = (resources.files('procrastinate.sql') / 'schema.sql').read_text(encoding='utf-8')
        op.get_bind().exec_driver_sql(schema.replace('%', '%%'))
        # Ours: finding the earlier unfinished jobs of a lock (the fetch's anti-join) by lock,
        # not by scanning procrastinate's (id, lock) index, once a backlog builds up.
        op.execute("CREATE INDEX brickwork_procrastinate_jobs_lock_id ON procrastinate_jobs (lock, id)"
                   " WHERE status IN ('todo', 'doing')")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.get_bind().exec_driver_sql(
            "DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,"
            " procrastinate_workers CASCADE;"
            " DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,"
            " procrastinate_job_status CASCADE;"
            " DROP FUNCTION IF EXISTS procrastinate_defer_jobs_v1, procrastinate_defer_periodic_job_v2,"
            " procrastinate_fetch_job_v2, procrastinate_finish_job_v1, procrastinate_cancel_job_v1,"
            " procrastinate_retry_job_v1, procrastinate_retry_job_v2, procrastinate_notify_queue_job_inserted_v1,"
            " procrastinate_notify_queue_abort_job_v1, procrastinate_trigger_function_status_events_insert_v1,"
            " procrastinate_trigger_function_status_events_update_v1,"
            " procrastinate_trigger_function_scheduled_events_v1,"
            " procrastinate_trigger_abort_requested_events_procedure_v1, procrastinate_unlink_periodic_defers_v1,"
            " procrastinate_register_worker_v1, procrastinate_unregister_worker_v1,"
            " procrastinate_update_heartbeat_v1, procrastinate_prune_stalled_workers_v1 CASCADE")
    op.drop_table('embedded_jobs')
    op.drop_table('job_schedules')
    op.drop_table('job_receipts')
    op.drop_table('job_runs')
