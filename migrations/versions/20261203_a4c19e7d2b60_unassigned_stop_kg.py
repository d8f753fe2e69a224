"""unassigned stop kg: unassigned_stop.planned_kg (what a left-out stop would have weighed; existing rows 0)

Revision ID: a4c19e7d2b60
Revises: a5c8e1f4b7d2
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c19e7d2b60'
down_revision = 'a5c8e1f4b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unassigned_stop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_kg', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('unassigned_stop', schema=None) as batch_op:
        batch_op.drop_column('planned_kg')
