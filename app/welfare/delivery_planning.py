"""Delivery rounds of ready requests: the due deliveries as stops, planned with the rounds router, taken at publication.

Delivery stops are plain records for the rounds adapter (``RouteStop.kind="delivery"``,
``reference="delivery:<id>"``); publishing the plan links each delivery to its stop
(``Delivery.route_stop_id``), issues its handover code and tells the household.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.auth.models import User
from app.core.clock import local_today, seconds_of_day, utcnow
from app.core.policy import Permission, can
from app.core.refs import parse_domain_reference, reference_key, vehicle_key
from app.errors import ConflictError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.rounds import jobs
from app.rounds import services as rounds
from app.rounds.models import PlanKind, PlanningJob, RoundPlan, RouteStop
from app.rounds.selection import from_now, load_vehicles, site_record, vehicle_record
from app.stock.catalog import packed_litres
from app.welfare import messages
from app.welfare.allocation import active_allocations
from app.welfare.handover import new_handover_code
from app.welfare.models import (
    DELIVERY_REFERENCE,
    Delivery,
    DeliveryStatus,
    GarmentRequest,
    HouseholdIdentity,
    RequestStatus,
)

DELIVERY_SERVICE_S = 300  # park, ring, check the code, hand over the bags


@dataclass(frozen=True)
class Load:
    """What a request's reserved pieces take on the van."""

    kg: int
    litres: int
    pieces: int


def load_of(request: GarmentRequest) -> Load:
    """Weight (rounded up to the kg), packed litres (by category) and number of the reserved pieces."""
    lines = [(a.item, a.quantity) for a in active_allocations(request)]
    kg = sum(float(item.unit_weight_kg) * n for item, n in lines)
    litres = sum(float(packed_litres(item.category)) * n for item, n in lines)
    return Load(max(1, math.ceil(kg)), math.ceil(litres), sum(n for _item, n in lines))


def _window(request: GarmentRequest, day: date) -> tuple[int, int] | None:
    if request.window_start is None:
        return None
    end = request.window_end or time(20, 0)
    return seconds_of_day(day, request.window_start), seconds_of_day(day, end)


def _stop_record(delivery: Delivery, day: date) -> rounds.StopRecord:
    identity = db.session.get(HouseholdIdentity, delivery.request.household_id)
    if identity is None:
        raise ValidationError(_("Il nucleo %(code)s non ha un indirizzo.", code=delivery.request.household.code))
    load = load_of(delivery.request)
    return rounds.StopRecord(
        key=reference_key(delivery.reference),
        lon=identity.lon,
        lat=identity.lat,
        demand_kg=load.kg,
        service_s=DELIVERY_SERVICE_S,
        kind="delivery",
        window=_window(delivery.request, day),
        volume_l=load.litres,
        pieces=load.pieces,
    )


def _due_query() -> Select[tuple[Delivery]]:
    return (
        select(Delivery)
        .join(GarmentRequest)
        .where(
            Delivery.status.in_((DeliveryStatus.TO_PLAN, DeliveryStatus.FAILED)),
            GarmentRequest.status == RequestStatus.READY,
        )
        .order_by(GarmentRequest.urgent.desc(), Delivery.id)
    )


def due_deliveries() -> list[Delivery]:
    """Ready requests to deliver: never planned, or failed and to try again (a draft plan does not take them)."""
    return list(db.session.scalars(_due_query()))


@dataclass(frozen=True)
class DeliveryPlanParams:
    service_date: date
    warehouse_id: int
    vehicle_ids: tuple[int, ...]
    drivers: dict[int, int]
    time_limit_s: float = 5.0

    def plan_params(self, user: User) -> rounds.PlanParams:
        return rounds.PlanParams(
            service_date=self.service_date,
            site_ids=(self.warehouse_id,),
            vehicle_ids=self.vehicle_ids,
            drivers=self.drivers,
            time_limit_s=self.time_limit_s,
            kind=PlanKind.DELIVERY,
            created_by_id=user.id,
        )


def _warehouse(params: rounds.PlanParams) -> Site:
    warehouse = db.session.get(Site, params.site_ids[0]) if params.site_ids else None
    if warehouse is None or not warehouse.active or warehouse.kind != SiteKind.WAREHOUSE:
        raise ValidationError(_("Scegli un magazzino attivo."), field="warehouse_id")
    return warehouse


def check_plan_params(params: rounds.PlanParams) -> None:
    """Refuse a past day, a missing warehouse, no vehicles or nothing to deliver, before queuing."""
    if params.service_date < local_today():
        raise ValidationError(_("La data del servizio è nel passato."), field="service_date")
    _warehouse(params)
    load_vehicles(list(params.vehicle_ids))
    if db.session.scalar(_due_query().limit(1)) is None:
        raise ValidationError(_("Nessuna consegna da pianificare."))


def prepare(params: rounds.PlanParams) -> rounds.Prepared:
    """The due deliveries as stops, loaded at the warehouse (kg, litres, pieces), with the households' windows."""
    warehouse = _warehouse(params)
    vehicles = load_vehicles(list(params.vehicle_ids))
    due = due_deliveries()
    if not due:
        raise ValidationError(_("Nessuna consegna da pianificare."))
    day = params.service_date
    return rounds.Prepared(
        params=params,
        sites=(site_record(warehouse),),
        vehicles=from_now(tuple(vehicle_record(v, day, warehouse, warehouse) for v in vehicles), day, utcnow()),
        stops=tuple(_stop_record(d, day) for d in due),
        start_sites={vehicle_key(v.id): warehouse.id for v in vehicles},
        plant_id=warehouse.id,
        network_file=current_app.config.get("ROAD_NETWORK_FILE"),
        cache_dir=current_app.config["GIS_CACHE_DIR"],
    )


def _require_planner(user: User) -> None:
    if not can(user, Permission.PLAN_DELIVERIES):
        raise PermissionDenied(_("Solo i coordinatori pianificano le consegne."))


def plan_deliveries(params: DeliveryPlanParams, user: User) -> RoundPlan:
    """A draft delivery plan computed now (CLI, demo, tests); the web page queues a job instead."""
    _require_planner(user)
    return rounds.plan_day(params.plan_params(user))


def start_planning(params: DeliveryPlanParams, user: User) -> PlanningJob:
    """Queue the delivery plan as a background job (progress and cancel on the rounds' job page)."""
    _require_planner(user)
    return jobs.start_planning(params.plan_params(user))


def publish(plan: RoundPlan, user: User | None) -> None:
    """Publishing takes the deliveries: each must still be due; it gets a handover code, the household is told."""
    stops = {i: s for route in plan.routes for s in route.stops if (i := delivery_id_of(s)) is not None}
    locked = select(Delivery).where(Delivery.id.in_(stops)).order_by(Delivery.id).with_for_update()
    deliveries = {d.id: d for d in db.session.scalars(locked.execution_options(populate_existing=True))}
    taken = [
        d.request.household.code
        for d in deliveries.values()
        if d.status not in (DeliveryStatus.TO_PLAN, DeliveryStatus.FAILED) or d.request.status != RequestStatus.READY
    ]
    if taken:
        raise ConflictError(
            _(
                "Consegne non più da pianificare (già in un giro pubblicato o annullate): %(codes)s. "
                "Ricalcola le consegne.",
                codes=", ".join(sorted(taken)),
            )
        )
    for delivery_id, stop in stops.items():
        delivery = deliveries[delivery_id]
        delivery.status, delivery.service_date, delivery.failure_reason = (
            DeliveryStatus.SCHEDULED,
            plan.service_date,
            "",
        )
        delivery.route_stop_id = stop.id
        code = new_handover_code(delivery, plan.service_date)
        messages.delivery_scheduled(delivery.request, user, plan.service_date, stop.arrival_at, code)
    db.session.flush()


def delivery_id_of(stop: RouteStop) -> int | None:
    """The delivery a stop is for (``reference="delivery:<id>"``), or None for any other stop."""
    return parse_domain_reference(stop.reference, DELIVERY_REFERENCE)


def delivery_plans() -> list[RoundPlan]:
    """Recent delivery plans, newest first."""
    query = select(RoundPlan).where(RoundPlan.kind == PlanKind.DELIVERY).order_by(RoundPlan.id.desc()).limit(20)
    return list(db.session.scalars(query))
