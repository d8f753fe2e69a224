"""week plan overflowing bins: week_plan.overflowing_json (bins that overflow before the next round after the
week's last day whatever the visit days; existing weeks none)

Revision ID: 5b1e9c0d7a21
Revises: 98abe850e03a
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e9c0d7a21'
down_revision = '98abe850e03a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('week_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overflowing_json', sa.Text(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('week_plan', schema=None) as batch_op:
        batch_op.drop_column('overflowing_json')
