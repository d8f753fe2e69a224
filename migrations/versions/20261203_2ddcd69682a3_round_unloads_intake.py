"""round unloads intake: round_route.closed_at/closed_by_id, pickup.vehicle_id (backfilled from round stops),
intake_batch.unload_stop_id / end_of_route_id (unique: an unload is taken in once) and difference_reason

Revision ID: 2ddcd69682a3
Revises: 9413f003d4e9
Create Date: 2026-12-03 13:22:12.908807

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '2ddcd69682a3'
down_revision = '9413f003d4e9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intake_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unload_stop_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_of_route_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('difference_reason', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_intake_batch_end_of_route_id'), ['end_of_route_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_intake_batch_unload_stop_id'), ['unload_stop_id'])
        batch_op.create_foreign_key(batch_op.f('fk_intake_batch_unload_stop_id_route_stop'), 'route_stop', ['unload_stop_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_intake_batch_end_of_route_id_round_route'), 'round_route', ['end_of_route_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_intake_batch_one_unload'),
            'end_of_route_id IS NULL OR (end_of_route_id = route_id AND unload_stop_id IS NULL)',
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_intake_batch_unload_has_route'), 'unload_stop_id IS NULL OR route_id IS NOT NULL'
        )

    with op.batch_alter_table('pickup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vehicle_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pickup_vehicle_id'), ['vehicle_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_pickup_vehicle_id_vehicle'), 'vehicle', ['vehicle_id'], ['id'])
    # A pickup made at a round's stop travelled on the round's truck.
    op.execute(
        "UPDATE pickup SET vehicle_id = (SELECT r.vehicle_id FROM route_stop s JOIN round_route r ON r.id = s.route_id"
        " WHERE s.pickup_id = pickup.id ORDER BY s.id LIMIT 1)"
        " WHERE id IN (SELECT pickup_id FROM route_stop WHERE pickup_id IS NOT NULL)"
    )

    with op.batch_alter_table('round_route', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_round_route_closed_by_id_user_account'), 'user_account', ['closed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('round_route', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_round_route_closed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('pickup', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pickup_vehicle_id_vehicle'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pickup_vehicle_id'))
        batch_op.drop_column('vehicle_id')

    with op.batch_alter_table('intake_batch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_intake_batch_unload_has_route'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_intake_batch_one_unload'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_intake_batch_end_of_route_id_round_route'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_intake_batch_unload_stop_id_route_stop'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_intake_batch_unload_stop_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_intake_batch_end_of_route_id'), type_='unique')
        batch_op.drop_column('difference_reason')
        batch_op.drop_column('end_of_route_id')
        batch_op.drop_column('unload_stop_id')
