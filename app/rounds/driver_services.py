"""Driver mode rules: who sees which route, its sheet, and marking stops done or skipped (through the stop kinds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app.auth.models import User
from app.collection.models import fill_kg
from app.collection.schemas import json_object
from app.core.clock import local_hhmm, local_today, utcnow
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied
from app.extensions import db
from app.fleet.models import Vehicle
from app.i18n import fmt_date
from app.rounds import kinds, photos, unload
from app.rounds.models import PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopPhoto, StopStatus


class RoundNotOpen(ConflictError):
    code = "round_not_open"


def todays_routes(user: User, today: date | None = None) -> list[RoundRoute]:
    """The published routes of ``today`` (Rome) where ``user`` is the driver, in plan order (also for tomorrow)."""
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
    if can(user, Permission.SEE_ALL_OPERATORS) or route.driver_id == user.id:
        return True
    if can(user, Permission.VIEW_ROUNDS):  # an operator: the routes of its organisation's vehicles
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
    if not can(user, Permission.SEE_ALL_OPERATORS) and not any(can_see(route, user) for route in plan.routes):
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
    _check_open(stop.route)
    return stop


def _check_open(route: RoundRoute, today: date | None = None) -> None:
    status = route.plan.status
    if status == PlanStatus.CLOSED or route.closed_at is not None:
        raise RoundNotOpen(_("Il giro è chiuso: non si registrano più fermate."))
    if status != PlanStatus.PUBLISHED:
        raise RoundNotOpen(_("Il giro non è ancora pubblicato."))
    if route.plan.service_date > (today or local_today()):
        raise RoundNotOpen(
            _("Il giro è del %(day)s: fino ad allora si può solo consultare.", day=fmt_date(route.plan.service_date))
        )


def can_act(route: RoundRoute, user: User, today: date | None = None) -> bool:
    """Whether ``user`` reports on the route's stops now: its driver, published, open, not a future day."""
    plan = route.plan
    return (
        route.driver_id == user.id
        and plan.status == PlanStatus.PUBLISHED
        and route.closed_at is None
        and plan.service_date <= (today or local_today())
    )


def _stop_name(stop: RouteStop) -> str:
    label = stop.bin.code if stop.bin else (stop.site.name if stop.site else stop.reference)
    return _("n. %(seq)s %(label)s", seq=stop.sequence, label=label).strip()


def close_route(route_id: int, user: User, now: datetime | None = None) -> RoundRoute:
    """The driver ends the round; refused while a stop is pending (each is marked done or skipped first).

    A closed round takes no more stop reports; its last part (the pickups after its last unload) then
    waits for intake at the plant.
    """
    route: RoundRoute | None = db.session.get(RoundRoute, route_id, with_for_update=True, populate_existing=True)
    if route is None:
        raise NotFoundError(_("Giro non trovato."))
    if route.driver_id != user.id:
        raise PermissionDenied(_("Puoi chiudere solo il tuo giro."))
    _check_open(route)
    pending = unload.pending_stops(route)
    if pending:
        names = ", ".join(_stop_name(s) for s in pending)
        raise ConflictError(
            _(
                "Fermate ancora da registrare: %(stops)s. Segnale come fatte o saltate, poi chiudi il giro.",
                stops=names,
            ),
            field="route",
        )
    unload.close(route, user, now or utcnow())
    return route


def mark_done(stop_id: int, payload: Any, user: User, now: datetime | None = None) -> RouteStop:
    """Record a stop as done (with an optional checked photo), as its kind does it (a pickup at a bin)."""
    stop = _actable(stop_id, user)
    hooks = kinds.stop_kind(stop.kind)
    body = dict(json_object(payload, hooks.done_fields | {"photo"}))
    photo = photos.parse_photo(body.pop("photo", None))
    hooks.on_done(stop, kinds.StopAction(body, user, now or utcnow(), with_photo=photo is not None))
    photos.attach(stop, photo, user)
    return stop


def mark_skipped(stop_id: int, payload: Any, user: User, now: datetime | None = None) -> RouteStop:
    """Record a stop as skipped with a reason code, as its kind does it."""
    stop = _actable(stop_id, user)
    hooks = kinds.stop_kind(stop.kind)
    hooks.on_skip(stop, kinds.StopAction(json_object(payload, hooks.skip_fields), user, now or utcnow()))
    return stop


def undo_window() -> timedelta:
    return timedelta(minutes=current_app.config["DRIVER_UNDO_MINUTES"])


def undo_until(stop: RouteStop) -> datetime | None:
    """Until when the driver may take back the stop's «Fatto» or «Salta» (None: not undoable)."""
    if stop.status == StopStatus.PENDING or stop.completed_at is None:
        return None
    if kinds.stop_kind(stop.kind).on_undo is None:
        return None
    return stop.completed_at + undo_window()


def mark_undone(stop_id: int, payload: Any, user: User, now: datetime | None = None) -> RouteStop:
    """«Annulla» within the undo window: the stop is to do again, as its kind takes its record back."""
    stop = _actable(stop_id, user)
    json_object(payload, frozenset({"collected_at"}))
    hooks = kinds.stop_kind(stop.kind)
    if hooks.on_undo is None:
        raise ConflictError(_("Una consegna registrata non si annulla dal telefono: chiama il coordinamento."))
    until = undo_until(stop)
    if stop.status == StopStatus.PENDING or until is None:
        raise ConflictError(_("Fermata ancora da fare: niente da annullare."), field="stop")
    now = now or utcnow()
    if now > until:
        minutes = current_app.config["DRIVER_UNDO_MINUTES"]
        raise ConflictError(
            ngettext(
                "Troppo tardi per annullare: si può solo nel minuto dopo «Fatto».",
                "Troppo tardi per annullare: si può solo nei %(num)s minuti dopo «Fatto».",
                minutes,
            ),
            field="stop",
        )
    hooks.on_undo(stop, kinds.StopAction({}, user, now))
    photos.detach(stop)
    return stop


def stop_json(stop: RouteStop) -> dict[str, Any]:
    """A stop's outcome as the phone needs it after an action."""
    until = undo_until(stop)
    return {
        "undo_until": until.isoformat() if until else None,
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


def located(stop: RouteStop, user: User | None) -> bool:
    """Whether ``user`` may see a stop's exact point: its kind decides (a household's door is identity)."""
    return kinds.stop_kind(stop.kind).may_locate(stop, user)


def _stop_row(stop: RouteStop, user: User | None) -> dict[str, Any]:
    exact = located(stop, user)
    bin_ = stop.bin
    return {
        **stop_json(stop),
        "sequence": stop.sequence,
        "kind": stop.kind,
        "bin_code": bin_.code if bin_ else "",
        "operator_id": bin_.operator_id if bin_ else None,
        "label": stop.reference,
        "address": "",
        "access_notes": "",
        "planned_kg": stop.planned_kg,
        "load_after_kg": stop.load_after_kg,
        "arrival": local_hhmm(stop.arrival_at),
        "lon": stop.lon if exact else None,
        "lat": stop.lat if exact else None,
        "nav": navigation(stop.lon, stop.lat).__dict__ if exact else None,
        **kinds.stop_kind(stop.kind).sheet_fields(stop, user),
    }


def hides_points(sheet: dict[str, Any]) -> bool:
    """Whether a sheet leaves out some stop's point: then the road path, which runs to that door, is left out too."""
    return any(row["lon"] is None for row in sheet["stops"])


def _collected_kg(stop: RouteStop) -> float:
    """The kg a done bin stop put on board: weighed, or what its fill level stands for."""
    if stop.status != StopStatus.DONE or stop.kind != StopKind.BIN:
        return 0.0
    if stop.actual_kg is not None:
        return stop.actual_kg
    if stop.actual_fill_percent is not None and stop.bin is not None:
        return float(fill_kg(stop.actual_fill_percent, stop.bin.full_weight_kg))
    return 0.0


def collected_on_board(stops: list[RouteStop]) -> list[float]:
    """The kg actually collected and on board as the truck reaches each stop (emptied at each unload)."""
    out, load = [], 0.0
    for stop in stops:
        out.append(round(load, 1))
        load = 0.0 if stop.kind == StopKind.RELOAD else load + _collected_kg(stop)
    return out


def route_sheet(route: RoundRoute, user: User | None = None) -> dict[str, Any]:
    """Everything a route sheet shows (phone page, its offline JSON, the PDF, the GPX), as ``user`` may see it.

    A delivery's address and point are given only to its driver on the service day (the read is logged).
    """
    plan = route.plan
    stops = []
    final = unload.final_unload(route)
    collected = collected_on_board(list(route.stops))
    for stop, on_board, actual in zip(route.stops, unload.arriving_kg(list(route.stops)), collected, strict=True):
        row = _stop_row(stop, user)
        if stop.kind == StopKind.RELOAD:  # rounds' own kind: the unload shows what the truck brings
            final_unload = final is not None and stop is final["stop"]
            row |= {"unload_kg": on_board, "on_board_kg": actual, "final_unload": final_unload}
        stops.append(row)
    return {
        "id": route.id,
        "plan_id": plan.id,
        "plan_status": plan.status,
        "service_date": plan.service_date.isoformat(),
        "service_day": fmt_date(plan.service_date),
        "vehicle": route.vehicle.plate,
        "driver": route.driver.full_name if route.driver else "",
        "start_site": route.start_site.name,
        "end_site": route.end_site.name,
        "start": local_hhmm(route.start_at),
        "end": local_hhmm(route.end_at),
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "load_kg": route.load_kg,
        "approximate": plan.approximate,
        "closed_at": route.closed_at.isoformat() if route.closed_at else None,
        "stops": stops,
    }
