"""outbound legs: partners registry (outbound_partner), legs with several lines (outbound_leg, outbound_line)

A transport out of a plant becomes a leg (document FIR/DDT and number, destination and carrier from a
registry of partners, R/D operation, EER code) with one line per fraction, each pointing at the kg-ledger
row that took its kilos. Data: every outbound_shipment becomes a leg and a line with the shipment's id
(so kg_ledger links stay as they were), and its free-text destination a partner, one per organisation of
the plant, kind and name (recycler/industrial_partner -> recovery_plant, disposal -> disposal_plant,
second_hand_shop and exporter as they were); a shipment with an EER code travelled with a FIR, one without
with a DDT. Migrated partners have no authorisation or Albo number: the registry must complete them
before they serve new waste legs. Downgrade writes one shipment per line (a leg of several lines gives
several shipments with its document number); carriers, R/D operations, notes and partner details are lost.

Revision ID: 2e2c24b59642
Revises: 2ddcd69682a3
Create Date: 2026-12-03 13:27:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db

# revision identifiers, used by Alembic.
revision = "2e2c24b59642"
down_revision = "2ddcd69682a3"
branch_labels = None
depends_on = None

PARTNER_KIND = {
    "recycler": "recovery_plant",
    "industrial_partner": "recovery_plant",
    "disposal": "disposal_plant",
    "second_hand_shop": "second_hand_shop",
    "exporter": "exporter",
}
# Back: the old free-text kinds had no reuse buyer nor carrier.
OLD_KIND = {"recovery_plant": "recycler", "disposal_plant": "disposal", "exporter": "exporter"}


def _case(column: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items())
    return f"CASE {column} {whens} ELSE '{default}' END"


def _restart_ids(*tables: str) -> None:
    """Rows were written with their ids: PostgreSQL's sequences must start after them."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        top = f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1"  # noqa: S608 (table names of this file)
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {top}, false)")


_SHIPMENT_PLANT = """
    FROM outbound_shipment o
    JOIN sorting_fraction f ON f.id = o.fraction_id
    JOIN sorting_session s ON s.id = f.session_id
    JOIN site ON site.id = s.site_id
"""


def _partners_from_shipments(conn: sa.Connection) -> None:
    """One partner per organisation of the plant, kind and name; a demo partner if all its shipments were."""
    found: dict[tuple, bool] = {}
    rows = conn.execute(
        sa.text(f"SELECT site.organisation_id, o.destination_kind, o.destination_name, o.is_demo {_SHIPMENT_PLANT}")
    )
    for organisation_id, old_kind, name, is_demo in rows:
        key = (organisation_id, PARTNER_KIND.get(old_kind, "recovery_plant"), name)
        found[key] = found.get(key, True) and bool(is_demo)
    partner = sa.table(
        "outbound_partner",
        *(sa.column(c) for c in ("organisation_id", "kind", "name", "fiscal_code", "address")),
        *(sa.column(c) for c in ("authorisation_number", "authorisation_authority", "operations", "albo_number")),
        sa.column("active", sa.Boolean()),
        sa.column("is_demo", sa.Boolean()),
        sa.column("created_at", app.db.UTCDateTime()),
        sa.column("updated_at", app.db.UTCDateTime()),
    )
    now = datetime.now(UTC)
    blank = dict.fromkeys(("fiscal_code", "address", "authorisation_number", "authorisation_authority"), "")
    op.bulk_insert(
        partner,
        [
            {"organisation_id": o, "kind": k, "name": n, "operations": "", "albo_number": "", "active": True,
             "is_demo": demo, "created_at": now, "updated_at": now, **blank}
            for (o, k, n), demo in sorted(found.items(), key=lambda item: (item[0][0] or 0, item[0][1], item[0][2]))
        ],
    )  # fmt: skip


def _legs_from_shipments() -> None:
    kind = _case("o.destination_kind", PARTNER_KIND, "recovery_plant")
    op.execute(f"""
        INSERT INTO outbound_leg (id, site_id, shipped_at, destination_id, carrier_id, document_kind, document_number,
                                  rd_operation, eer_code, notes, recorded_by_id, recorded_at, is_demo)
        SELECT o.id, s.site_id, o.shipped_at, p.id, NULL, CASE WHEN o.eer_code = '' THEN 'ddt' ELSE 'fir' END,
               o.document_ref, '', o.eer_code, '', o.recorded_by_id, o.shipped_at, o.is_demo
        {_SHIPMENT_PLANT}
        JOIN outbound_partner p ON p.name = o.destination_name AND p.kind = {kind}
             AND (p.organisation_id = site.organisation_id
                  OR (p.organisation_id IS NULL AND site.organisation_id IS NULL))
    """)
    op.execute("""
        INSERT INTO outbound_line (id, leg_id, fraction_id, kg_entry_id, weight_kg)
        SELECT id, id, fraction_id, kg_entry_id, weight_kg FROM outbound_shipment
    """)


def upgrade():
    op.create_table(
        "outbound_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("fiscal_code", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("authorisation_number", sa.String(length=60), nullable=False),
        sa.Column("authorisation_authority", sa.String(length=120), nullable=False),
        sa.Column("operations", sa.String(length=80), nullable=False),
        sa.Column("albo_number", sa.String(length=30), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_outbound_partner_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_partner")),
        sa.UniqueConstraint(
            "organisation_id", "kind", "name", name=op.f("uq_outbound_partner_organisation_id_kind_name")
        ),
    )
    with op.batch_alter_table("outbound_partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_partner_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "outbound_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("shipped_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=True),
        sa.Column("document_kind", sa.String(length=3), nullable=False),
        sa.Column("document_number", sa.String(length=60), nullable=False),
        sa.Column("rd_operation", sa.String(length=3), nullable=False),
        sa.Column("eer_code", sa.String(length=6), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.CheckConstraint("(eer_code = '') = (document_kind = 'ddt')", name=op.f("ck_outbound_leg_eer_with_fir_only")),
        sa.CheckConstraint("document_kind IN ('fir', 'ddt')", name=op.f("ck_outbound_leg_document_kind_known")),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["outbound_partner.id"], name=op.f("fk_outbound_leg_carrier_id_outbound_partner")
        ),
        sa.ForeignKeyConstraint(
            ["destination_id"], ["outbound_partner.id"], name=op.f("fk_outbound_leg_destination_id_outbound_partner")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_outbound_leg_recorded_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_outbound_leg_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_leg")),
    )
    with op.batch_alter_table("outbound_leg", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_leg_carrier_id"), ["carrier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_leg_destination_id"), ["destination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_leg_shipped_at"), ["shipped_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_leg_site_id"), ["site_id"], unique=False)

    op.create_table(
        "outbound_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leg_id", sa.Integer(), nullable=False),
        sa.Column("fraction_id", sa.Integer(), nullable=False),
        sa.Column("kg_entry_id", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=10, scale=1), nullable=False),
        sa.CheckConstraint("weight_kg > 0", name=op.f("ck_outbound_line_weight_positive")),
        sa.ForeignKeyConstraint(
            ["fraction_id"], ["sorting_fraction.id"], name=op.f("fk_outbound_line_fraction_id_sorting_fraction")
        ),
        sa.ForeignKeyConstraint(["kg_entry_id"], ["kg_ledger.id"], name=op.f("fk_outbound_line_kg_entry_id_kg_ledger")),
        sa.ForeignKeyConstraint(["leg_id"], ["outbound_leg.id"], name=op.f("fk_outbound_line_leg_id_outbound_leg")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_line")),
        sa.UniqueConstraint("kg_entry_id", name=op.f("uq_outbound_line_kg_entry_id")),
        sa.UniqueConstraint("leg_id", "fraction_id", name=op.f("uq_outbound_line_leg_id_fraction_id")),
    )
    with op.batch_alter_table("outbound_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_line_fraction_id"), ["fraction_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_line_leg_id"), ["leg_id"], unique=False)

    conn = op.get_bind()
    _partners_from_shipments(conn)
    _legs_from_shipments()
    missing = conn.execute(
        sa.text("SELECT COUNT(*) FROM outbound_shipment WHERE id NOT IN (SELECT id FROM outbound_line)")
    ).scalar()
    if missing:
        raise RuntimeError(f"{missing} shipments could not become outbound legs")
    _restart_ids("outbound_partner", "outbound_leg", "outbound_line")

    with op.batch_alter_table("outbound_shipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_shipment_fraction_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_shipment_shipped_at"))
    op.drop_table("outbound_shipment")


def downgrade():
    op.create_table(
        "outbound_shipment",
        sa.Column("id", sa.INTEGER(), nullable=False),
        sa.Column("fraction_id", sa.INTEGER(), nullable=False),
        sa.Column("weight_kg", sa.NUMERIC(precision=10, scale=1), nullable=False),
        sa.Column("destination_kind", sa.VARCHAR(length=30), nullable=False),
        sa.Column("destination_name", sa.VARCHAR(length=160), nullable=False),
        sa.Column("eer_code", sa.VARCHAR(length=6), nullable=False),
        sa.Column("document_ref", sa.VARCHAR(length=60), nullable=False),
        sa.Column("shipped_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.INTEGER(), nullable=True),
        sa.Column("is_demo", sa.BOOLEAN(), nullable=False),
        sa.Column("kg_entry_id", sa.INTEGER(), nullable=False),
        sa.CheckConstraint("weight_kg > 0", name=op.f("ck_outbound_shipment_weight_positive")),
        sa.ForeignKeyConstraint(
            ["fraction_id"], ["sorting_fraction.id"], name=op.f("fk_outbound_shipment_fraction_id_sorting_fraction")
        ),
        sa.ForeignKeyConstraint(
            ["kg_entry_id"], ["kg_ledger.id"], name=op.f("fk_outbound_shipment_kg_entry_id_kg_ledger")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_outbound_shipment_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_shipment")),
        sa.UniqueConstraint("kg_entry_id", name=op.f("uq_outbound_shipment_kg_entry_id")),
    )
    with op.batch_alter_table("outbound_shipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_shipment_shipped_at"), ["shipped_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_shipment_fraction_id"), ["fraction_id"], unique=False)

    kind = _case("p.kind", OLD_KIND, "second_hand_shop")
    op.execute(f"""
        INSERT INTO outbound_shipment (id, fraction_id, weight_kg, destination_kind, destination_name, eer_code,
                                       document_ref, shipped_at, recorded_by_id, is_demo, kg_entry_id)
        SELECT l.id, l.fraction_id, l.weight_kg, {kind}, p.name, g.eer_code, g.document_number, g.shipped_at,
               g.recorded_by_id, g.is_demo, l.kg_entry_id
        FROM outbound_line l
        JOIN outbound_leg g ON g.id = l.leg_id
        JOIN outbound_partner p ON p.id = g.destination_id
    """)  # noqa: S608 (a CASE built from this file's constants)
    _restart_ids("outbound_shipment")

    with op.batch_alter_table("outbound_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_line_leg_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_line_fraction_id"))
    op.drop_table("outbound_line")
    with op.batch_alter_table("outbound_leg", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_leg_site_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_leg_shipped_at"))
        batch_op.drop_index(batch_op.f("ix_outbound_leg_destination_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_leg_carrier_id"))
    op.drop_table("outbound_leg")
    with op.batch_alter_table("outbound_partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_partner_organisation_id"))
    op.drop_table("outbound_partner")
