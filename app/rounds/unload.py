"""The final unload of collection rounds: trucks unload at the sorting plant, then drive home empty."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.rounds.adapters import VehicleRecord
from app.rounds.models import PlanKind, PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus
from app.rounds.selection import vehicle_record


def unload_site(plan: RoundPlan) -> Site | None:
    """The plant where the plan's trucks unload before going home; None when they end at the plant."""
    params = json.loads(plan.params_json or "{}")
    if plan.kind != PlanKind.COLLECTION or not params.get("end_empty"):
        return None
    ids = params.get("site_ids") or []
    return db.session.scalar(
        select(Site).where(Site.id.in_(ids), Site.kind == SiteKind.SORTING_PLANT).order_by(Site.id).limit(1)
    )


def plant_of(route: RoundRoute, plant: Site | None) -> Site:
    """Where the route unloads (its end site when it ends at the plant)."""
    return plant or route.end_site


def route_vehicle(route: RoundRoute, plant: Site | None) -> VehicleRecord:
    """The routing vehicle of a saved route, ending as it was planned."""
    day = route.plan.service_date
    if plant is None:
        return vehicle_record(route.vehicle, day, route.start_site, route.end_site)
    return vehicle_record(route.vehicle, day, route.start_site, plant, route.end_site)


def is_final_unload(route: RoundRoute, stop: RouteStop) -> bool:
    """Whether ``stop`` is the unload that closes the route (its last stop, at a site)."""
    stops = sorted(route.stops, key=lambda s: s.sequence)
    return bool(stops) and stops[-1] is stop and stop.kind == StopKind.RELOAD


def with_final_unload(
    routes: Sequence[RoundRoute], orders: Mapping[int, list[RouteStop]], plant: Site | None
) -> dict[int, list[RouteStop]]:
    """Hand-edited orders with one final unload at the end of each route that has stops.

    Moving a bin after the final unload, or onto an idle route, would leave a truck going home loaded:
    the final unload rows are taken out wherever they were moved, and put back last.
    """
    if plant is None:
        return dict(orders)
    finals = {r.id: r.stops[-1] for r in routes if r.stops and is_final_unload(r, r.stops[-1])}
    taken = {id(s) for s in finals.values()}
    out = {}
    for route_id, rows in orders.items():
        rows = [s for s in rows if id(s) not in taken]
        while rows and rows[-1].kind == StopKind.RELOAD:
            rows.pop()
        if rows:
            final = finals.get(route_id) or RouteStop(
                kind=StopKind.RELOAD, site_id=plant.id, lon=plant.lon, lat=plant.lat, sequence=0
            )
            rows.append(final)
        out[route_id] = rows
    return out


def arriving_kg(stops: Sequence[RouteStop]) -> list[int]:
    """The kg on board as the truck reaches each stop (what an unload unloads): the previous stop's load."""
    return [0, *(s.load_after_kg or 0 for s in stops[:-1])][: len(stops)]


def final_unload(route: RoundRoute) -> dict[str, object] | None:
    """The unload that closes a collection round before the truck goes home: site, time, kg on board."""
    stops = sorted(route.stops, key=lambda s: s.sequence)
    if not stops or stops[-1].kind != StopKind.RELOAD or route.end_site_id == stops[-1].site_id:
        return None
    last = stops[-1]
    return {"stop": last, "site": last.site.name if last.site else "", "kg": arriving_kg(stops)[-1]}


def route_ended(route: RoundRoute) -> bool:
    """Whether the round is over: closed by its driver (or by its final unload), or its plan's day closed."""
    return route.closed_at is not None or route.plan.status == PlanStatus.CLOSED


@dataclass(frozen=True)
class Unload:
    """One unload of a collection round and the pickups the truck carried to it.

    ``stop`` is a reload stop marked done; None is the round's end (what is on board after its last
    unload, once the round has ended).
    """

    route: RoundRoute
    stop: RouteStop | None
    pickup_ids: tuple[int, ...]


def unloads(route: RoundRoute) -> list[Unload]:
    """The unloads of a collection round so far, each with the pickups of the bins done since the previous one.

    Stops count in the order they were done (time, then sequence), not as planned: a bin emptied after
    a reload travels to the next unload.
    """
    done = sorted(
        (s for s in route.stops if s.status == StopStatus.DONE and s.completed_at is not None),
        key=lambda s: (s.completed_at, s.sequence),
    )
    found, carried = [], []
    for stop in done:
        if stop.kind == StopKind.RELOAD:
            found.append(Unload(route, stop, tuple(carried)))
            carried = []
        elif stop.kind == StopKind.BIN and stop.pickup_id is not None:
            carried.append(stop.pickup_id)
    if route_ended(route):
        found.append(Unload(route, None, tuple(carried)))
    return found


def pending_stops(route: RoundRoute) -> list[RouteStop]:
    return [s for s in route.stops if s.status == StopStatus.PENDING]


def close(route: RoundRoute, user: User, at: datetime) -> None:
    """Mark the round ended (by its driver, or by its final unload)."""
    route.closed_at = at
    route.closed_by = user
    db.session.flush()


def close_on_final_unload(stop: RouteStop, user: User, at: datetime) -> None:
    """A final unload marked done ends the round, when no other stop is still pending."""
    route = stop.route
    if is_final_unload(route, stop) and route.plan.kind == PlanKind.COLLECTION and not pending_stops(route):
        close(route, user, at)
