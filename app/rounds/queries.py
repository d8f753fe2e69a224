"""Read side of round planning: who sees which plan, and the data of the list, form and review pages."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.bins.models import Bin
from app.core.clock import at_second, local_hhmm
from app.core.policy import Permission, can, roles_with
from app.errors import NotFoundError, PermissionDenied
from app.extensions import db
from app.fleet.models import Site, SiteKind, Vehicle
from app.rounds import bookings, labels, unload
from app.rounds.driver_services import located
from app.rounds.models import RoundPlan, RoundRoute, RouteStop, StopKind, UnassignedStop, WeekPlan, WeekPlanDay

# Distinct colours (Okabe-Ito, then Tableau) for routes on the map and in the tables.
COLOURS = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
    "#000000", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD",
]  # fmt: skip


def colour(position: int) -> str:
    return COLOURS[position % len(COLOURS)]


def _visible(query: Any, user: User) -> Any:
    if can(user, Permission.PLAN_ROUNDS):
        return query
    own = select(RoundRoute.plan_id).join(Vehicle).where(Vehicle.organisation_id == user.organisation_id)
    return query.where(RoundPlan.id.in_(own))


def plans_for(user: User) -> list[RoundPlan]:
    """Plans by date (newest first): all for planners, their organisation's for operators."""
    query = select(RoundPlan).order_by(RoundPlan.service_date.desc(), RoundPlan.id.desc()).limit(200)
    return list(db.session.scalars(_visible(query, user)))


@dataclass(frozen=True)
class PlanListRow:
    """A plan on the plans page: its rounds (the routes with a stop, as its own page counts them) and, for a
    planner, the week it is a day of."""

    plan: RoundPlan
    rounds: int
    week: WeekPlan | None


def plan_list(user: User) -> list[PlanListRow]:
    """:func:`plans_for` with what the list shows of each plan: three queries whatever the number of plans."""
    plans = plans_for(user)
    ids = [p.id for p in plans]
    counted = select(RoundRoute.plan_id, func.count(distinct(RoundRoute.id))).join(RouteStop)
    counts = db.session.execute(counted.where(RoundRoute.plan_id.in_(ids)).group_by(RoundRoute.plan_id))
    rounds = {plan_id: count for plan_id, count in counts}
    weeks: dict[int, WeekPlan] = {}
    if can(user, Permission.PLAN_ROUNDS):  # the week pages are the planners'
        days = select(WeekPlanDay).where(WeekPlanDay.plan_id.in_(ids)).options(selectinload(WeekPlanDay.week))
        weeks = {d.plan_id: d.week for d in db.session.scalars(days) if d.plan_id is not None}
    return [PlanListRow(p, rounds.get(p.id, 0), weeks.get(p.id)) for p in plans]


def plan_for(user: User, plan_id: int, *, edit: bool = False) -> RoundPlan:
    """A plan the user may see (or edit); 404/403 otherwise."""
    plan = db.session.scalar(
        _visible(select(RoundPlan).where(RoundPlan.id == plan_id), user).options(
            selectinload(RoundPlan.routes)
            .selectinload(RoundRoute.stops)
            .selectinload(RouteStop.bin)
            .selectinload(Bin.comune),
            selectinload(RoundPlan.routes).selectinload(RoundRoute.vehicle),
            selectinload(RoundPlan.routes).selectinload(RoundRoute.driver),
            selectinload(RoundPlan.unassigned).selectinload(UnassignedStop.bin).selectinload(Bin.comune),
        )
    )
    if plan is None:
        raise NotFoundError(_("Piano non trovato."))
    if edit and not can(user, Permission.PLAN_ROUNDS):
        raise PermissionDenied(_("Solo il coordinamento può modificare i piani."))
    return plan


def drivers_by_organisation() -> dict[int, list[User]]:
    """Active users who may take routes, by organisation (the driver choice of a route)."""
    drivers: dict[int, list[User]] = {}
    query = select(User).where(User.role.in_(roles_with(Permission.TAKE_ROUTES)), User.active.is_(True))
    for user in db.session.scalars(query.order_by(User.full_name)):
        drivers.setdefault(user.organisation_id, []).append(user)
    return drivers


def form_choices() -> tuple[list[Site], list[Vehicle], dict[int, list[User]]]:
    """Sorting plants, active vehicles and the drivers of each organisation, for the new-plan form."""
    plants = db.session.scalars(
        select(Site).where(Site.kind == SiteKind.SORTING_PLANT, Site.active.is_(True)).order_by(Site.name)
    ).all()
    vehicles = db.session.scalars(
        select(Vehicle).where(Vehicle.active.is_(True)).options(selectinload(Vehicle.home_site)).order_by(Vehicle.plate)
    ).all()
    drivers: dict[int, list[User]] = {}
    for user in db.session.scalars(
        select(User).where(User.role.in_(roles_with(Permission.TAKE_ROUTES))).order_by(User.full_name)
    ):
        drivers.setdefault(user.organisation_id, []).append(user)
    return list(plants), list(vehicles), drivers


def _stop_label(stop: RouteStop) -> dict[str, Any]:
    if stop.kind == StopKind.RELOAD:
        return {"code": "", "address": _("Scarico all'impianto: %(name)s", name=stop.site.name if stop.site else "")}
    if stop.bin is not None:
        return {"code": stop.bin.code, "address": stop.bin.address}
    return {"code": labels.stop_code(stop), "address": ""}


def map_data(plan: RoundPlan, user: User) -> dict[str, Any]:
    """Routes (road path, colour) and numbered stops for the Leaflet map, as ``user`` may see them.

    A stop whose point the user may not see (a household's door) is left off the map, and so is the road
    path of its route, which runs to that door.
    """
    routes = []
    for route in plan.routes:
        shown = [s for s in route.stops if located(s, user)]
        stops = [
            {
                "n": s.sequence,
                "lon": s.lon,
                "lat": s.lat,
                "kind": s.kind,
                "eta": local_hhmm(s.arrival_at),
                **_stop_label(s),
            }
            for s in shown
        ]
        whole = len(shown) == len(route.stops)
        routes.append(
            {
                "id": route.id,
                "name": route.vehicle.plate,
                "colour": colour(route.position),
                "geometry": json.loads(route.geometry_json) if route.geometry_json and whole else None,
                "start": [route.start_site.lon, route.start_site.lat],
                "end": [route.end_site.lon, route.end_site.lat],
                "stops": stops,
            }
        )
    left_out = [
        {"code": u.bin.code, "address": u.bin.address, "lon": u.bin.lon, "lat": u.bin.lat, "kg": u.planned_kg}
        for u in plan.unassigned
        if u.required and u.bin is not None
    ]
    return {"approximate": plan.approximate, "routes": routes, "left_out": left_out}


def _window(stop: RouteStop, service_date: Any) -> str:
    if stop.window_start_s is None:
        return ""
    start, end = (at_second(service_date, s) for s in (stop.window_start_s, stop.window_end_s or stop.window_start_s))
    return f"{local_hhmm(start)}–{local_hhmm(end)}"


def route_rows(route: RoundRoute) -> list[dict[str, Any]]:
    """The table rows of a route: stop, address, bin code, ETA, time window, kg, load after, reload flag."""
    day, stops = route.plan.service_date, list(route.stops)
    final = unload.final_unload(route)
    return [
        {"stop": s, "reload": s.kind == StopKind.RELOAD, "window": _window(s, day), **_stop_label(s)}
        | {"on_board_kg": kg, "final": final is not None and s is final["stop"]}
        for s, kg in zip(stops, unload.arriving_kg(stops), strict=True)
    ]


def unassigned_rows(plan: RoundPlan) -> list[dict[str, Any]]:
    return [
        {
            "code": u.bin.code if u.bin else labels.reference_label(u.reference),
            "address": u.bin.address if u.bin else "",
            "row": u,
        }
        for u in sorted(plan.unassigned, key=lambda u: (not u.required, u.reason))
    ]


@dataclass(frozen=True)
class LeftOut:
    """The required stops a plan leaves out: how many, their kg, and how many for each reason."""

    count: int
    kg: int
    reasons: list[tuple[str, int]]


def left_out(plan: RoundPlan) -> LeftOut:
    required = [u for u in plan.unassigned if u.required]
    reasons = Counter(u.reason for u in required)
    return LeftOut(len(required), sum(u.planned_kg for u in required), reasons.most_common())


@dataclass(frozen=True)
class DoubleBooking:
    """A driver of this plan also on a route of another published plan of the day, at overlapping times."""

    driver: str
    plate: str
    other_plate: str
    other_plan_id: int
    other_kind: str


def _driver_name(route: RoundRoute) -> str:
    return route.driver.full_name if route.driver else ""


def double_bookings(plan: RoundPlan) -> list[DoubleBooking]:
    """Drivers of ``plan`` booked on an open route of another published plan of the same day at overlapping times."""
    return [
        DoubleBooking(
            _driver_name(o.mine), o.mine.vehicle.plate, o.other.vehicle.plate, o.other.plan_id, o.other.plan.kind
        )
        for o in bookings.overlapping(plan, "driver_id")
    ]


def week_day_of(plan: RoundPlan) -> WeekPlanDay | None:
    """The day of a week plan this plan is, if it came from «Pianifica la settimana»."""
    return db.session.scalar(select(WeekPlanDay).where(WeekPlanDay.plan_id == plan.id))
