"""A small hand-made chain at one plant for the register and report tests (known kilos everywhere)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from app.collection.models import Pickup
from app.extensions import db
from app.fleet.models import Site
from app.sorting import outbound, services
from app.sorting.models import IntakeBatch, OutboundLeg, SortingSession
from app.stock import services as stock
from app.stock.models import StockItem, StockLocation
from app.welfare.models import Allocation, GarmentRequest, Household, RequestLine
from tests.app import factories
from tests.app.sorting.legs import CARRIER, SHOP, partner, ship

SESTO = "015209"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def pickup(bin_, kg: str | None, when: datetime, fill: int | None = None) -> Pickup:
    row = Pickup(bin=bin_, collected_at=when, weight_kg=kg and Decimal(kg), fill_percent=fill)
    db.session.add(row)
    db.session.flush()
    return row


def intake(plant: Site, net: str, when: datetime, pickups: list[Pickup] = (), source: str = "round") -> IntakeBatch:
    data = services.IntakeData(
        site_id=plant.id,
        source=source,
        received_at=when,
        gross_kg=Decimal(net) + 5000,
        tare_kg="5000",
        pickup_ids=tuple(p.id for p in pickups),
        source_ref="" if pickups else "Conferimento diretto",
    )
    return services.record_intake(data, None)


def ddt_leg(session: SortingSession, kind: str, kg: str, when: datetime) -> OutboundLeg:
    shop = partner(SHOP, session)
    fraction = next(f for f in session.fractions if f.kind == kind)
    data = outbound.LegData(
        site_id=session.site_id,
        shipped_at=when,
        destination_id=shop.id,
        document_kind="ddt",
        document_number="DDT 77/2026",
        lines=(outbound.LineData(fraction.id, kg),),
    )
    return outbound.record_leg(data, None)


def hand_over(household: Household, session: SortingSession, pieces: int, when_clock) -> None:
    """Pieces of the session's reuse-B fraction into stock, reserved and handed to ``household``."""
    item = db.session.scalar(select(StockItem).where(StockItem.size == "M")) or factories.StockItemFactory(size="M")
    location = db.session.scalar(select(StockLocation)) or factories.StockLocationFactory()
    fraction = next(f for f in session.fractions if f.kind == "reuse_b")
    stock.receive_from_sorting(item, location, pieces, fraction, None)
    reservation = stock.reserve(item, location, pieces)
    issue = stock.issue_reserved(reservation, pieces, household.code)
    request = GarmentRequest(household=household, status="delivered")
    line = RequestLine(
        request=request,
        category="maglione",
        age_group="donna",
        size_system="letters",
        size="M",
        season="inverno",
        quantity=pieces,
    )
    db.session.add_all([request, line])
    db.session.add(
        Allocation(
            line=line,
            item=item,
            location=location,
            quantity=pieces,
            reservation=reservation,
            issue=issue,
            issued_at=when_clock,
        )
    )
    db.session.flush()


@dataclass
class Chain:
    plant: Site
    round_batch: IntakeBatch
    drop_off: IntakeBatch
    session: SortingSession
    fir_leg: OutboundLeg
    ddt_leg: OutboundLeg


def build(clock) -> Chain:
    """November 2026: 300 kg from Milano and 100 kg from Sesto by round, 100 kg dropped off; all sorted
    (5 kg lost) into reuse A 195, reuse B 100, recycling 200; 150 kg recycling on a FIR to R3, 60 kg of
    reuse A on a DDT to a second-hand shop."""
    clock.set(at(11, 5))
    plant = factories.SortingPlantFactory()
    milano, sesto = factories.BinFactory(), factories.BinFactory(comune_code=SESTO)
    round_batch = intake(
        plant, "400", at(11, 3, 14), [pickup(milano, "300", at(11, 3)), pickup(sesto, "100", at(11, 3))]
    )
    drop_off = intake(plant, "100", at(11, 4), source="drop_off")
    session = services.open_session(plant.id, [round_batch.id, drop_off.id], None)
    services.add_fraction(session.id, "reuse_a", "195", None)
    services.add_fraction(session.id, "reuse_b", "100", None)
    services.add_fraction(session.id, "recycle_mixed", "200", None)
    session = services.close_session(session.id, None)
    carrier = partner(replace(CARRIER, fiscal_code="09876543210"), session)
    fir = ship(session, {"recycle_mixed": "150"}, carrier=carrier, shipped_at=at(11, 20))
    ddt = ddt_leg(session, "reuse_a", "60", at(11, 21))
    db.session.commit()
    clock.set(NOW)
    return Chain(plant, round_batch, drop_off, session, fir, ddt)
