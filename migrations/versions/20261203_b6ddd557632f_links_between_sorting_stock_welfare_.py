"""links between sorting, stock, welfare and rounds: foreign keys instead of reference strings

An intake batch names its round (``intake_batch.route_id``); a shipment and a stock receipt point at
the kg-ledger row that took their kilos (``kg_entry_id``, replacing ``kg_ledger.reference`` =
``outbound:<id>`` / ``stock_movement:<id>``); a release or issue points at its reserve movement,
which the welfare allocation points at (replacing ``request:<r>:line:<l>``); a transfer_in points at
its transfer_out (replacing ``transfer:<a>-><b>:<time>``); count differences point at a new
``stock_count``. Existing rows are converted by parsing the old strings, then the strings are dropped.

Revision ID: b6ddd557632f
Revises: 79274d387432
Create Date: 2026-12-03 10:12:04.676882

"""

import re
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import app.db

# revision identifiers, used by Alembic.
revision = "b6ddd557632f"
down_revision = "79274d387432"
branch_labels = None
depends_on = None

ROUND_REF = re.compile(r"^\s*(?:giro|round|route)?\s*(?:n\.?|nr\.?|#)?\s*(\d+)\s*$", re.IGNORECASE)
MOVEMENT_CHECKS = {
    "in_from_fraction": "(kind = 'in') = (fraction_id IS NOT NULL AND kg_entry_id IS NOT NULL)",
    "settles_reservation": "(kind IN ('release', 'issue')) = (reservation_id IS NOT NULL)",
    "transfer_pair": "(kind = 'transfer_in') = (transfer_out_id IS NOT NULL)",
    "count_of_location": "(kind = 'count') = (count_id IS NOT NULL)",
}
COUNT_GAP = timedelta(minutes=10)  # count rows of one physical count are written in one transaction


def _ref_id(reference: str, prefix: str) -> int | None:
    head, _colon, number = (reference or "").partition(":")
    return int(number) if head == prefix and number.isdigit() else None


def upgrade():
    op.create_table(
        "stock_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["stock_location.id"], name=op.f("fk_stock_count_location_id_stock_location")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_stock_count_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count")),
    )
    with op.batch_alter_table("stock_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_count_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_count_location_id"), ["location_id"], unique=False)

    with op.batch_alter_table("intake_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbound_shipment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kg_entry_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kg_entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reservation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transfer_out_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("count_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("welfare_allocation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reservation_id", sa.Integer(), nullable=True))

    conn = op.get_bind()
    _link_rounds(conn)
    _link_kg_entries(conn)
    _link_transfers(conn)
    _link_reservations(conn)
    _link_counts(conn)

    with op.batch_alter_table("intake_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_batch_route_id"), ["route_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_intake_batch_route_id_round_route"), "round_route", ["route_id"], ["id"]
        )
        batch_op.create_check_constraint("route_only_from_rounds", "route_id IS NULL OR source = 'round'")
    with op.batch_alter_table("outbound_shipment", schema=None) as batch_op:
        batch_op.alter_column("kg_entry_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_outbound_shipment_kg_entry_id"), ["kg_entry_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_shipment_kg_entry_id_kg_ledger"), "kg_ledger", ["kg_entry_id"], ["id"]
        )
    with op.batch_alter_table("kg_ledger", schema=None) as batch_op:
        batch_op.drop_column("reference")
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_movement_reference"))
        batch_op.drop_column("reference")
        batch_op.create_index(batch_op.f("ix_stock_movement_count_id"), ["count_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_movement_reservation_id"), ["reservation_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_stock_movement_kg_entry_id"), ["kg_entry_id"])
        batch_op.create_unique_constraint(batch_op.f("uq_stock_movement_transfer_out_id"), ["transfer_out_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movement_transfer_out_id_stock_movement"),
            "stock_movement",
            ["transfer_out_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movement_reservation_id_stock_movement"), "stock_movement", ["reservation_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movement_count_id_stock_count"), "stock_count", ["count_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movement_kg_entry_id_kg_ledger"), "kg_ledger", ["kg_entry_id"], ["id"]
        )
        for name, condition in MOVEMENT_CHECKS.items():
            batch_op.create_check_constraint(name, condition)
    with op.batch_alter_table("welfare_allocation", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_welfare_allocation_reservation_id"), ["reservation_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_welfare_allocation_reservation_id_stock_movement"),
            "stock_movement",
            ["reservation_id"],
            ["id"],
        )


def _link_rounds(conn):
    """A round intake whose reference is just a route number ("Giro 12", "#12", "12") names that route."""
    routes = set(
        conn.execute(
            sa.text("SELECT r.id FROM round_route r JOIN round_plan p ON p.id = r.plan_id WHERE p.status <> 'draft'")
        ).scalars()
    )
    rows = conn.execute(sa.text("SELECT id, source_ref FROM intake_batch WHERE source = 'round'")).all()
    for batch_id, source_ref in rows:
        match = ROUND_REF.match(source_ref or "")
        if match and int(match.group(1)) in routes:
            conn.execute(
                sa.text("UPDATE intake_batch SET route_id = :route, source_ref = '' WHERE id = :id"),
                {"route": int(match.group(1)), "id": batch_id},
            )


def _link_kg_entries(conn):
    """``outbound:<id>`` and ``stock_movement:<id>`` on a kg-ledger row become the document's kg_entry_id."""
    rows = conn.execute(sa.text("SELECT id, reference FROM kg_ledger WHERE reference <> ''")).all()
    for entry_id, reference in rows:
        for prefix, table in (("outbound", "outbound_shipment"), ("stock_movement", "stock_movement")):
            target = _ref_id(reference, prefix)
            if target is not None:
                conn.execute(
                    sa.text(f"UPDATE {table} SET kg_entry_id = :entry WHERE id = :id"),  # noqa: S608 (fixed names)
                    {"entry": entry_id, "id": target},
                )
    missing = conn.execute(sa.text("SELECT id FROM outbound_shipment WHERE kg_entry_id IS NULL")).scalars().all()
    if missing:
        raise RuntimeError(f"shipments without an 'outbound:<id>' kg-ledger row: {missing[:20]}")


def _link_transfers(conn):
    """The two movements of a transfer shared a ``transfer:…`` reference: the in points at the out."""
    rows = conn.execute(
        sa.text(
            "SELECT id, kind, item_id, reference FROM stock_movement "
            "WHERE kind IN ('transfer_out', 'transfer_in') ORDER BY id"
        )
    ).all()
    outs = {(r.reference, r.item_id): r.id for r in rows if r.kind == "transfer_out"}
    for r in rows:
        if r.kind == "transfer_in" and (r.reference, r.item_id) in outs:
            conn.execute(
                sa.text("UPDATE stock_movement SET transfer_out_id = :out WHERE id = :id"),
                {"out": outs.pop((r.reference, r.item_id)), "id": r.id},
            )


def _link_reservations(conn):
    """Releases and issues settle the reserve movements of their reference; allocations get theirs.

    Within one (reference, item, location), reserve movements and allocations are paired in id order
    (an allocation was written with its reservation and has its quantity); a release or issue takes
    the oldest earlier reservation that still holds exactly its quantity, else the oldest still
    holding enough, else the oldest still holding any.
    """
    rows = conn.execute(
        sa.text(
            "SELECT id, kind, item_id, location_id, reserved_delta, reference FROM stock_movement "
            "WHERE kind IN ('reserve', 'release', 'issue') ORDER BY id"
        )
    ).all()
    held: dict[tuple, list[list[int]]] = defaultdict(list)  # group -> [[reserve id, still held], ...]
    for r in rows:
        group = (r.reference, r.item_id, r.location_id)
        if r.kind == "reserve":
            held[group].append([r.id, r.reserved_delta])
            continue
        quantity = -r.reserved_delta
        open_ = [h for h in held[group] if h[0] < r.id]
        chosen = next((h for test in (quantity.__eq__, quantity.__le__, (0).__lt__) for h in open_ if test(h[1])), None)
        if chosen is None:
            raise RuntimeError(f"stock movement {r.id} ({r.kind} {r.reference!r}) settles no reservation")
        chosen[1] -= quantity
        conn.execute(
            sa.text("UPDATE stock_movement SET reservation_id = :res WHERE id = :id"), {"res": chosen[0], "id": r.id}
        )
    reserves = defaultdict(list)
    for r in rows:
        if r.kind == "reserve":
            reserves[(r.reference, r.item_id, r.location_id)].append((r.id, r.reserved_delta))
    allocations = conn.execute(
        sa.text(
            "SELECT a.id, a.item_id, a.location_id, a.quantity, l.id AS line_id, l.request_id "
            "FROM welfare_allocation a JOIN welfare_request_line l ON l.id = a.line_id ORDER BY a.id"
        )
    ).all()
    for a in allocations:
        free = reserves[(f"request:{a.request_id}:line:{a.line_id}", a.item_id, a.location_id)]
        pick = next((m for m in free if m[1] == a.quantity), free[0] if free else None)
        if pick is not None:
            free.remove(pick)
            conn.execute(
                sa.text("UPDATE welfare_allocation SET reservation_id = :res WHERE id = :id"),
                {"res": pick[0], "id": a.id},
            )


def _link_counts(conn):
    """Count differences written together (same location, user and reason, minutes apart) form one count."""
    query = sa.text(
        "SELECT id, at, item_id, location_id, user_id, reason FROM stock_movement WHERE kind = 'count' ORDER BY id"
    )
    rows = conn.execute(query.columns(at=app.db.UTCDateTime())).all()
    stock_count = sa.Table(
        "stock_count",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", app.db.UTCDateTime()),
        sa.Column("location_id", sa.Integer()),
        sa.Column("reason", sa.String(200)),
        sa.Column("user_id", sa.Integer()),
    )
    current, last, items = None, None, set()
    for r in rows:
        at = r.at
        same = (
            last is not None
            and (r.location_id, r.user_id, r.reason) == (last[0], last[1], last[2])
            and at - last[3] <= COUNT_GAP
            and r.item_id not in items
        )
        if not same:
            result = conn.execute(
                stock_count.insert().values(at=at, location_id=r.location_id, reason=r.reason, user_id=r.user_id)
            )
            current, items = result.inserted_primary_key[0], set()
        items.add(r.item_id)
        last = (r.location_id, r.user_id, r.reason, at)
        conn.execute(sa.text("UPDATE stock_movement SET count_id = :c WHERE id = :id"), {"c": current, "id": r.id})


def downgrade():
    with op.batch_alter_table("kg_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=80), nullable=False, server_default=""))
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=80), nullable=False, server_default=""))

    conn = op.get_bind()
    _write_back_strings(conn)

    with op.batch_alter_table("welfare_allocation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_welfare_allocation_reservation_id_stock_movement"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_welfare_allocation_reservation_id"), type_="unique")
        batch_op.drop_column("reservation_id")
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        for name in MOVEMENT_CHECKS:
            batch_op.drop_constraint(batch_op.f(f"ck_stock_movement_{name}"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_stock_movement_kg_entry_id_kg_ledger"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_stock_movement_count_id_stock_count"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_stock_movement_reservation_id_stock_movement"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_stock_movement_transfer_out_id_stock_movement"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_stock_movement_transfer_out_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_stock_movement_kg_entry_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_stock_movement_reservation_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_count_id"))
        batch_op.create_index(batch_op.f("ix_stock_movement_reference"), ["reference"], unique=False)
        batch_op.drop_column("count_id")
        batch_op.drop_column("transfer_out_id")
        batch_op.drop_column("reservation_id")
        batch_op.drop_column("kg_entry_id")
    with op.batch_alter_table("outbound_shipment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbound_shipment_kg_entry_id_kg_ledger"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_outbound_shipment_kg_entry_id"), type_="unique")
        batch_op.drop_column("kg_entry_id")
    with op.batch_alter_table("intake_batch", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_intake_batch_route_only_from_rounds"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_intake_batch_route_id_round_route"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_intake_batch_route_id"))
        batch_op.drop_column("route_id")
    with op.batch_alter_table("stock_count", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_count_location_id"))
        batch_op.drop_index(batch_op.f("ix_stock_count_at"))
    op.drop_table("stock_count")


def _write_back_strings(conn):
    """The strings the code before this revision wrote, rebuilt from the links."""
    conn.execute(
        sa.text(
            "UPDATE kg_ledger SET reference = (SELECT 'outbound:' || o.id FROM outbound_shipment o "
            "WHERE o.kg_entry_id = kg_ledger.id) WHERE id IN (SELECT kg_entry_id FROM outbound_shipment)"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE kg_ledger SET reference = (SELECT 'stock_movement:' || m.id FROM stock_movement m "
            "WHERE m.kg_entry_id = kg_ledger.id) WHERE id IN (SELECT kg_entry_id FROM stock_movement "
            "WHERE kg_entry_id IS NOT NULL)"
        )
    )
    lines = conn.execute(
        sa.text(
            "SELECT a.reservation_id, l.request_id, l.id FROM welfare_allocation a "
            "JOIN welfare_request_line l ON l.id = a.line_id WHERE a.reservation_id IS NOT NULL"
        )
    ).all()
    for reservation_id, request_id, line_id in lines:
        conn.execute(
            sa.text("UPDATE stock_movement SET reference = :ref WHERE id = :id OR reservation_id = :id"),
            {"ref": f"request:{request_id}:line:{line_id}", "id": reservation_id},
        )
    conn.execute(
        sa.text(
            "UPDATE stock_movement SET reference = 'reservation:' || COALESCE(reservation_id, id) "
            "WHERE kind IN ('reserve', 'release', 'issue') AND reference = ''"
        )
    )
    transfers = sa.text(
        "SELECT i.id AS in_id, o.id AS out_id, o.location_id AS source, i.location_id AS target, o.at "
        "FROM stock_movement i JOIN stock_movement o ON o.id = i.transfer_out_id"
    )
    for t in conn.execute(transfers.columns(at=app.db.UTCDateTime())).all():
        conn.execute(
            sa.text("UPDATE stock_movement SET reference = :ref WHERE id IN (:a, :b)"),
            {"ref": f"transfer:{t.source}->{t.target}:{t.at:%Y%m%d%H%M%S%f}", "a": t.in_id, "b": t.out_id},
        )
    conn.execute(
        sa.text(
            "UPDATE intake_batch SET source_ref = 'Giro ' || route_id WHERE route_id IS NOT NULL AND source_ref = ''"
        )
    )
