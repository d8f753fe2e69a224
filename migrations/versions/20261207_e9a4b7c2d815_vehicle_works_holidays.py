"""vehicle works holidays: vehicle.works_holidays (it also goes out on a public holiday that falls on one of its
service days; existing vehicles no)

Revision ID: e9a4b7c2d815
Revises: c3d8e2f41a07
Create Date: 2026-12-07 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e9a4b7c2d815'
down_revision = 'c3d8e2f41a07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('works_holidays', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('works_holidays')
