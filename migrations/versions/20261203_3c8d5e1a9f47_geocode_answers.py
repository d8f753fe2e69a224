"""geocode answers: what the configured geocoder (Nominatim or Photon) answered, kept for a while (#16)

Revision ID: 3c8d5e1a9f47
Revises: a4c19e7d2b60
Create Date: 2026-12-03 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '3c8d5e1a9f47'
down_revision = 'a4c19e7d2b60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'geocode_answer',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('query', sa.String(length=200), nullable=False),
        sa.Column('places_json', sa.Text(), nullable=False),
        sa.Column('fetched_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_geocode_answer')),
    )


def downgrade():
    op.drop_table('geocode_answer')
