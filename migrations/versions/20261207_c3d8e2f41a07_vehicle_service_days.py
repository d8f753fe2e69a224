"""vehicle service days: vehicle.service_days (weekdays it goes out, bit d = weekday d, Monday = 0; existing
vehicles Monday to Friday)

Revision ID: c3d8e2f41a07
Revises: 5b1e9c0d7a21
Create Date: 2026-12-07 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8e2f41a07'
down_revision = '5b1e9c0d7a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_days', sa.Integer(), server_default='31', nullable=False))


def downgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('service_days')
