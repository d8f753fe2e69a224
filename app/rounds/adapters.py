"""The only bridge between the app and the `routing` library: plain records in, plain results out."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext

from app.i18n import fmt_number
from app.rounds.records import (
    PlanningInputError,
    Recheck,
    RoadPath,
    RouteResult,
    SiteRecord,
    SolveResult,
    StopRecord,
    VehicleRecord,
    VisitResult,
    WeekDayResult,
    WeekResult,
    WeekStopRecord,
)
from routing import (
    DayFleet,
    Depot,
    Location,
    PeriodicProblem,
    PeriodicStop,
    Plan,
    Problem,
    ProblemError,
    RoadNetwork,
    Route,
    RoutingError,
    RoutingSettings,
    SnapError,
    SolveCancelled,
    Stop,
    TimeWindow,
    Unassigned,
    Vehicle,
    build_network,
    check_plan,
    check_week_plan,
    demands_by_day,
    load_network,
    replay,
    route_geometry,
    solve,
    solve_periodic,
    travel_matrix,
)

__all__ = [
    "Built",
    "PlanningInputError",
    "Recheck",
    "RoadPath",
    "RouteResult",
    "SiteRecord",
    "SolveCancelled",
    "SolveResult",
    "StopRecord",
    "VehicleRecord",
    "VisitResult",
    "WeekDayResult",
    "WeekResult",
    "WeekStopRecord",
    "build_problem",
    "insert_cheapest",
    "network_for",
    "recheck",
    "road_distances_m",
    "road_path",
    "solve_problem",
    "solve_week",
]


@dataclass(frozen=True)
class Built:
    """A validated routing problem and the stops that could not even enter it (key → reason)."""

    problem: Problem
    excluded: dict[str, str]
    approximate: bool
    network_hash: str


_networks: dict[str, RoadNetwork] = {}
_networks_lock = threading.Lock()


def network_for(path: str | None, cache_dir: str) -> RoadNetwork | None:
    """The road network of ``path``, loaded once per process (None = approximate mode)."""
    if not path:
        return None
    with _networks_lock:
        if path not in _networks:
            _networks[path] = load_network(Path(path), RoutingSettings(cache_dir=Path(cache_dir)))
        return _networks[path]


def configured_network() -> RoadNetwork | None:
    """The app's road network (``ROAD_NETWORK_FILE``), None when none is configured (straight lines then)."""
    return network_for(current_app.config.get("ROAD_NETWORK_FILE"), current_app.config["GIS_CACHE_DIR"])


def build_network_file(
    out: Path, cache_dir: str, *, source: Path | None = None, place: str | None = None, area: Any = None
) -> str:
    """Build the truck road network from a local OSM file, a place name or an area, save it; a summary line.

    ``place`` and ``area`` (a Shapely polygon, e.g. the union of the comuni) download from OpenStreetMap.
    """
    settings = RoutingSettings(cache_dir=Path(cache_dir))
    try:
        if source is not None:
            network = load_network(source, settings)
        else:
            network = build_network(place=place, polygon=area, settings=settings)
        out.parent.mkdir(parents=True, exist_ok=True)
        network.save(out)
    except RoutingError as error:
        raise PlanningInputError(str(error)) from error
    except OSError as error:
        raise PlanningInputError(_("Impossibile scrivere %(out)s: %(err)s", out=str(out), err=error)) from error
    dropped = float(network.report.get("dropped_node_share", 0.0))
    return _(
        "%(out)s: %(nodes)d nodi, %(edges)d archi, %(dropped)s%% dei nodi scartati (fuori dalla componente "
        "fortemente connessa principale). © OpenStreetMap contributors (ODbL)",
        out=str(out),
        nodes=network.node_count,
        edges=network.edge_count,
        dropped=fmt_number(dropped * 100),
    )


def _snap_failures(network: RoadNetwork, points: Sequence[tuple[float, float]]) -> dict[int, str]:
    """Index → error message of each point that cannot be placed on the network."""
    try:
        network.snap(points)
        return {}
    except SnapError:
        pass
    failures = {}
    for i, point in enumerate(points):
        try:
            network.snap([point])
        except SnapError as error:
            failures[i] = str(error)
    return failures


def _place(
    network: RoadNetwork | None, sites: Sequence[SiteRecord], stops: Sequence[StopRecord]
) -> tuple[list[StopRecord], dict[str, str]]:
    """Refuse sites off the network; leave stops off the network out, with a reason."""
    if network is None:
        return list(stops), {}
    for i in _snap_failures(network, [(s.lon, s.lat) for s in sites]):
        site = sites[i]
        raise PlanningInputError(
            _(
                "La sede «%(name)s» (lon %(lon).5f, lat %(lat).5f) è fuori dalla rete stradale caricata: "
                "correggi le coordinate o usa una rete che la comprenda.",
                name=site.name,
                lon=site.lon,
                lat=site.lat,
            )
        )
    failures = _snap_failures(network, [(s.lon, s.lat) for s in stops])
    excluded = {stops[i].key: _("Fuori dalla rete stradale caricata (troppo lontano da una strada)") for i in failures}
    return [s for i, s in enumerate(stops) if i not in failures], excluded


def _depot(site: SiteRecord) -> Depot:
    return Depot(site.key, Location(site.lon, site.lat), service_s=site.service_s)


def _stop(record: StopRecord, required: bool | None = None) -> Stop:
    required = record.required if required is None else required
    window = TimeWindow(*record.window) if record.window else None
    return Stop(
        record.key,
        Location(record.lon, record.lat),
        kind="delivery" if record.kind == "delivery" else "pickup",
        demand_kg=record.demand_kg,
        volume=record.volume_l,
        pieces=record.pieces,
        service_s=record.service_s,
        window=window,
        required=required,
        prize=0 if required else record.prize,
    )


def _vehicle(record: VehicleRecord) -> Vehicle:
    return Vehicle(
        record.key,
        start_depot=record.start,
        end_depot=record.end,
        capacity_kg=record.capacity_kg,
        capacity_volume=record.capacity_l,
        capacity_pieces=record.capacity_pieces,
        shift=TimeWindow(*record.shift),
        reload_depots=record.reloads,
        cost_per_m=record.cost_per_m,
        cost_per_s=record.cost_per_s,
        fixed_cost=record.fixed_cost,
        end_empty=record.end_empty,
    )


def _fits(stop: StopRecord, vehicle: VehicleRecord) -> bool:
    limits = ((vehicle.capacity_l, stop.volume_l), (vehicle.capacity_pieces, stop.pieces))
    return stop.demand_kg <= vehicle.capacity_kg and all(cap is None or need <= cap for cap, need in limits)


def _too_big(stops: Sequence[StopRecord], vehicles: Sequence[VehicleRecord]) -> dict[str, str]:
    """Stops that fit no vehicle in kg, litres or pieces, with what they need."""

    def need(s: StopRecord) -> str:
        parts = [f"{fmt_number(s.demand_kg, 0)} kg"]
        parts += [_("%(l)s litri", l=fmt_number(s.volume_l, 0))] if s.volume_l else []
        parts += [ngettext("%(num)s capo", "%(num)s capi", s.pieces)] if s.pieces else []
        return ", ".join(parts)

    return {
        s.key: _("Richiede %(need)s: non entra in nessuno dei veicoli scelti", need=need(s))
        for s in stops
        if not any(_fits(s, v) for v in vehicles)
    }


def build_problem(
    sites: Sequence[SiteRecord],
    vehicles: Sequence[VehicleRecord],
    stops: Sequence[StopRecord],
    network: RoadNetwork | None,
) -> Built:
    """Snap, build the travel matrix (road network or approximate) and validate the problem."""
    if not vehicles:
        raise PlanningInputError(_("Nessun veicolo disponibile: scegline almeno uno."))
    placed, excluded = _place(network, sites, stops)
    excluded |= _too_big(placed, vehicles)
    placed = [s for s in placed if s.key not in excluded]
    points = [(s.lon, s.lat) for s in (*sites, *placed)]
    matrix = travel_matrix(network, points)
    depots = tuple(_depot(s) for s in sites)
    fleet = tuple(_vehicle(v) for v in vehicles)
    try:
        relaxed = Problem(depots, fleet, tuple(_stop(s, required=False) for s in placed), *_matrices(matrix))
    except ProblemError as error:
        raise PlanningInputError(_("Dati di pianificazione non validi: %(detail)s", detail=str(error))) from error
    for record in placed:
        reason = relaxed.why_unservable(record.key) if record.required else None
        if reason:
            excluded[record.key] = _("Non raggiungibile nel turno dei veicoli (%(detail)s)", detail=reason)
    kept = [i for i, s in enumerate(placed) if s.key not in excluded]
    keep_rows = list(range(len(sites))) + [len(sites) + i for i in kept]
    duration, distance = (m[keep_rows][:, keep_rows] for m in _matrices(matrix))
    problem = Problem(depots, fleet, tuple(_stop(placed[i]) for i in kept), duration, distance, matrix.approximate)
    return Built(problem, excluded, matrix.approximate, "" if network is None else network.content_hash)


def _matrices(matrix: Any) -> tuple[Any, Any]:
    return matrix.duration_s, matrix.distance_m


def _results(routes: Sequence[Route]) -> tuple[RouteResult, ...]:
    return tuple(
        RouteResult(
            r.vehicle_type,
            tuple(VisitResult(v.kind, v.id, v.arrival_s, v.departure_s, v.load_kg, v.distance_m) for v in r.visits),
        )
        for r in routes
    )


def _unassigned_reason(item: Unassigned) -> str:
    if item.code == "not_worth_it":
        return _("Facoltativo: il valore della raccolta non compensa la deviazione")
    if item.code == "no_room":
        return _("Obbligatorio ma senza capacità o tempo residuo nei turni dei veicoli scelti")
    return _("Non servibile: %(detail)s", detail=item.reason)


def _workers() -> int:
    """Searches a solve runs at once (``ROUNDS_SOLVER_WORKERS``; one outside an application context)."""
    return int(current_app.config.get("ROUNDS_SOLVER_WORKERS", 1)) if has_app_context() else 1


def solve_problem(
    built: Built,
    *,
    time_limit_s: float,
    seed: int,
    progress: Callable[[float, int], None] | None = None,
    cancel: Any = None,
    workers: int | None = None,
) -> SolveResult:
    """Solve, then check the plan independently: a plan failing the check is never returned.

    ``workers``: searches at once (default: the ``ROUNDS_SOLVER_WORKERS`` setting)."""
    problem = built.problem
    if not problem.stops:
        return SolveResult((), dict(built.excluded), 0)
    with warnings.catch_warnings():
        # PyVRP warns when it cannot find a feasible plan; routing then relaxes required stops itself.
        warnings.filterwarnings("ignore", message=r"\s*A penalty parameter has reached its maximum value")
        searches = workers or _workers()
        plan = solve(problem, time_limit_s=time_limit_s, seed=seed, progress=progress, cancel=cancel, workers=searches)
    report = check_plan(problem, plan)
    unassigned = dict(built.excluded) | {u.stop_id: _unassigned_reason(u) for u in plan.unassigned}
    if not report.ok and not plan.feasible:
        return _repaired(built, plan, unassigned)
    if not report.ok:
        raise PlanningInputError(
            _("Il piano calcolato non supera il controllo: %(detail)s", detail="; ".join(report.violations[:3]))
        )
    missed = sum(problem.stop(u.stop_id).prize for u in plan.unassigned)
    return SolveResult(_results(plan.routes), unassigned, report.cost - missed, plan.progress)


def _repaired(built: Built, plan: Plan, unassigned: dict[str, str]) -> SolveResult:
    """Overloaded best-effort plan (routing returns one when required stops do not all fit):
    leave out the stops that overflow a trip, then, from a route that still runs past its shift, its last
    stops one at a time, re-checking what remains."""
    problem, sequences = built.problem, {}
    vehicles = {v.id: v for v in problem.vehicles}
    for route in plan.routes:
        keys, load, capacity = [], 0, vehicles[route.vehicle_type].capacity_kg
        for visit in route.visits[1:-1]:
            demand = 0 if visit.kind == "reload" else problem.stop(visit.id).demand_kg
            if visit.kind != "reload" and load + demand > capacity:
                unassigned[visit.id] = _unassigned_reason(Unassigned(visit.id, "no_room", "capacity"))
                continue
            load = 0 if visit.kind == "reload" else load + demand
            keys.append(visit.id)
        sequences[route.vehicle_type] = (route.visits[0].start_s, keys)
    check = recheck(_subset(built, {k for _s, keys in sequences.values() for k in keys}), sequences)
    while late := _late_routes(check.violations, sequences):
        for key in late:
            start_s, keys = sequences[key]
            last = max(i for i, k in enumerate(keys) if not problem.is_depot(k))
            unassigned[keys[last]] = _unassigned_reason(Unassigned(keys[last], "no_room", "shift"))
            kept = keys[:last] + keys[last + 1 :]
            # an unload right after another (the stop between them left out) unloads nothing: keep the later one
            kept = [
                k
                for i, k in enumerate(kept)
                if not (problem.is_depot(k) and i + 1 < len(kept) and problem.is_depot(kept[i + 1]))
            ]
            if any(not problem.is_depot(k) for k in kept):
                sequences[key] = (start_s, kept)
            else:
                del sequences[key]
        check = recheck(_subset(built, {k for _s, keys in sequences.values() for k in keys}), sequences)
    if check.violations:
        detail = "; ".join(check.violations[:3])
        raise PlanningInputError(_("Il piano calcolato non supera il controllo: %(detail)s", detail=detail))
    return SolveResult(check.routes, unassigned, check.cost, plan.progress)


#: What leaving stops out of a route shortens it against.
_TIME_VIOLATIONS = ("shift_end", "max_duration")


def _late_routes(violations: Sequence[str], sequences: Mapping[str, tuple[int, Sequence[str]]]) -> set[str]:
    """The vehicles of ``sequences`` whose routes run past their shift, when that is all that is wrong."""
    codes = [getattr(v, "code", "other") for v in violations]
    if not violations or any(c not in _TIME_VIOLATIONS for c in codes):
        return set()
    late = {str(getattr(v, "route_id", "")).rsplit("#", 1)[0] for v in violations}
    return late if late <= sequences.keys() else set()


def _subset(built: Built, keys: set[str]) -> Built:
    """The same problem restricted to the stops in ``keys`` (for re-checking partial plans)."""
    problem = built.problem
    rows = list(range(len(problem.depots))) + [problem.index[s.id] for s in problem.stops if s.id in keys]
    duration, distance = (m[rows][:, rows] for m in (problem.duration_s, problem.distance_m))
    stops = tuple(s for s in problem.stops if s.id in keys)
    sub = Problem(problem.depots, problem.vehicles, stops, duration, distance, problem.approximate)
    return Built(sub, built.excluded, built.approximate, built.network_hash)


def _steps(problem: Problem, vehicle: Vehicle, keys: Sequence[str]) -> list[tuple[Any, str]]:
    """A hand-edited sequence as routing visit steps: start depot, stops and reloads, end depot."""
    inner = [("reload" if problem.is_depot(k) else "stop", k) for k in keys]
    return [("depot", vehicle.start_depot), *inner, ("depot", vehicle.end)]


def recheck(built: Built, sequences: Mapping[str, tuple[int, Sequence[str]]]) -> Recheck:
    """Replay hand-edited routes (vehicle key → (start second, stop/reload keys)) and check them."""
    problem = built.problem
    by_key = {v.id: v for v in problem.vehicles}
    routes = tuple(
        Route(f"{key}#1", key, tuple(replay(problem, by_key[key], start_s, _steps(problem, by_key[key], keys))))
        for key, (start_s, keys) in sequences.items()
    )
    draft = Plan(routes, (), 0, True, problem.approximate)
    first = check_plan(problem, draft)
    report = check_plan(problem, Plan(routes, (), first.cost, True, problem.approximate))
    return Recheck(_results(routes), report.violations, report.cost)


def insert_cheapest(built: Built, vehicle_key: str, keys: Sequence[str], key: str, earliest: int) -> list[str]:
    """``keys`` with ``key`` inserted where it adds the least distance, at index ``earliest`` or later."""
    problem = built.problem
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_key)
    ids = [problem.index[k] for k in (vehicle.start_depot, *keys, vehicle.end)]
    here, dist = problem.index[key], problem.distance_m
    best = min(
        range(earliest, len(keys) + 1),
        key=lambda i: int(dist[ids[i], here]) + int(dist[here, ids[i + 1]]) - int(dist[ids[i], ids[i + 1]]),
    )
    return [*keys[:best], key, *keys[best:]]


def road_distances_m(
    network: RoadNetwork | None, origin: tuple[float, float], points: Sequence[tuple[float, float]]
) -> list[int | None] | None:
    """Road distances in metres from ``origin`` to each point (None: unreachable or off the roads).

    None without a loaded network: the caller keeps its straight-line distances.
    """
    if network is None or not points:
        return None
    off = _snap_failures(network, [origin, *points])
    if 0 in off:
        return None  # the origin itself is off the roads
    on = [i for i in range(len(points)) if i + 1 not in off]
    try:
        matrix = travel_matrix(network, [origin, *(points[i] for i in on)])
    except RoutingError:
        return None
    row = matrix.distance_m[0]
    metres: list[int | None] = [None] * len(points)
    for column, i in enumerate(on, start=1):
        metres[i] = int(row[column]) if int(row[column]) >= 0 else None
    return metres


def road_path(network: RoadNetwork | None, points: Sequence[tuple[float, float]]) -> RoadPath:
    """The road path through ``points`` in order (straight legs in approximate mode)."""
    if len(points) < 2:
        points = [*points, *points][:2]
    path = route_geometry(network, points)
    return RoadPath(path.geometry, path.streets, sum(leg.distance_m for leg in path.legs))


def solve_week(
    sites: Sequence[SiteRecord],
    days: Sequence[Sequence[VehicleRecord]],
    stops: Sequence[WeekStopRecord],
    network: RoadNetwork | None,
    *,
    time_limit_s: float,
    seed: int,
    days_after: int = 0,
    cancel: Any = None,
    progress: Any = None,
) -> WeekResult:
    """Choose each bin's days (before it overflows, also ``days_after`` days after the last day when it can, or its
    own ``WeekStopRecord.days_after``) and every day's routes together, then check the week; the bins that cannot
    hold that long are named."""
    placed, excluded = _place(network, sites, stops)  # type: ignore[arg-type]
    matrix = travel_matrix(network, [(s.lon, s.lat) for s in (*sites, *placed)])
    duration, distance = _matrices(matrix)
    fleets = tuple(DayFleet(tuple(_vehicle(v) for v in day), name=str(d)) for d, day in enumerate(days))
    periodic = [
        PeriodicStop(
            s.key,
            Location(s.lon, s.lat),
            daily_kg=s.daily_kg,
            full_kg=s.full_kg,
            initial_kg=s.initial_kg,
            service_s=s.service_s,
            emptied_days=s.emptied_days,
            days_after=s.days_after,
        )
        for s in placed
    ]
    try:
        problem = PeriodicProblem(
            tuple(_depot(s) for s in sites),
            fleets,
            tuple(periodic),
            duration,
            distance,
            matrix.approximate,
            days_after=days_after,
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\s*A penalty parameter has reached its maximum value")
            week = solve_periodic(
                problem, time_limit_s=time_limit_s, seed=seed, cancel=cancel, progress=progress, workers=_workers()
            )
    except ProblemError as error:
        raise PlanningInputError(_("Settimana non pianificabile: %(detail)s", detail=str(error))) from error
    report = check_week_plan(problem, week)
    # A day whose search found no plan within capacity and shifts in its share of the budget comes back as a
    # best effort: like a day planned alone, it leaves out what overflows (below). Any other fault fails the week.
    short = {d for d, plan in enumerate(week.days) if not plan.feasible}
    faults = [v for v in report.violations if not any(v.startswith(f"day {d}: ") for d in short)]
    if faults:
        raise PlanningInputError(
            _("Il piano della settimana non supera il controllo: %(detail)s", detail="; ".join(faults[:3]))
        )
    kg = demands_by_day(problem, week.patterns)
    hash_ = "" if network is None else network.content_hash
    out = []
    for d, plan in enumerate(week.days):
        day_problem = problem.day_problem(d, kg[d]) if kg[d] else None
        built = Built(day_problem, dict(excluded), matrix.approximate, hash_) if day_problem else None  # type: ignore[arg-type]
        unassigned = dict(excluded) | {u.stop_id: _unassigned_reason(u) for u in plan.unassigned}
        if built is not None and d in short:
            result = _repaired(built, plan, unassigned)
        else:
            result = SolveResult(_results(plan.routes), unassigned, plan.cost)
        out.append(WeekDayResult(result, kg[d], built))
    overflowing = tuple(key for key, mask in week.patterns.items() if not problem.holds_after(key, mask))
    return WeekResult(tuple(out), overflowing)
