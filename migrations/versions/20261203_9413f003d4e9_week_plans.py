"""week plans: week_plan (a 2-7 day horizon planned together, its job) and week_plan_day (the bins and the round plan of each day)

Revision ID: 9413f003d4e9
Revises: ffc6fb9bd398
Create Date: 2026-12-03 10:43:33.086355

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '9413f003d4e9'
down_revision = 'ffc6fb9bd398'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('week_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('params_json', sa.Text(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_week_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['job_id'], ['planning_job.id'], name=op.f('fk_week_plan_job_id_planning_job'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_week_plan'))
    )
    with op.batch_alter_table('week_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_week_plan_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_week_plan_start_date'), ['start_date'], unique=False)

    op.create_table('week_plan_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week_plan_id', sa.Integer(), nullable=False),
    sa.Column('day_index', sa.Integer(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('vehicle_ids_json', sa.Text(), nullable=False),
    sa.Column('stops_json', sa.Text(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['round_plan.id'], name=op.f('fk_week_plan_day_plan_id_round_plan'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['week_plan_id'], ['week_plan.id'], name=op.f('fk_week_plan_day_week_plan_id_week_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_week_plan_day')),
    sa.UniqueConstraint('week_plan_id', 'day_index', name=op.f('uq_week_plan_day_week_plan_id_day_index'))
    )
    with op.batch_alter_table('week_plan_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_week_plan_day_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_week_plan_day_week_plan_id'), ['week_plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('week_plan_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_week_plan_day_week_plan_id'))
        batch_op.drop_index(batch_op.f('ix_week_plan_day_plan_id'))

    op.drop_table('week_plan_day')
    with op.batch_alter_table('week_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_week_plan_start_date'))
        batch_op.drop_index(batch_op.f('ix_week_plan_job_id'))

    op.drop_table('week_plan')