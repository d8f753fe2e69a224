"""api tokens expire: optional api_token.expires_at (NULL: valid until revoked)

Revision ID: 9537bd915cd0
Revises: 2e7746354dc3
Create Date: 2026-12-03 09:41:33.467873

"""

from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '9537bd915cd0'
down_revision = '2e7746354dc3'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column: SQLite adds it in place, existing tokens keep no expiry.
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
