"""Driver mode rules: who sees which route, and marking stops done (a pickup) or skipped (a reason)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.api import schemas
from app.api.schemas import _object  # the API's strict JSON-object check (unknown fields named)
from app.auth.models import User
from app.collection import services as collection
from app.collection.models import IncidentCode, PickupSource
from app.db import utcnow
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Vehicle
from app.rounds import photos, unload
from app.rounds.models import PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopPhoto, StopStatus

ROME = ZoneInfo("Europe/Rome")
SEE_ALL = ("admin", "coordinator")
DONE_FIELDS = {"weight_kg", "fill_percent", "incidents", "notes", "collected_at"}
SKIP_FIELDS = {"reason", "notes", "collected_at"}
HANDOVER_FIELDS = {"proof_kind", "code", "proof_note", "collected_at"}  # «done» at a delivery stop
MAX_NON_BIN_KG = 40_000  # more than any truck carries


class SkipReason(enum.StrEnum):
    INACCESSIBLE = "inaccessible"
    NOT_FOUND = "not_found"
    ALREADY_EMPTY = "already_empty"
    NO_TIME = "no_time"
    VEHICLE_FULL = "vehicle_full"
    OTHER = "other"


# A skip that is itself news about the bin is logged as a visit with an incident (no kg).
SKIP_INCIDENTS = {SkipReason.INACCESSIBLE: IncidentCode.INACCESSIBLE, SkipReason.NOT_FOUND: IncidentCode.MISSING}


class RoundNotOpen(ConflictError):
    code = "round_not_open"


class RecordedRefusal(ValidationError):
    """Refused, but the attempt itself is kept (a wrong handover code counts): answered and stored once."""

    code = "refused"

    def __init__(self, message: str, stop: RouteStop, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.stop = stop


def _deliveries() -> Any:
    """The welfare delivery rules (welfare builds on rounds, so it is imported when first needed)."""
    from app.welfare import delivery

    return delivery


def delivery_labels() -> dict[str, dict[str, str]]:
    """Proofs of a handover and why a delivery failed (its «skip»: the delivery is planned again)."""
    from app.welfare.catalog import FAILURE_REASONS, PROOF_KINDS

    return {
        "delivery_reasons": {code: str(label) for code, label in FAILURE_REASONS.items()},
        "proof_kinds": {code: str(label) for code, label in PROOF_KINDS.items()},
    }


def skip_reason_labels() -> dict[str, str]:
    return {
        SkipReason.INACCESSIBLE: _("Non accessibile"),
        SkipReason.NOT_FOUND: _("Contenitore non trovato"),
        SkipReason.ALREADY_EMPTY: _("Già vuoto"),
        SkipReason.NO_TIME: _("Tempo esaurito"),
        SkipReason.VEHICLE_FULL: _("Mezzo pieno"),
        SkipReason.OTHER: _("Altro (vedi note)"),
    }


def incident_labels() -> dict[str, str]:
    return {
        IncidentCode.OVERFLOW: _("Traboccante / sacchi a terra"),
        IncidentCode.DAMAGED: _("Danneggiato"),
        IncidentCode.VANDALISED: _("Vandalizzato"),
        IncidentCode.INACCESSIBLE: _("Non accessibile"),
        IncidentCode.MISSING: _("Mancante"),
        IncidentCode.CONTAMINATED: _("Contaminato / bagnato"),
    }


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ROME).date()


def todays_routes(user: User, today: date | None = None) -> list[RoundRoute]:
    """The published routes of ``today`` (Rome) where ``user`` is the driver, in plan order."""
    query = (
        select(RoundRoute)
        .join(RoundPlan)
        .where(
            RoundRoute.driver_id == user.id,
            RoundPlan.status == PlanStatus.PUBLISHED,
            RoundPlan.service_date == (today or local_today()),
        )
        .order_by(RoundPlan.id, RoundRoute.position)
    )
    return list(db.session.scalars(query))


def can_see(route: RoundRoute, user: User) -> bool:
    """Drivers see their own routes; coordinators and admins all; operators their organisation's vehicles."""
    if user.role in SEE_ALL or route.driver_id == user.id:
        return True
    if user.role == "operator":
        return db.session.get(Vehicle, route.vehicle_id).organisation_id == user.organisation_id  # type: ignore[union-attr]
    return False


def _found(model: Any, row_id: int, message: str) -> Any:
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFoundError(message)
    return row


def visible_route(route_id: int, user: User) -> RoundRoute:
    """A route the user may look at (404 if unknown, 403 if not theirs)."""
    route: RoundRoute = _found(RoundRoute, route_id, _("Giro non trovato."))
    if not can_see(route, user):
        raise PermissionDenied(_("Questo giro non è assegnato a te."))
    return route


def visible_plan(plan_id: int, user: User) -> RoundPlan:
    """A plan with at least one route the user may see; coordinators and admins see every plan."""
    plan: RoundPlan = _found(RoundPlan, plan_id, _("Piano non trovato."))
    if user.role not in SEE_ALL and not any(can_see(route, user) for route in plan.routes):
        raise PermissionDenied(_("Non hai i permessi per questo piano."))
    return plan


def visible_stop_photo(stop_id: int, user: User) -> StopPhoto:
    """The photo of a stop on a route the user may see (404 if none, 403 if not theirs)."""
    stop: RouteStop = _found(RouteStop, stop_id, _("Fermata non trovata."))
    visible_route(stop.route_id, user)
    return photos.photo_of(stop)


def _actable(stop_id: int, user: User) -> RouteStop:
    """A stop of a published route driven by ``user``: only the assigned driver reports on it."""
    stop: RouteStop = _found(RouteStop, stop_id, _("Fermata non trovata."))
    if stop.route.driver_id != user.id:
        raise PermissionDenied(_("Puoi registrare solo le fermate del tuo giro."))
    status = stop.route.plan.status
    if status != PlanStatus.PUBLISHED:
        message = _("Il giro è chiuso: non si registrano più fermate.") if status == PlanStatus.CLOSED else None
        raise RoundNotOpen(message or _("Il giro non è ancora pubblicato."))
    return stop


def _claim(stop: RouteStop, status: str, at: datetime, **values: Any) -> None:
    """Compare-and-set from pending: of two different submissions for one stop, only the first counts."""
    done = db.session.execute(
        update(RouteStop)
        .where(RouteStop.id == stop.id, RouteStop.status == StopStatus.PENDING)
        .values(status=status, completed_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(_("Fermata già registrata: nessuna modifica."), field="stop")
    db.session.refresh(stop)


def _non_bin_kg(data: collection.PickupData) -> float | None:
    """Kilograms reported at a reload or delivery stop (no bin: only plausibility of the number)."""
    if data.weight_kg is None:
        return None
    kg = float(data.weight_kg)
    if kg < 0 or kg > MAX_NON_BIN_KG:
        raise ValidationError(_("Peso non valido."), field="weight_kg")
    return kg


def _record_visit(stop: RouteStop, data: collection.PickupData, user: User, now: datetime) -> None:
    """The pickup of a bin stop (validated by ``record_pickup``), linked to the stop."""
    pickup = collection.record_pickup(data, user, source=PickupSource.ROUND, now=now)
    stop.pickup_id = pickup.id
    stop.completed_at = pickup.collected_at
    if pickup.weight_kg is not None:
        stop.actual_kg = float(pickup.weight_kg)
    stop.actual_fill_percent = pickup.fill_percent
    db.session.flush()


def _moment(body: dict[str, Any]) -> datetime | None:
    return schemas.parse_moment(body.get("collected_at"), "collected_at")


def mark_done(stop_id: int, payload: Any, user: User, now: datetime | None = None) -> RouteStop:
    """Record a stop as done (with an optional checked photo); at a bin this is a pickup through ``record_pickup``."""
    stop = _actable(stop_id, user)
    fields = HANDOVER_FIELDS if stop.kind == StopKind.DELIVERY else DONE_FIELDS
    body = dict(_object(payload, fields | {"photo"}))
    photo = photos.parse_photo(body.pop("photo", None))
    if stop.kind == StopKind.DELIVERY:
        _deliveries().done_at_stop(stop, body, user, _moment(body), with_photo=photo is not None)
    else:
        _done_at_stop(stop, body, user, now or utcnow())
    photos.attach(stop, photo, user)
    return stop


def _done_at_stop(stop: RouteStop, body: dict[str, Any], user: User, now: datetime) -> None:
    """«Done» at a bin (a pickup through ``record_pickup``) or at a reload stop (kilograms only)."""
    data = schemas.parse_pickup({**body, "bin_id": stop.bin_id or 0})
    if stop.kind != StopKind.BIN or stop.bin_id is None:
        _claim(stop, StopStatus.DONE, data.collected_at or now, actual_kg=_non_bin_kg(data))
        return
    _claim(stop, StopStatus.DONE, data.collected_at or now)
    _record_visit(stop, data, user, now)


def _reason(body: dict[str, Any]) -> SkipReason:
    value = body.get("reason")
    if not value:
        raise ValidationError(_("Indica il motivo per cui salti la fermata."), field="reason")
    try:
        return SkipReason(value)
    except ValueError as error:
        raise ValidationError(_("Motivo sconosciuto: %(code)s.", code=value), field="reason") from error


def mark_skipped(stop_id: int, payload: Any, user: User, now: datetime | None = None) -> RouteStop:
    """Record a stop as skipped with a reason code; a missing or unreachable bin is also logged as a visit."""
    stop = _actable(stop_id, user)
    body = _object(payload, SKIP_FIELDS)
    if stop.kind == StopKind.DELIVERY:
        return _deliveries().failed_at_stop(stop, body, user, _moment(body))  # type: ignore[no-any-return]
    reason = _reason(body)
    notes = body.get("notes") or ""
    if not isinstance(notes, str):
        raise ValidationError(_("Serve un testo."), field="notes")
    at = _moment(body)
    now = now or utcnow()
    _claim(stop, StopStatus.SKIPPED, at or now, skip_reason=reason.value)
    if reason in SKIP_INCIDENTS and stop.bin_id is not None:
        incidents = [SKIP_INCIDENTS[reason]]
        visit = collection.PickupData(bin_id=stop.bin_id, collected_at=at, incidents=incidents, notes=notes)
        _record_visit(stop, visit, user, now)
    return stop


def stop_json(stop: RouteStop) -> dict[str, Any]:
    """A stop's outcome as the phone needs it after an action."""
    return {
        "id": stop.id,
        "status": stop.status,
        "skip_reason": stop.skip_reason,
        "actual_kg": stop.actual_kg,
        "actual_fill_percent": stop.actual_fill_percent,
        "pickup_id": stop.pickup_id,
        "completed_at": stop.completed_at.isoformat() if stop.completed_at else None,
    }


@dataclass(frozen=True)
class Navigation:
    geo: str
    osm: str
    google: str


def navigation(lon: float, lat: float) -> Navigation:
    """Links that open a navigator on the point: geo: URI (Android), OpenStreetMap, Google Maps."""
    at = f"{lat:.6f},{lon:.6f}"
    return Navigation(
        geo=f"geo:{at}?q={at}",
        osm=f"https://www.openstreetmap.org/directions?to={lat:.6f}%2C{lon:.6f}#map=18/{lat:.6f}/{lon:.6f}",
        google=f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f}%2C{lon:.6f}",
    )


def clock(moment: datetime | None) -> str:
    """HH:MM in Rome, as on a route sheet."""
    return moment.astimezone(ROME).strftime("%H:%M") if moment else ""


def located(stop: RouteStop, user: User | None) -> bool:
    """Whether ``user`` may see a stop's exact point: a household's door is identity (welfare decides and logs)."""
    return stop.kind != StopKind.DELIVERY or _deliveries().may_locate(stop, user)


def _stop_row(stop: RouteStop, exact: bool) -> dict[str, Any]:
    bin_ = stop.bin
    if bin_ is not None:
        label, address, notes = bin_.code, bin_.address, bin_.access_notes
    else:
        site = stop.site
        label, address, notes = (site.name if site else stop.reference), _site_address(site), ""
    return {
        **stop_json(stop),
        "sequence": stop.sequence,
        "kind": stop.kind,
        "bin_code": bin_.code if bin_ else "",
        "operator_id": bin_.operator_id if bin_ else None,
        "label": label,
        "address": address,
        "access_notes": notes,
        "planned_kg": stop.planned_kg,
        "load_after_kg": stop.load_after_kg,
        "arrival": clock(stop.arrival_at),
        "lon": stop.lon if exact else None,
        "lat": stop.lat if exact else None,
        "nav": navigation(stop.lon, stop.lat).__dict__ if exact else None,
    }


def _site_address(site: Any) -> str:
    if site is None:
        return ""
    return f"{site.street} {site.civic_number}, {site.cap}".strip(" ,")


def hides_points(sheet: dict[str, Any]) -> bool:
    """Whether a sheet leaves out some stop's point: then the road path, which runs to that door, is left out too."""
    return any(row["lon"] is None for row in sheet["stops"])


def route_sheet(route: RoundRoute, user: User | None = None) -> dict[str, Any]:
    """Everything a route sheet shows (phone page, its offline JSON, the PDF, the GPX), as ``user`` may see it.

    A delivery's address and point are given only to its driver on the service day (the read is logged).
    """
    plan = route.plan
    stops = []
    final = unload.final_unload(route)
    for stop, on_board in zip(route.stops, unload.arriving_kg(list(route.stops)), strict=True):
        row = _stop_row(stop, located(stop, user))
        if stop.kind == StopKind.RELOAD:
            row |= {"unload_kg": on_board, "final_unload": final is not None and stop is final["stop"]}
        if stop.kind == StopKind.DELIVERY:
            row.update(_deliveries().sheet_fields(stop, user))
        stops.append(row)
    return {
        "id": route.id,
        "plan_id": plan.id,
        "plan_status": plan.status,
        "service_date": plan.service_date.isoformat(),
        "vehicle": route.vehicle.plate,
        "driver": route.driver.full_name if route.driver else "",
        "start_site": route.start_site.name,
        "end_site": route.end_site.name,
        "start": clock(route.start_at),
        "end": clock(route.end_at),
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "load_kg": route.load_kg,
        "approximate": plan.approximate,
        "stops": stops,
    }
