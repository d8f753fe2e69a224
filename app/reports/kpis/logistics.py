"""The trucks' work: km, hours, kg per km, stops per hour of the rounds driven, and on-time home deliveries.

A round counts when its plan was published (or closed) for a day of the period and at least one of its
stops was done. Its km and hours are the planned ones (the app records no odometer): the plan's road
distance and duration, from the depot back to the depot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.core.clock import to_local
from app.extensions import db
from app.fleet.models import Vehicle
from app.reports.kpis.scope import KpiFilter, bin_conditions, kg_of_tenths, pickup_kg_tenths, ratio
from app.rounds.models import PlanKind, PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus
from app.welfare.models import Delivery, DeliveryStatus, GarmentRequest, Household

ZERO = Decimal(0)


@dataclass
class Driving:
    """One kind of round (collection or delivery)."""

    routes: int = 0
    distance_m: int = 0
    duration_s: int = 0
    stops_done: int = 0
    kg: Decimal = ZERO  # collected at the done bin stops (collection rounds)

    @property
    def km(self) -> Decimal:
        return Decimal(self.distance_m) / 1000

    @property
    def hours(self) -> Decimal:
        return Decimal(self.duration_s) / 3600


@dataclass
class Logistics:
    by_kind: dict[str, Driving] = field(default_factory=lambda: {k.value: Driving() for k in PlanKind})
    # Of the kg collected on the rounds, the share from the bins of the chosen comune or stream (1 without):
    # the collection km (and their emissions) attributed to them.
    origin_share: Decimal = Decimal(1)
    deliveries: int = 0  # home deliveries completed in the period
    with_window: int = 0  # of which the request asked for a time window
    on_time: int = 0  # of which completed within it

    @property
    def km(self) -> Decimal:
        return sum((d.km for d in self.by_kind.values()), ZERO)

    @property
    def hours(self) -> Decimal:
        return sum((d.hours for d in self.by_kind.values()), ZERO)

    @property
    def stops_done(self) -> int:
        return sum(d.stops_done for d in self.by_kind.values())

    @property
    def kg_per_km(self) -> Decimal | None:
        collection = self.by_kind[PlanKind.COLLECTION]
        return ratio(collection.kg, collection.km)

    @property
    def stops_per_hour(self) -> Decimal | None:
        return ratio(self.stops_done, self.hours)

    @property
    def on_time_share(self) -> Decimal | None:
        return ratio(self.on_time, self.with_window)


def logistics(scope: KpiFilter) -> Logistics:
    result = Logistics()
    done = and_(RouteStop.status == StopStatus.DONE, RouteStop.kind != StopKind.RELOAD)
    stops = (
        select(RouteStop.route_id, func.sum(case((done, 1), else_=0)).label("done"))
        .group_by(RouteStop.route_id)
        .subquery()
    )
    query = (
        select(RoundPlan.kind, func.count(), func.sum(RoundRoute.distance_m), func.sum(RoundRoute.duration_s))
        .add_columns(func.sum(stops.c.done))
        .join(RoundPlan, RoundPlan.id == RoundRoute.plan_id)
        .join(stops, stops.c.route_id == RoundRoute.id)
        .where(*_driven(scope), stops.c.done > 0)
        .group_by(RoundPlan.kind)
    )
    for kind, routes, distance, duration, stops_done in db.session.execute(query):
        result.by_kind[kind] = Driving(int(routes), int(distance or 0), int(duration or 0), int(stops_done or 0))
    tenths = pickup_kg_tenths()
    matching = and_(*bin_conditions(scope, with_operator=False)) if scope.by_origin else None
    wanted_kg = func.sum(case((matching, tenths), else_=0)) if matching is not None else func.sum(tenths)
    kg, wanted = db.session.execute(
        select(func.sum(tenths), wanted_kg)
        .select_from(RouteStop)
        .join(RoundRoute, RoundRoute.id == RouteStop.route_id)
        .join(RoundPlan, RoundPlan.id == RoundRoute.plan_id)
        .join(Pickup, Pickup.id == RouteStop.pickup_id)
        .join(Bin, Bin.id == Pickup.bin_id)
        .where(*_driven(scope), RouteStop.status == StopStatus.DONE, RoundPlan.kind == PlanKind.COLLECTION)
    ).one()
    result.by_kind[PlanKind.COLLECTION].kg = kg_of_tenths(kg)
    if matching is not None:
        result.origin_share = Decimal(int(wanted or 0)) / Decimal(kg) if kg else Decimal(0)
    _deliveries(scope, result)
    return result


def _driven(scope: KpiFilter) -> list[object]:
    found = [
        RoundPlan.status.in_((PlanStatus.PUBLISHED, PlanStatus.CLOSED)),
        RoundPlan.service_date >= scope.start,
        RoundPlan.service_date <= scope.end,
    ]
    if scope.operator_id:
        vehicles = select(Vehicle.id).where(Vehicle.organisation_id == scope.operator_id)
        found.append(RoundRoute.vehicle_id.in_(vehicles.scalar_subquery()))
    return found


def _deliveries(scope: KpiFilter, result: Logistics) -> None:
    """Completed home deliveries: one row each (a few hundred a year), their window checked on Milan time."""
    low, high = scope.bounds
    query = (
        select(Delivery.completed_at, GarmentRequest.window_start, GarmentRequest.window_end)
        .join(GarmentRequest, GarmentRequest.id == Delivery.request_id)
        .where(Delivery.status == DeliveryStatus.DELIVERED, Delivery.completed_at >= low, Delivery.completed_at < high)
    )
    if scope.comune_code:
        query = query.join(Household, Household.id == GarmentRequest.household_id).where(
            Household.comune_code == scope.comune_code
        )
    if scope.operator_id:
        query = (
            query.join(RouteStop, RouteStop.id == Delivery.route_stop_id)
            .join(RoundRoute, RoundRoute.id == RouteStop.route_id)
            .join(Vehicle, Vehicle.id == RoundRoute.vehicle_id)
            .where(Vehicle.organisation_id == scope.operator_id)
        )
    for completed_at, window_start, window_end in db.session.execute(query):
        result.deliveries += 1
        if window_start is None and window_end is None:
            continue
        result.with_window += 1
        wall = to_local(completed_at).time()
        result.on_time += (window_start is None or wall >= window_start) and (window_end is None or wall <= window_end)
