"""Round unloads waiting for intake at the plant: every reload stop marked done, and every ended round's last part."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.collection.models import Pickup
from app.core.clock import local_today
from app.errors import ConflictError, NotFoundError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.rounds import unload as unloads
from app.rounds.models import PlanKind, PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus
from app.sorting.models import IntakeBatch, batch_pickup
from app.sorting.queries import acts_on

WAITING_DAYS = 60  # rounds older than this are not listed as waiting (their loads were taken in long ago)


@dataclass(frozen=True)
class Arrival:
    """One unload of a collection round, as the plant takes it in: where, and the pickups it carries."""

    route: RoundRoute
    stop: RouteStop | None  # the reload stop; None: the round's end
    site: Site | None
    pickups: tuple[Pickup, ...]

    @property
    def kg(self) -> Decimal:
        return sum((p.kg for p in self.pickups), Decimal(0))

    @property
    def bins(self) -> list[str]:
        return sorted({p.bin.code for p in self.pickups})

    @property
    def unweighed(self) -> int:
        return sum(1 for p in self.pickups if p.estimated)

    @property
    def at(self) -> datetime | None:
        return self.stop.completed_at if self.stop is not None else self.route.closed_at

    @property
    def stop_id(self) -> int | None:
        return self.stop.id if self.stop is not None else None


def end_site(route: RoundRoute) -> Site | None:
    """Where a round's last part is unloaded: its end site when a plant, else the plant of its final unload."""
    if route.end_site.kind == SiteKind.SORTING_PLANT:
        return route.end_site
    return unloads.unload_site(route.plan)


def _live(pickup_ids: tuple[int, ...]) -> dict[int, Pickup]:
    """The current version of each pickup (a corrected one is replaced by its correction), keyed by the id done."""
    rows = {p.id: p for p in db.session.scalars(select(Pickup).where(Pickup.id.in_(pickup_ids)))} if pickup_ids else {}
    live = {}
    for pickup_id in pickup_ids:
        pickup = rows.get(pickup_id)
        while pickup is not None and pickup.superseded:
            pickup = db.session.scalar(select(Pickup).where(Pickup.corrects_id == pickup.id).order_by(Pickup.id))
        if pickup is not None:
            live[pickup_id] = pickup
    return live


def _taken(pickup_ids: list[int]) -> set[int]:
    if not pickup_ids:
        return set()
    query = select(batch_pickup.c.pickup_id).where(batch_pickup.c.pickup_id.in_(pickup_ids))
    return set(db.session.scalars(query))


def arrivals_of(route: RoundRoute) -> list[Arrival]:
    """Every unload of a round so far, each with its pickups not yet in any intake."""
    found = unloads.unloads(route)
    live = _live(tuple(i for u in found for i in u.pickup_ids))
    taken = _taken([p.id for p in live.values()])
    return [
        Arrival(
            route=route,
            stop=u.stop,
            site=u.stop.site if u.stop is not None else end_site(route),
            pickups=tuple(live[i] for i in u.pickup_ids if i in live and live[i].id not in taken),
        )
        for u in found
    ]


def _taken_unloads(route_ids: list[int]) -> tuple[set[int], set[int]]:
    """The reload stops and the round ends already taken in, among these rounds."""
    query = select(IntakeBatch.unload_stop_id, IntakeBatch.end_of_route_id).where(
        IntakeBatch.route_id.in_(route_ids),
        or_(IntakeBatch.unload_stop_id.isnot(None), IntakeBatch.end_of_route_id.isnot(None)),
    )
    rows = db.session.execute(query).all()
    return {s for s, _e in rows if s is not None}, {e for _s, e in rows if e is not None}


def _candidate_routes() -> list[RoundRoute]:
    """Recent collection rounds with an unload: a reload stop done, or the round ended."""
    since = local_today() - timedelta(days=WAITING_DAYS)
    unloaded = select(RouteStop.route_id).where(RouteStop.kind == StopKind.RELOAD, RouteStop.status == StopStatus.DONE)
    # A round whose every pickup is in an intake has nothing waiting (a superset: corrections are sorted out later).
    carrying = select(RouteStop.route_id).where(
        RouteStop.pickup_id.isnot(None),
        ~select(batch_pickup.c.pickup_id).where(batch_pickup.c.pickup_id == RouteStop.pickup_id).exists(),
    )
    query = (
        select(RoundRoute)
        .join(RoundPlan)
        .where(
            RoundPlan.kind == PlanKind.COLLECTION,
            RoundPlan.status.in_((PlanStatus.PUBLISHED, PlanStatus.CLOSED)),
            RoundPlan.service_date >= since,
            or_(RoundRoute.closed_at.isnot(None), RoundPlan.status == PlanStatus.CLOSED, RoundRoute.id.in_(unloaded)),
            RoundRoute.id.in_(carrying),
        )
        .options(selectinload(RoundRoute.stops))
        .order_by(RoundPlan.service_date, RoundRoute.id)
    )
    return list(db.session.scalars(query))


def waiting(user: User | None) -> list[Arrival]:
    """The unloads not yet taken in, at plants the user may act on, oldest first; each carries a pickup at least."""
    routes = _candidate_routes()
    stops_taken, ends_taken = _taken_unloads([r.id for r in routes])
    found = []
    for route in routes:
        for item in arrivals_of(route):
            done = item.stop_id in stops_taken if item.stop is not None else route.id in ends_taken
            if not done and item.pickups and item.site is not None and acts_on(user, item.site):
                found.append(item)
    return found


def find(route_id: int, stop_id: int | None) -> Arrival:
    """One unload of a round (``stop_id`` None: the round's end), refused once taken in; no access check here."""
    route = db.session.get(RoundRoute, route_id)
    if route is None or route.plan.kind != PlanKind.COLLECTION or route.plan.status == PlanStatus.DRAFT:
        raise NotFoundError(_("Giro inesistente o non pubblicato."), field="route_id")
    item = next((a for a in arrivals_of(route) if a.stop_id == stop_id), None)
    if item is None:
        message = _("Il giro non è ancora chiuso.") if stop_id is None else _("Scarico inesistente o non ancora fatto.")
        raise NotFoundError(message, field="route_id")
    column = IntakeBatch.unload_stop_id if stop_id is not None else IntakeBatch.end_of_route_id
    batch = db.session.scalar(select(IntakeBatch).where(column == (stop_id if stop_id is not None else route_id)))
    if batch is not None:
        raise ConflictError(
            _("Questo scarico è già stato preso in carico (lotto %(lot)s).", lot=batch.lot_code), field="route_id"
        )
    return item


@dataclass(frozen=True)
class OtherLoad:
    """A load a round brought that is no bin's pickup (a firm's surplus): weighed apart, taken in on its own page."""

    label: str
    route: RoundRoute
    site: Site | None
    kg: Decimal | None
    at: datetime | None
    endpoint: str  # the page that takes it in, linked to its own record
    args: Mapping[str, int] = field(default_factory=dict)


# Higher domains whose round stops bring loads of their own (symbiosis) list them here at start-up, so the plant
# sees them with the round's unloads; each is taken in once, by its own domain, which keeps the link to its record.
_LOADS: list[Callable[[], list[OtherLoad]]] = []


def register_loads(source: Callable[[], list[OtherLoad]]) -> None:
    if source not in _LOADS:
        _LOADS.append(source)


def other_loads(user: User | None) -> list[OtherLoad]:
    """The other loads not yet taken in, at plants the user may act on, oldest first."""
    found = [load for source in _LOADS for load in source() if load.site is not None and acts_on(user, load.site)]
    return sorted(found, key=lambda load: (load.at is None, load.at or datetime.min, load.label))
