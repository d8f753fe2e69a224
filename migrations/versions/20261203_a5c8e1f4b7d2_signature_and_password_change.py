"""delivery signature drawn on the phone; a user's forced password change after an admin's reset (#16)

Revision ID: a5c8e1f4b7d2
Revises: 4f7974a24140
Create Date: 2026-12-03 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5c8e1f4b7d2'
down_revision = "4f7974a24140"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('welfare_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_png', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('welfare_delivery', schema=None) as batch_op:
        batch_op.drop_column('signature_png')
