"""delivery route stop fk: welfare_delivery.route_stop_id replaces matching route_stop.reference

Revision ID: 79274d387432
Revises: 2a0ed3c195f2
Create Date: 2026-12-03 10:15:16.096166

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '79274d387432'
down_revision = '2a0ed3c195f2'
branch_labels = None
depends_on = None

# The code found a delivery's stop as the newest stop whose reference is "delivery:<id>"; publication now
# sets the key, so existing rows get the newest such stop of a published (or closed) plan: a draft takes
# nothing, and a draft computed after a publication must not hide the stop the driver is on.
FILL = """
UPDATE welfare_delivery SET route_stop_id = (
    SELECT MAX(route_stop.id) FROM route_stop
    JOIN round_route ON round_route.id = route_stop.route_id
    JOIN round_plan ON round_plan.id = round_route.plan_id
    WHERE route_stop.reference = 'delivery:' || CAST(welfare_delivery.id AS VARCHAR(20))
      AND round_plan.status IN ('published', 'closed')
)
"""


def upgrade():
    with op.batch_alter_table('welfare_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route_stop_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_welfare_delivery_route_stop_id'), ['route_stop_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_welfare_delivery_route_stop_id_route_stop'), 'route_stop', ['route_stop_id'], ['id'], ondelete='SET NULL')
    op.execute(FILL)


def downgrade():
    # The string link (route_stop.reference) is still written, so nothing is lost going back.
    with op.batch_alter_table('welfare_delivery', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_welfare_delivery_route_stop_id_route_stop'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_welfare_delivery_route_stop_id'))
        batch_op.drop_column('route_stop_id')
