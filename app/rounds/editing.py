"""Hand edits of a plan (move, reorder, lock) and publication, each re-checked and guarded by ``version``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext

from app.auth.models import User
from app.core.clock import local_midnight, utcnow
from app.core.policy import Permission, can
from app.core.refs import vehicle_key
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.rounds import adapters, bookings, kinds, labels, unload
from app.rounds.models import PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus
from app.rounds.persist import apply_path, apply_visits, refresh_totals, route_points, stop_key, stop_record
from app.rounds.selection import site_record


def guard(plan: RoundPlan, expected_version: int) -> None:
    """Refuse an edit made on an older version of the plan, or on a closed plan."""
    if plan.version != expected_version:
        raise ConflictError(_("Il piano è stato modificato da qualcun altro: ricarica la pagina"))
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError(_("Il piano è chiuso e non si può più modificare."))


def guard_draft(plan: RoundPlan) -> None:
    """Refuse a hand edit of a published plan: drivers already have it; a re-plan makes a new version."""
    if plan.status == PlanStatus.PUBLISHED:
        raise ConflictError(
            _("Il piano è pubblicato e non si modifica più a mano: usa «Ripianifica», che ne crea una nuova versione.")
        )


def network() -> object | None:
    return adapters.configured_network()


def _records(plan: RoundPlan, orders: dict[int, Sequence[RouteStop]]) -> adapters.Built:
    """The routing problem of the plan's current routes (stops as planned, no alternatives)."""
    sites, plant = {}, unload.unload_site(plan)
    for route in plan.routes:
        sites[route.start_site_id], sites[route.end_site_id] = route.start_site, route.end_site
    if plant is not None:
        sites[plant.id] = plant
    vehicles = [unload.route_vehicle(r, plant) for r in plan.routes]
    stops = [stop_record(s) for rows in orders.values() for s in rows if s.kind != StopKind.RELOAD]
    return adapters.build_problem([site_record(s) for s in sites.values()], vehicles, stops, network())


def apply_orders(plan: RoundPlan, orders: dict[int, list[RouteStop]], changed: set[int]) -> None:
    """Re-check the whole plan with the stops in ``orders`` (route id → rows) and save times and paths."""
    orders = unload.with_final_unload(plan.routes, orders, unload.unload_site(plan))
    built = _records(plan, orders)
    if built.excluded:
        raise ValidationError(_("Modifica non fattibile: %(detail)s", detail="; ".join(built.excluded.values())))
    start = local_midnight(plan.service_date)
    routes = {r.id: r for r in plan.routes}
    sequences = {
        vehicle_key(routes[rid].vehicle_id): (
            int((routes[rid].start_at - start).total_seconds()),
            [stop_key(s) for s in rows],
        )
        for rid, rows in orders.items()
        if rows
    }
    check = adapters.recheck(built, sequences)
    if check.violations:
        names = labels.key_names(plan, [s for rows in orders.values() for s in rows])
        detail = labels.explain_all(check.violations, names, plan.service_date)
        raise ValidationError(_("Modifica non fattibile: %(detail)s.", detail=detail))
    for route in plan.routes:
        if not orders[route.id]:
            _make_idle(route)
    for result in check.routes:
        route = next(r for r in plan.routes if vehicle_key(r.vehicle_id) == result.vehicle_key)
        apply_visits(route, orders[route.id], result, plan.service_date)
        if route.id in changed:
            apply_path(route, adapters.road_path(network(), route_points(route)))
    refresh_totals(plan, check.cost)
    plan.version += 1
    db.session.flush()


def _make_idle(route: RoundRoute) -> None:
    route.stops = []
    route.end_at, route.distance_m, route.duration_s, route.load_kg = route.start_at, 0, 0, 0
    route.geometry_json, route.streets_json = "", "[]"


def _find(plan: RoundPlan, stop_id: int) -> tuple[RoundRoute, RouteStop]:
    for route in plan.routes:
        for stop in route.stops:
            if stop.id == stop_id:
                return route, stop
    raise NotFoundError(_("Fermata non trovata in questo piano."))


def _movable(stop: RouteStop) -> None:
    if stop.status != StopStatus.PENDING:
        raise ValidationError(_("La fermata è già stata eseguita o saltata: non si può spostare."))
    if stop.locked:
        raise ValidationError(_("La fermata è bloccata: sbloccala prima di spostarla."))


def move_stop(plan: RoundPlan, stop_id: int, to_route_id: int, position: int, expected_version: int) -> RoundPlan:
    """Move a stop to ``position`` (1-based) of another route (or the same one), re-checked and costed."""
    guard(plan, expected_version)
    guard_draft(plan)
    source, stop = _find(plan, stop_id)
    target = next((r for r in plan.routes if r.id == to_route_id), None)
    if target is None:
        raise NotFoundError(_("Giro non trovato in questo piano."))
    _movable(stop)
    orders = {r.id: [s for s in r.stops if s.id != stop.id] for r in plan.routes}
    at = min(max(position, 1), len(orders[target.id]) + 1) - 1
    orders[target.id].insert(at, stop)
    apply_orders(plan, orders, {source.id, target.id})
    return plan


def reorder_stop(plan: RoundPlan, stop_id: int, position: int, expected_version: int) -> RoundPlan:
    """Move a stop to another position of its own route."""
    route, _stop = _find(plan, stop_id)
    return move_stop(plan, stop_id, route.id, position, expected_version)


def set_locked(plan: RoundPlan, stop_id: int, locked: bool, expected_version: int) -> RoundPlan:
    """Lock a stop in place (re-optimisation keeps it on its route) or unlock it."""
    guard(plan, expected_version)
    guard_draft(plan)
    _route, stop = _find(plan, stop_id)
    stop.locked = locked
    apply_orders(plan, {r.id: list(r.stops) for r in plan.routes}, set())
    return plan


def publish_plan(plan: RoundPlan, expected_version: int, user: User | None = None) -> RoundPlan:
    """Make the plan visible to drivers, after a last full check and what its kind does on publication."""
    guard(plan, expected_version)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Solo una bozza si può pubblicare."))
    if not any(r.stops for r in plan.routes):
        raise ValidationError(_("Il piano non ha giri da pubblicare."))
    apply_orders(plan, {r.id: list(r.stops) for r in plan.routes}, set())
    bookings.check_publishable(plan)
    kinds.get(plan.kind).on_publish(plan, user)
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = utcnow()
    db.session.flush()
    return plan


def set_driver(plan: RoundPlan, route_id: int, driver_id: int | None, expected_version: int) -> RoundPlan:
    """Give a route of a draft its driver (one of the vehicle's organisation), or none."""
    guard(plan, expected_version)
    guard_draft(plan)
    route = next((r for r in plan.routes if r.id == route_id), None)
    if route is None:
        raise NotFoundError(_("Giro non trovato in questo piano."))
    if driver_id:
        driver = db.session.get(User, driver_id)
        if driver is None or driver.organisation_id != route.vehicle.organisation_id or not can_drive(driver):
            raise ValidationError(_("Autista non valido per questo mezzo."), field="driver_id")
    route.driver_id = driver_id or None
    plan.version += 1
    db.session.flush()
    return plan


def can_drive(user: User) -> bool:
    return user.active and can(user, Permission.TAKE_ROUTES)


def publish_reviewed(plan: RoundPlan, expected_version: int, user: User | None = None) -> RoundPlan:
    """Publication from the review page: every route with stops must have its driver, then :func:`publish_plan`."""
    guard(plan, expected_version)
    missing = [r.vehicle.plate for r in plan.routes if r.stops and r.driver_id is None]
    if missing:
        raise ValidationError(
            ngettext(
                "Non si può pubblicare: il giro del mezzo %(plates)s non ha un autista. Assegnalo e riprova.",
                "Non si può pubblicare: i giri dei mezzi %(plates)s non hanno un autista. Assegnali e riprova.",
                len(missing),
                plates=", ".join(missing),
            ),
            field="driver",
        )
    return publish_plan(plan, expected_version, user)


def params(plan: RoundPlan) -> dict[str, object]:
    return json.loads(plan.params_json or "{}")
