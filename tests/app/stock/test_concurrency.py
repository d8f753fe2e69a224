"""Twenty clerks race for the last ten pieces: exactly ten get one (each from the lot), the others a clear message."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.stock import lots, services
from app.stock.models import StockItem, StockLocation, StockMovement
from tests.app import factories
from tests.app.races import race
from tests.app.sorting.helpers import reuse_b_fraction

THREADS = 20


def test_exactly_ten_of_twenty_concurrent_requests_take_the_last_ten_pieces(app):
    item, location = factories.StockItemFactory(), factories.StockLocationFactory()
    services.receive_from_sorting(item, location, 10, reuse_b_fraction(), None)
    item_id, location_id = item.id, location.id
    db.session.commit()  # the setup is visible to every thread, and the test holds no lock

    def take_one() -> None:
        item, location = db.session.get(StockItem, item_id), db.session.get(StockLocation, location_id)
        services.take_out(item, location, 1, "household", "NF-00042")

    results = race(app, [take_one] * THREADS, services.InsufficientStock)
    assert results.count("ok") == 10
    refused = [r for r in results if r != "ok"]
    assert len(refused) == 10 and all(r.startswith("Scorte insufficienti") for r in refused)
    item, location = db.session.get(StockItem, item_id), db.session.get(StockLocation, location_id)
    assert services.balance(item, location) == services.ledger_balance(item, location) == services.Balance(0, 0)
    takes = db.session.scalars(select(StockMovement).where(StockMovement.kind == "out")).all()
    receipt = db.session.scalar(select(StockMovement).where(StockMovement.kind == "in"))
    assert [lots.lots_of_movement(take) for take in takes] == [[(receipt, 1)]] * 10  # each piece drawn once
    assert lots.lot_pieces(item, location) == []
