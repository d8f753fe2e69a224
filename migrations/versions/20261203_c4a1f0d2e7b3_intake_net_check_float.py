"""intake net check: net = gross - tare to within 0,01 kg (SQLite stores the kg as floating point)

On SQLite a NUMERIC column holds a binary float, so 10064,3 - 7400,0 is 2664,2999…, and the exact
check refused a correct intake (reported to the user as a conflict). The weights are kept to 0,1 kg,
so a tolerance of 0,01 kg refuses every real mismatch and no correct weighing.

Revision ID: c4a1f0d2e7b3
Revises: fe0627b883c7
Create Date: 2026-12-03 14:10:00

"""

from alembic import op

revision = "c4a1f0d2e7b3"
down_revision = "fe0627b883c7"
branch_labels = None
depends_on = None

NAME = "ck_intake_batch_net_is_gross_minus_tare"


def upgrade():
    with op.batch_alter_table("intake_batch") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), "ABS(net_kg - (gross_kg - tare_kg)) < 0.01")


def downgrade():
    with op.batch_alter_table("intake_batch") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), "net_kg = gross_kg - tare_kg")
