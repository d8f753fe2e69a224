"""citizen reports and bin public code: what citizens report at a bin's public page (#17), and the
unguessable code of that page (its QR sticker), backfilled for every existing bin

Revision ID: 4f7974a24140
Revises: d7e3a9b15c42
Create Date: 2026-12-03 14:25:45.154082

"""
import secrets

from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '4f7974a24140'
down_revision = 'd7e3a9b15c42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('citizen_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bin_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reported_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fill_reading_id', sa.Integer(), nullable=True),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('handled_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bin_id'], ['bin.id'], name=op.f('fk_citizen_report_bin_id_bin')),
    sa.ForeignKeyConstraint(['fill_reading_id'], ['fill_reading.id'], name=op.f('fk_citizen_report_fill_reading_id_fill_reading')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_citizen_report_handled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_report'))
    )
    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_report_bin_id'), ['bin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_report_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_report_status'), ['status'], unique=False)

    with op.batch_alter_table('bin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_code', sa.String(length=16), nullable=True))
    bins = sa.table('bin', sa.column('id', sa.Integer), sa.column('public_code', sa.String))
    connection = op.get_bind()
    for (bin_id,) in connection.execute(sa.select(bins.c.id)).all():
        # the same codes as app.bins.models.new_public_code (a migration never imports the app's models)
        connection.execute(bins.update().where(bins.c.id == bin_id).values(public_code=secrets.token_urlsafe(9)))
    with op.batch_alter_table('bin', schema=None) as batch_op:
        batch_op.alter_column('public_code', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_bin_public_code'), ['public_code'])


def downgrade():
    with op.batch_alter_table('bin', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_bin_public_code'), type_='unique')
        batch_op.drop_column('public_code')

    with op.batch_alter_table('citizen_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_report_status'))
        batch_op.drop_index(batch_op.f('ix_citizen_report_reported_at'))
        batch_op.drop_index(batch_op.f('ix_citizen_report_bin_id'))

    op.drop_table('citizen_report')
