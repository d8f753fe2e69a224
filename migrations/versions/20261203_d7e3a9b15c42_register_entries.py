"""register entries: the plant's chronological load/unload register, numbered per plant and year (#15)

Revision ID: d7e3a9b15c42
Revises: c4a1f0d2e7b3
Create Date: 2026-12-03 13:59:09.582229

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'd7e3a9b15c42'
down_revision = 'c4a1f0d2e7b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('register_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('cause', sa.String(length=4), nullable=False),
    sa.Column('operation_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('intake_batch_id', sa.Integer(), nullable=True),
    sa.Column('outbound_leg_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('eer_code', sa.String(length=6), nullable=False),
    sa.Column('origin', sa.String(length=1), nullable=False),
    sa.Column('physical_state', sa.String(length=2), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=10, scale=1), nullable=False),
    sa.Column('rd_operation', sa.String(length=3), nullable=False),
    sa.Column('material', sa.String(length=3), nullable=False),
    sa.Column('fir_required', sa.Boolean(), nullable=False),
    sa.Column('fir_number', sa.String(length=60), nullable=False),
    sa.Column('ddt_number', sa.String(length=60), nullable=False),
    sa.Column('carrier_name', sa.String(length=160), nullable=False),
    sa.Column('carrier_fiscal_code', sa.String(length=16), nullable=False),
    sa.Column('carrier_albo_number', sa.String(length=30), nullable=False),
    sa.Column('destination_name', sa.String(length=160), nullable=False),
    sa.Column('destination_fiscal_code', sa.String(length=16), nullable=False),
    sa.Column('destination_authorisation', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("direction IN ('load', 'unload')", name=op.f('ck_register_entry_direction_known')),
    sa.CheckConstraint('(corrects_id IS NULL) = ((intake_batch_id IS NULL) <> (outbound_leg_id IS NULL))', name=op.f('ck_register_entry_one_source')),
    sa.CheckConstraint('intake_batch_id IS NULL OR outbound_leg_id IS NULL', name=op.f('ck_register_entry_not_two_sources')),
    sa.CheckConstraint('number > 0', name=op.f('ck_register_entry_number_positive')),
    sa.CheckConstraint('weight_kg >= 0', name=op.f('ck_register_entry_weight_non_negative')),
    sa.ForeignKeyConstraint(['corrects_id'], ['register_entry.id'], name=op.f('fk_register_entry_corrects_id_register_entry')),
    sa.ForeignKeyConstraint(['intake_batch_id'], ['intake_batch.id'], name=op.f('fk_register_entry_intake_batch_id_intake_batch')),
    sa.ForeignKeyConstraint(['outbound_leg_id'], ['outbound_leg.id'], name=op.f('fk_register_entry_outbound_leg_id_outbound_leg')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_register_entry_registered_by_id_user_account')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_register_entry_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_entry')),
    sa.UniqueConstraint('corrects_id', name=op.f('uq_register_entry_corrects_id')),
    sa.UniqueConstraint('intake_batch_id', name=op.f('uq_register_entry_intake_batch_id')),
    sa.UniqueConstraint('outbound_leg_id', name=op.f('uq_register_entry_outbound_leg_id')),
    sa.UniqueConstraint('site_id', 'year', 'number', name=op.f('uq_register_entry_site_id_year_number'))
    )
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_entry_site_id'), ['site_id'], unique=False)



def downgrade():
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_entry_site_id'))

    op.drop_table('register_entry')
