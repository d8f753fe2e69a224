"""vehicle daily fixed cost: vehicle.fixed_cost_eur (truck and crew per day of use; existing vehicles 0)

Revision ID: ffc6fb9bd398
Revises: b6ddd557632f
Create Date: 2026-12-03 10:28:41.484498

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ffc6fb9bd398'
down_revision = 'b6ddd557632f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fixed_cost_eur', sa.Numeric(precision=8, scale=2), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('fixed_cost_eur')
