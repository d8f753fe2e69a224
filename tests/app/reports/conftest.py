"""A small month of the chain with figures computed by hand (see each test for the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from app.auth.models import Organisation
from app.bins.models import Bin
from app.collection.models import Pickup
from app.core.clock import ROME
from app.extensions import db
from app.reports.kpis import KpiFilter
from app.sorting import services as sorting
from app.stock import services as stock
from app.welfare.models import Delivery, GarmentRequest, Household, RequestStatusChange
from tests.app import factories

SESTO = "015209"
AUTUMN = KpiFilter(date(2026, 10, 1), date(2026, 11, 30))


@dataclass
class Month:
    operator: Organisation  # owns the Milano bin, the plant, the warehouse and the truck
    other: Organisation  # owns the Sesto bin
    milano: Bin
    sesto: Bin
    sesto_household: Household


def _pickup(bin_: Bin, when: datetime, **fields: Any) -> Pickup:
    row = Pickup(bin=bin_, collected_at=when, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def _served(household: Household, status: str, when: datetime, window: tuple[int, int] | None = None) -> GarmentRequest:
    request = GarmentRequest(household=household, status=status)
    if window:
        request.window_start, request.window_end = time(window[0]), time(window[1])
    db.session.add(request)
    db.session.flush()
    db.session.add(RequestStatusChange(request_id=request.id, from_status="pronta", to_status=status, at=when))
    return request


def _at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=ROME).astimezone(UTC)


@pytest.fixture
def month(clock: Any) -> Month:
    """Kg: Milano 300 (weighed, 10/11) + 50 (20/10); Sesto 35 % of 95 kg = 33,25 → 33,2 (half-even), overflowing.

    A superseded Milano pickup of 999 kg never counts. The November pickups (333,2 kg) are weighed in as
    333,2 kg and sorted: reuse_a 200, recycle_cotton 100, contaminants 30, loss 3,2. Ten jumpers go into
    stock, three to a Sesto household, two to a shop. A route of 38,5 km and 5 h does two of its three
    stops. Households: Sesto (2 members) delivered, Milano (1 member) collected, one more Milano in December.
    """
    clock.set(_at(20, 12))
    operator, other = factories.OrganisationFactory(), factories.OrganisationFactory()
    milano = factories.BinFactory(operator=operator)
    sesto = factories.BinFactory(
        operator=other, comune_code=SESTO, full_weight_kg=95, stream="material_recovery", code="SS-1"
    )
    weighed = _pickup(milano, _at(10, 9), weight_kg=Decimal("300"))
    estimated = _pickup(sesto, _at(12, 9), fill_percent=35, incidents="overflow,damaged")
    _pickup(milano, _at(11, 9), weight_kg=Decimal("999"), superseded=True)
    _pickup(milano, _at(20, 9, month=10), weight_kg=Decimal("50"))

    plant = factories.SortingPlantFactory(organisation=operator)
    batch = sorting.record_intake(
        sorting.IntakeData(
            site_id=plant.id,
            source="round",
            received_at=_at(13, 14),
            gross_kg=Decimal("5333.2"),
            tare_kg="5000",
            pickup_ids=(weighed.id, estimated.id),
        ),
        None,
    )
    session = sorting.open_session(plant.id, [batch.id], None)
    reuse = sorting.add_fraction(session.id, "reuse_a", "200", None)
    sorting.add_fraction(session.id, "recycle_cotton", "100", None)
    sorting.add_fraction(session.id, "contaminants", "30", None)
    sorting.close_session(session.id, None)

    location = factories.StockLocationFactory(site=factories.WarehouseFactory(organisation=operator))
    jumper = factories.StockItemFactory(category="maglione")
    stock.receive_from_sorting(jumper, location, 10, reuse, None)
    sesto_household = factories.HouseholdFactory(comune_code=SESTO)
    factories.MemberFactory(household=sesto_household)
    factories.MemberFactory(household=sesto_household)
    stock.take_out(jumper, location, 3, "household", sesto_household.code)
    stock.take_out(jumper, location, 2, "shop", "Mercatino Lambrate")

    route = factories.RoundRouteFactory(
        plan=factories.RoundPlanFactory(status="published", service_date=date(2026, 11, 10)),
        vehicle=factories.VehicleFactory(organisation=operator),
    )
    factories.RouteStopFactory(route=route, bin=milano, status="done", pickup_id=weighed.id)
    factories.RouteStopFactory(route=route, bin=sesto, status="done", pickup_id=estimated.id)
    factories.RouteStopFactory(route=route, bin=milano, status="skipped")
    draft = factories.RoundRouteFactory(
        plan=factories.RoundPlanFactory(status="draft", service_date=date(2026, 11, 10))
    )
    factories.RouteStopFactory(route=draft, bin=milano, status="done")
    idle = factories.RoundRouteFactory(
        plan=factories.RoundPlanFactory(status="published", service_date=date(2026, 11, 11))
    )
    factories.RouteStopFactory(route=idle, bin=milano)

    on_time = _served(sesto_household, "consegnata", _at(22, 10), window=(9, 12))
    late = _served(sesto_household, "consegnata", _at(22, 15), window=(9, 12))
    for request, hour in ((on_time, 10), (late, 15)):
        db.session.add(Delivery(request_id=request.id, status="delivered", completed_at=_at(22, hour)))
    milano_household = factories.HouseholdFactory()
    factories.MemberFactory(household=milano_household)
    _served(milano_household, "ritirata", _at(23, 11))
    _served(factories.HouseholdFactory(), "consegnata", _at(2, 11, month=12))
    db.session.commit()
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    return Month(operator, other, milano, sesto, sesto_household)
