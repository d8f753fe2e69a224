"""Delivery rounds of ready requests: planned with the rounds router, proved by a handover code.

Delivery stops are plain records for the rounds adapter (``RouteStop.kind="delivery"``,
``reference="delivery:<id>"``); the driver sees the address only for stops of their own
published route on the service day, and every such read is logged.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from hashlib import sha256
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.auth.models import User
from app.core.clock import local_today, seconds_of_day, utcnow
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.rounds import jobs, kinds
from app.rounds import services as rounds
from app.rounds.driver_services import RecordedRefusal
from app.rounds.models import PlanKind, PlanningJob, PlanStatus, RoundPlan, RouteStop, StopStatus
from app.rounds.selection import load_vehicles, site_record, vehicle_key, vehicle_record
from app.stock.catalog import packed_litres
from app.welfare import messages
from app.welfare.allocation import active_allocations, issue_all
from app.welfare.catalog import FAILURE_REASONS
from app.welfare.models import Delivery, DeliveryStatus, GarmentRequest, HouseholdIdentity, RequestStatus
from app.welfare.privacy import read_identity_for_delivery
from app.welfare.requests import change_status

MAX_CODE_ATTEMPTS = 5
LATE_SYNC_DAYS = 2  # a phone offline at the end of the round may sync its actions up to two days later
DELIVERY_SERVICE_S = 300  # park, ring, check the code, hand over the bags


def _hash(delivery_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{delivery_id}:{code}".encode(), sha256).hexdigest()


def new_handover_code(delivery: Delivery, day: date) -> str:
    """A fresh 6-digit code valid on ``day`` only; only its hash is stored."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    delivery.code_hash, delivery.code_expires_on, delivery.code_attempts = _hash(delivery.id, code), day, 0
    return code


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
        key=f"ref:{delivery.reference}",
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
        vehicles=tuple(vehicle_record(v, day, warehouse, warehouse) for v in vehicles),
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


def _publish(plan: RoundPlan, user: User | None) -> None:
    """Publishing takes the deliveries: each must still be due; it gets a handover code, the household is told."""
    stops = {i: s for route in plan.routes for s in route.stops if (i := _delivery_id(s)) is not None}
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
        code = new_handover_code(delivery, plan.service_date)
        messages.delivery_scheduled(delivery.request, user, plan.service_date, stop.arrival_at, code)
    db.session.flush()


kinds.register(PlanKind.DELIVERY, kinds.KindRules(check=check_plan_params, prepare=prepare, on_publish=_publish))


@dataclass(frozen=True)
class DeliveryStop:
    stop: RouteStop
    delivery: Delivery
    address: str
    notes: str
    pieces: int


def _delivery_id(stop: RouteStop) -> int | None:
    """The delivery a stop is for (``reference="delivery:<id>"``), or None for any other stop."""
    prefix, _colon, number = stop.reference.partition(":")
    return int(number) if prefix == "delivery" else None


def _delivery_of(stop: RouteStop) -> Delivery | None:
    delivery_id = _delivery_id(stop)
    return None if delivery_id is None else db.session.get(Delivery, delivery_id)


def _drivable(stop: RouteStop, user: User, today: date) -> bool:
    plan = stop.route.plan
    return stop.route.driver_id == user.id and plan.status == PlanStatus.PUBLISHED and plan.service_date == today


def _read_for_driver(
    stop: RouteStop, user: User | None, today: date | None
) -> tuple[Delivery, HouseholdIdentity | None] | None:
    """The delivery and household identity of a stop, for its driver on the service day only (the read is logged)."""
    today = today or local_today()
    delivery = _delivery_of(stop)
    if delivery is None or user is None or not _drivable(stop, user, today):
        return None
    return delivery, read_identity_for_delivery(delivery.request.household, user, today)


def may_locate(stop: RouteStop, user: User | None, today: date | None = None) -> bool:
    """Whether ``user`` may see where a delivery stop is: its point is the household's door, shown like the address."""
    read = _read_for_driver(stop, user, today)
    return read is not None and read[1] is not None


def stop_details(stop: RouteStop, user: User | None, today: date | None = None) -> DeliveryStop | None:
    """Address and pieces of a delivery stop, for its driver on the service day only (the read is logged)."""
    read = _read_for_driver(stop, user, today)
    if read is None:
        return None
    delivery, identity = read
    address = f"{identity.address} {delivery.request.household.comune.name}" if identity else ""
    return DeliveryStop(stop, delivery, address, identity.notes if identity else "", load_of(delivery.request).pieces)


def action_day(at: datetime | None) -> date:
    """The service day a driver's action belongs to: when it happened (sent later by the phone's outbox).

    An action queued offline in the evening and synced after midnight still counts for its day; a time
    in the future or more than ``LATE_SYNC_DAYS`` old is refused.
    """
    now = utcnow()
    if at is None:
        return local_today(now)
    if at > now + timedelta(minutes=5):
        raise ValidationError(
            _("L'ora dell'azione è nel futuro: controlla l'orologio del telefono."), field="collected_at"
        )
    if local_today(now) - local_today(at) > timedelta(days=LATE_SYNC_DAYS):
        raise ValidationError(
            _("Azione troppo vecchia per essere registrata: contatta il coordinamento."), field="collected_at"
        )
    return local_today(at)


def _locked_delivery(delivery_id: int, user: User, at: datetime | None = None) -> tuple[Delivery, RouteStop]:
    query = select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    delivery = db.session.scalar(query.execution_options(populate_existing=True))
    if delivery is None:
        raise NotFoundError(_("Consegna non trovata."))
    stop = db.session.scalar(
        select(RouteStop).where(RouteStop.reference == delivery.reference).order_by(RouteStop.id.desc())
    )
    if stop is None or not _drivable(stop, user, action_day(at)):
        raise PermissionDenied(_("Questa consegna non è nel tuo giro di oggi."))
    if delivery.status != DeliveryStatus.SCHEDULED:
        raise ConflictError(_("Questa consegna non è più da fare."))
    return delivery, stop


@dataclass(frozen=True)
class HandoverResult:
    ok: bool
    message: str


def _check_code(delivery: Delivery, code: str, day: date) -> str | None:
    """None when the code is right on ``day``; else why not (the attempt is counted)."""
    if delivery.code_attempts >= MAX_CODE_ATTEMPTS:
        return _("Troppi tentativi con codici errati: usa firma o foto, o contatta il coordinamento.")
    if delivery.code_expires_on is None or day > delivery.code_expires_on or not delivery.code_hash:
        return _("Il codice di consegna è scaduto.")
    if not hmac.compare_digest(delivery.code_hash, _hash(delivery.id, code.strip())):
        delivery.code_attempts += 1
        left = MAX_CODE_ATTEMPTS - delivery.code_attempts
        return _("Codice di consegna errato (tentativi rimasti: %(left)s).", left=left)
    return None


def hand_over(
    delivery_id: int,
    user: User,
    proof_kind: str,
    code: str = "",
    note: str = "",
    at: datetime | None = None,
    with_photo: bool = False,
) -> HandoverResult:
    """Deliver with the household's code (or a signature or photo): pieces leave the stock, request «consegnata».

    An attached photo is itself the «photo» proof; otherwise a signature or photo needs a description.
    """
    delivery, stop = _locked_delivery(delivery_id, user, at)
    if proof_kind == "code":
        problem = _check_code(delivery, code, action_day(at))
        if problem:
            db.session.flush()
            return HandoverResult(False, problem)
    elif proof_kind in ("signature", "photo"):
        if len(note.strip()) < 2 and not (proof_kind == "photo" and with_photo):
            raise ValidationError(_("Indica chi ha firmato o cosa mostra la foto."), field="proof_note")
    else:
        raise ValidationError(_("Prova di consegna non valida."), field="proof_kind")
    request = change_status(delivery.request, RequestStatus.DELIVERED, user)
    issue_all(request, user)
    now = at or utcnow()
    delivery.status, delivery.proof_kind, delivery.proof_note = DeliveryStatus.DELIVERED, proof_kind, note.strip()
    delivery.completed_at, delivery.completed_by_id, delivery.code_hash = now, user.id, ""
    stop.status, stop.completed_at = StopStatus.DONE, now
    messages.completed(request, _("consegnata"))
    db.session.flush()
    return HandoverResult(True, _("Consegna registrata."))


def fail(delivery_id: int, user: User, reason: str, at: datetime | None = None, note: str = "") -> Delivery:
    """Not delivered (nobody home, wrong address, refused), with the driver's note: back among those to plan."""
    if reason not in FAILURE_REASONS:
        raise ValidationError(_("Motivo non valido."), field="reason")
    delivery, stop = _locked_delivery(delivery_id, user, at)
    now = at or utcnow()
    delivery.status, delivery.failure_reason, delivery.code_hash = DeliveryStatus.FAILED, reason, ""
    delivery.failure_note = note.strip()[:200]
    delivery.completed_at, delivery.completed_by_id = now, user.id
    stop.status, stop.skip_reason, stop.completed_at = StopStatus.SKIPPED, reason, now
    messages.completed(delivery.request, _("non consegnata (%(reason)s)", reason=str(FAILURE_REASONS[reason])))
    db.session.flush()
    return delivery


def delivery_plans() -> list[RoundPlan]:
    """Recent delivery plans, newest first."""
    query = select(RoundPlan).where(RoundPlan.kind == PlanKind.DELIVERY).order_by(RoundPlan.id.desc()).limit(20)
    return list(db.session.scalars(query))


class HandoverRefused(RecordedRefusal):
    code = "handover_refused"


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise ValidationError(_("Serve un testo."), field=name)
    return value


def _stop_delivery(stop: RouteStop) -> Delivery:
    delivery = _delivery_of(stop)
    if delivery is None:
        raise NotFoundError(_("Consegna non trovata."))
    return delivery


def done_at_stop(
    stop: RouteStop, body: dict[str, Any], user: User, at: datetime | None, with_photo: bool = False
) -> RouteStop:
    """The driver's «done» at a delivery stop: the handover; a wrong code is refused but counted."""
    proof_kind, code, note = (_text(body, name) for name in ("proof_kind", "code", "proof_note"))
    result = hand_over(_stop_delivery(stop).id, user, proof_kind or "code", code, note, at, with_photo)
    if not result.ok:
        raise HandoverRefused(result.message, stop, field="code")
    return stop


def failed_at_stop(stop: RouteStop, body: dict[str, Any], user: User, at: datetime | None) -> RouteStop:
    """The driver's «skip» at a delivery stop: a failed delivery with its reason, to be planned again."""
    fail(_stop_delivery(stop).id, user, _text(body, "reason"), at, _text(body, "notes"))
    return stop


def sheet_fields(stop: RouteStop, user: User | None) -> dict[str, Any]:
    """A delivery stop on a route sheet: the household's address and pieces only for its driver on the day."""
    delivery = _stop_delivery(stop)
    fields: dict[str, Any] = {"label": _("Consegna %(code)s", code=delivery.request.household.code)}
    details = stop_details(stop, user)
    if details is not None:
        fields |= {"address": details.address, "access_notes": details.notes, "pieces": details.pieces}
    return fields
