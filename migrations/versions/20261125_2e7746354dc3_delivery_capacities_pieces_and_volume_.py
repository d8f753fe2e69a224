"""delivery capacities: pieces and volume, stop service time and window, failed-delivery note

Revision ID: 2e7746354dc3
Revises: 500d39cc0595
Create Date: 2026-11-25 06:24:42.205459

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '2e7746354dc3'
down_revision = '500d39cc0595'
branch_labels = None
depends_on = None


def upgrade():
    # Existing stops keep what they were planned with: bins (180 s, no window, no pieces or volume).
    with op.batch_alter_table('route_stop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_pieces', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('planned_volume_l', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('service_s', sa.Integer(), nullable=False, server_default='180'))
        batch_op.add_column(sa.Column('window_start_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('window_end_s', sa.Integer(), nullable=True))

    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity_pieces', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'capacity_pieces_positive', 'capacity_pieces IS NULL OR capacity_pieces > 0'
        )

    with op.batch_alter_table('welfare_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failure_note', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('welfare_delivery', schema=None) as batch_op:
        batch_op.drop_column('failure_note')

    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_constraint('capacity_pieces_positive', type_='check')
        batch_op.drop_column('capacity_pieces')

    with op.batch_alter_table('route_stop', schema=None) as batch_op:
        batch_op.drop_column('window_end_s')
        batch_op.drop_column('window_start_s')
        batch_op.drop_column('service_s')
        batch_op.drop_column('planned_volume_l')
        batch_op.drop_column('planned_pieces')
