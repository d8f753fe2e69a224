"""The PyVRP backend: maps a :class:`~routing.model.Problem` onto PyVRP 0.14 and back.

The model is built directly as a :class:`pyvrp.ProblemData` (what ``pyvrp.Model``
produces) so that the matrices are handed over as numpy arrays without copying
them edge by edge. Location order: the problem's depots, then the stops that at
least one vehicle can serve; optional stops no vehicle can serve stay out of the
model and are reported as infeasible.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp

from routing.model import Depot, Problem, Stop, Vehicle, demand_vector, end_limit
from routing.plan import Plan, Route, Unassigned, Visit, VisitKind
from routing.solver import recombine
from routing.solver.base import CancelToken, Deadline, ProgressCallback
from routing.solver.bounds import fleet_too_short
from routing.solver.pyvrp_search import (
    RESTART_SEED_STEP,
    ProgressStop,
    SearchLog,
    activities,
    has_windows,
    outcome_of,
    params_for,
    run_one,
)
from routing.solver.recombine import Recombiner
from routing.solver.team import Team
from routing.solver.unload import VirtualEnd, unload_and_return, virtual_ends, with_virtual_ends


@dataclass(frozen=True)
class Mapped:
    """A problem as PyVRP data, with what is needed to map a solution back."""

    data: pyvrp.ProblemData
    stops: tuple[Stop, ...]
    excluded: tuple[Unassigned, ...]
    offset: int
    ends: tuple[VirtualEnd, ...] = ()


def _client(problem: Problem, stop: Stop, location: int, relax_prize: int | None) -> pyvrp.Client:
    zero = [0] * problem.dimensions
    demand = list(demand_vector(stop, problem.dimensions))
    kwargs: dict[str, Any] = {
        "service_duration": stop.service_s,
        "prize": stop.prize,
        "required": stop.required,
    }
    if stop.window is not None:
        kwargs.update(tw_early=stop.window.start_s, tw_late=stop.window.end_s)
    if relax_prize is not None and stop.required:
        kwargs.update(prize=relax_prize, required=False)
    pickup, delivery = (demand, zero) if stop.kind == "pickup" else (zero, demand)
    return pyvrp.Client(location, delivery=delivery, pickup=pickup, name=stop.id, **kwargs)


def _vehicle_type(problem: Problem, v: Vehicle, end_depot: int) -> pyvrp.VehicleType:
    # without a shift a round still ends within the horizon the checker allows (model.end_limit)
    kwargs: dict[str, Any] = {"tw_early": v.shift.start_s if v.shift else 0, "tw_late": end_limit(problem, v)}
    if v.max_duration_s is not None:
        kwargs["shift_duration"] = v.max_duration_s
    if v.max_reloads is not None:
        kwargs["max_reloads"] = v.max_reloads
    return pyvrp.VehicleType(
        num_available=v.count,
        capacity=list(v.capacity(problem.dimensions)),
        start_depot=problem.index[v.start_depot],
        end_depot=end_depot,
        fixed_cost=v.fixed_cost,
        unit_distance_cost=v.cost_per_m,
        unit_duration_cost=v.cost_per_s,
        reload_depots=[problem.index[d] for d in v.reload_depots],
        name=v.id,
        **kwargs,
    )


def _depot(i: int, problem: Problem) -> pyvrp.Depot:
    d = problem.depots[i]
    kwargs: dict[str, Any] = {"service_duration": d.service_s, "name": d.id}
    if d.opening is not None:
        kwargs.update(tw_early=d.opening.start_s, tw_late=d.opening.end_s)
    return pyvrp.Depot(i, **kwargs)


def to_pyvrp(problem: Problem, *, relax_prize: int | None = None) -> Mapped:
    """Map ``problem`` onto PyVRP data.

    ``relax_prize``, when given, turns required stops into optional ones with that
    prize (used to find a best-effort plan when the fleet cannot serve them all).
    """
    kept, excluded = [], []
    for stop in problem.stops:
        reason = None if stop.required else problem.why_unservable(stop.id)
        if reason is None:
            kept.append(stop)
        else:
            excluded.append(Unassigned(stop.id, "infeasible", f"no vehicle can serve it: {reason}"))
    nd, ends = len(problem.depots), virtual_ends(problem)
    rows = np.r_[np.arange(nd), [problem.index[s.id] for s in kept]].astype(np.int64)
    locations = []
    items: tuple[Depot | Stop, ...] = (*problem.depots, *kept, *(problem.depots[e.end_row] for e in ends))
    for item in items:
        loc = item.location
        locations.append(pyvrp.Location(loc.lon if loc else 0.0, loc.lat if loc else 0.0, name=item.id))
    virtual = [
        pyvrp.Depot(len(rows) + j, *e.window, name=f"{problem.depots[e.end_row].id} (empty)")
        for j, e in enumerate(ends)
    ]
    end_of = {e.vehicle_type: nd + j for j, e in enumerate(ends)}
    distance: Any = with_virtual_ends(problem.distance_m, rows, ends, "distance")
    duration: Any = with_virtual_ends(problem.duration_s, rows, ends, "duration")
    data = pyvrp.ProblemData(
        locations=locations,
        clients=[_client(problem, s, nd + k, relax_prize) for k, s in enumerate(kept)],
        depots=[_depot(i, problem) for i in range(nd)] + virtual,
        vehicle_types=[
            _vehicle_type(problem, v, end_of.get(k, problem.index[v.end])) for k, v in enumerate(problem.vehicles)
        ],
        distance_matrices=[distance],
        duration_matrices=[duration],
    )
    offset = sum(problem.stop(u.stop_id).prize for u in excluded)
    return Mapped(data, tuple(kept), tuple(excluded), offset, ends)


def _trip_loads(activities: list[tuple[VisitKind, Stop | None]], dims: int) -> list[tuple[int, ...]]:
    """Load on board after each activity, deliveries loaded at the start of their trip."""
    loads: list[tuple[int, ...]] = []
    on_board = np.zeros(dims, dtype=np.int64)
    for pos, (_, stop) in enumerate(activities):
        if stop is None:
            on_board[:] = 0
            for _kind, nxt in activities[pos + 1 :]:
                if nxt is None:
                    break
                if nxt.kind == "delivery":
                    on_board += demand_vector(nxt, dims)
        else:
            sign = 1 if stop.kind == "pickup" else -1
            on_board += sign * np.asarray(demand_vector(stop, dims))
        loads.append(tuple(int(x) for x in on_board))
    return loads


def _route(problem: Problem, mapped: Mapped, route: pyvrp.Route, name: str) -> Route:
    schedule = list(route.schedule())
    nd, last = len(problem.depots), len(schedule) - 1
    acts: list[tuple[VisitKind, Stop | None]] = []
    for pos, act in enumerate(schedule):
        if act.is_depot():
            acts.append(("depot" if pos in (0, last) else "reload", None))
        else:
            acts.append(("stop", mapped.stops[act.idx]))
    loads = _trip_loads(acts, problem.dimensions)
    visits: list[Visit] = []
    for pos, act in enumerate(schedule):
        kind, stop = acts[pos]
        if stop is None and act.idx >= nd:  # virtual end: unload at the chosen site, then go home
            end = next(e for e in mapped.ends if e.vehicle_type == route.vehicle_type())
            visits += unload_and_return(problem, end, visits[-1])
            break
        item_id = stop.id if stop is not None else problem.depots[act.idx].id
        row = problem.index[item_id]
        before = visits[-1] if visits else None
        dist = 0 if before is None else int(problem.distance_m[problem.index[before.id], row])
        arrival = act.start_time - act.wait_duration
        location = problem.item(item_id).location
        closes = before is not None and stop is None and pos >= last - 1  # the return or a final unload
        trip = before.trip if closes and before is not None else act.trip
        on_arrival = before.load if before is not None else (0,) * problem.dimensions
        visits.append(
            Visit(kind, item_id, arrival, act.start_time, act.end_time, loads[pos], dist, trip, location, on_arrival)
        )
    assert sum(v.distance_m for v in visits) == route.distance()
    vtype = problem.vehicles[route.vehicle_type()].id
    return Route(name, vtype, tuple(visits))


def from_pyvrp(problem: Problem, mapped: Mapped, solution: pyvrp.Solution) -> Plan:
    """Map a PyVRP solution back onto our plan (unassigned reasons included).

    The plan is feasible unless required stops are left out (possible only when
    the mapping relaxed them) or the solution breaks a limit (capacity, shifts:
    the best a search found when it found nothing within them).
    """
    counter: Counter[str] = Counter()
    routes = []
    for r in solution.routes():
        vtype = problem.vehicles[r.vehicle_type()].id
        counter[vtype] += 1
        routes.append(_route(problem, mapped, r, f"{vtype}#{counter[vtype]}"))
    served = {s for r in routes for s in r.stop_ids}
    unassigned = list(mapped.excluded)
    for stop in mapped.stops:
        if stop.id in served:
            continue
        if stop.required:
            why = "required, but the fleet has no capacity or shift time left for it"
            unassigned.append(Unassigned(stop.id, "no_room", why))
        else:
            why = f"optional: prize {stop.prize} does not pay for the detour with the capacity and time left"
            unassigned.append(Unassigned(stop.id, "not_worth_it", why))
    vehicles = {v.id: v for v in problem.vehicles}
    cost = sum(_route_cost(vehicles[r.vehicle_type], r) for r in routes)
    cost += sum(0 if problem.stop(u.stop_id).required else problem.stop(u.stop_id).prize for u in unassigned)
    feasible = solution.is_feasible() and not any(u.code == "no_room" for u in unassigned)
    return Plan(tuple(routes), tuple(unassigned), cost, feasible, problem.approximate)


def _route_cost(v: Vehicle, r: Route) -> int:
    return v.fixed_cost + v.cost_per_m * r.distance_m + v.cost_per_s * r.duration_s


class PyVRPBackend:
    """Solve with PyVRP's iterated local search.

    Parameters
    ----------
    params
        PyVRP solver parameters; when ``None``, :func:`~routing.solver.pyvrp_search.params_for`
        chooses them from the number of clients of each search and whether they have time windows.
    """

    name = "pyvrp"

    def __init__(self, params: pyvrp.SolveParams | None = None) -> None:
        self.params = params

    def solve(
        self,
        problem: Problem,
        *,
        deadline: Deadline,
        seed: int,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        max_iterations: int | None,
        workers: int,
        relax_required: bool,
    ) -> Plan:
        """Solve ``problem``; see :func:`routing.solver.solve`."""
        log = SearchLog(deadline, progress)
        with Team(workers) as team:
            run = _Passes(self.params, log, cancel, seed, team, max_iterations)
            return _solve(problem, run, relax_required)


def _solve(problem: Problem, run: _Passes, relax_required: bool) -> Plan:
    """The passes of a solve: main search, a relaxed one if needed, one with a vehicle fewer."""
    log, seed, deadline = run.log, run.seed, run.log.deadline
    relax = required_prize(problem) if relax_required else None
    mapped = to_pyvrp(problem, relax_prize=relax)
    if not mapped.stops:
        return _finish(from_pyvrp(problem, mapped, pyvrp.Solution(mapped.data, [])), seed, log)
    two_passes = relax is None and _may_reload(problem) and sum(v.count for v in problem.vehicles) > 1
    give_up = deadline.share(0.5) if relax is None else None
    best = run(mapped, deadline.share(MAIN_SHARE) if two_passes else deadline.end, give_up_at=give_up)
    if two_passes and give_up is not None and not best.is_feasible():  # no plan within the limits yet: go on
        best = run(mapped, give_up, init=best)
    if not best.is_feasible() and relax is None:
        mapped = to_pyvrp(problem, relax_prize=required_prize(problem))
        return _finish(from_pyvrp(problem, mapped, run(mapped, deadline.end)), seed, log)
    plan = from_pyvrp(problem, mapped, best)
    if two_passes:
        plan = _fewer_vehicles(problem, mapped, best, plan, run)
    return _finish(plan, seed, log)


#: Share of the budget for the first search when a second one may try fewer vehicles.
MAIN_SHARE = 0.35
#: Share of the budget left after the first search for the one with a vehicle fewer (the rest searches on from
#: the cheaper of the two plans).
FEWER_SHARE = 0.7
#: Share of its time after which the search with a vehicle fewer stops if it has found no plan within the
#: shifts yet (on the generated unload days it found one at once or never: docs/decisions.md, 2026-12-06).
FEWER_GIVE_UP = 0.25


@dataclass
class _Passes:
    """Runs one search pass of a solve until a given time (shared log, seeds, team of searches)."""

    params: pyvrp.SolveParams | None
    log: SearchLog
    cancel: CancelToken | None
    seed: int
    team: Team
    max_iterations: int | None
    recombiner: Recombiner | None = None

    def __call__(
        self, mapped: Mapped, until: float, *, give_up_at: float | None = None, init: pyvrp.Solution | None = None
    ) -> pyvrp.Solution:
        """The best solution of a pass. On multi-trip problems (:func:`recombine.eligible`) without an iteration
        limit, the trips the search sees are recombined in a thread beside it; one search is then cut into
        segments, each going on from the better of its predecessor's plan and the recombined one
        (:class:`~routing.solver.recombine.Recombiner`)."""
        stop = ProgressStop(until, self.max_iterations, self.log, self.cancel, mapped.offset, give_up_at)
        data = mapped.data
        params = self.params if self.params is not None else params_for(data.num_clients, has_windows(data))
        rec = self._recombiner(data)
        if rec is None:
            return self.team.search(data, stop, self.seed, params, init)
        params = recombine.with_callbacks(params, rec.pool.callbacks())
        deadline = self.log.deadline
        last = until >= deadline.end
        for k in itertools.count():
            if self.team.workers > 1:  # the pool's searches are not cut into segments
                best, over = self.team.search(data, stop, self.seed, params, init), True
            else:
                seg = recombine.SegmentStop(stop, deadline.clock() + recombine.SEGMENT_S)
                best = run_one(data, seg, self.seed + k * RESTART_SEED_STEP, params, init)[2]
                over = not seg.segment_over  # the pass's own stop ended the search
            wait = deadline.end - recombine.WAIT_MARGIN_S - deadline.clock() if over and last else 0.0
            better = rec.take(data, best, wait)
            if better is not best:
                self.log.offer(outcome_of(better)[1] + mapped.offset)
            if not (over and last):
                rec.start(data, better, deadline.end - recombine.END_MARGIN_S - deadline.clock())
            if over:
                return better
            init = better
        raise AssertionError("unreachable")  # pragma: no cover

    def _recombiner(self, data: pyvrp.ProblemData) -> Recombiner | None:
        """The solve's recombiner for ``data`` (a new one when the clients changed), or ``None``."""
        if self.max_iterations is not None or not recombine.eligible(data):
            return None
        if self.recombiner is None or not self.recombiner.pool.fits(data):
            self.recombiner = Recombiner(data)
        return self.recombiner


def _may_reload(problem: Problem) -> bool:
    return any(v.reload_depots and v.max_reloads != 0 for v in problem.vehicles)


def _fewer_vehicles(problem: Problem, mapped: Mapped, best: pyvrp.Solution, plan: Plan, run: _Passes) -> Plan:
    """Search again with one vehicle fewer (one that may reload), then on from the cheaper plan.

    PyVRP's search keeps the number of routes once it has found a feasible plan
    and rarely turns two trucks into one truck with a reload; forcing the fleet
    down finds those plans. The search with a vehicle fewer starts from ``best``
    with its smallest route appended to the shortest route that may reload once
    more, after an unload (a complete plan, which the search then repairs if it
    runs past a shift); its plan is kept only if PyVRP finds it within capacity,
    shifts and windows and it is cheaper. That search stops after
    :data:`FEWER_GIVE_UP` of its time if it has no such plan yet. The rest of the
    budget searches on from the plan kept. When the plan has one route, or no
    route of a vehicle that may reload, or a lower bound proves that one vehicle
    fewer cannot visit the required stops within its shifts
    (:func:`~routing.solver.bounds.fleet_too_short`), the first search goes on instead.
    """
    routes = best.routes()
    reloading = [r for r in routes if _can_reload(problem.vehicles[r.vehicle_type()])]
    end = run.log.deadline.end
    if len(routes) < 2 or not reloading:
        return from_pyvrp(problem, mapped, run(mapped, end, init=best))
    smallest = min(reloading, key=lambda r: (r.num_clients(), r.distance()))
    used = Counter(r.vehicle_type() for r in routes)
    used[smallest.vehicle_type()] -= 1
    penalty = required_prize(problem)
    types = [
        t.replace(num_available=used[k]) if used[k] else t.replace(fixed_cost=t.fixed_cost + penalty)
        for k, t in enumerate(mapped.data.vehicle_types())
    ]
    reduced = dataclasses.replace(mapped, data=mapped.data.replace(vehicle_types=types))
    if fleet_too_short(reduced.data):
        return from_pyvrp(problem, mapped, run(mapped, end, init=best))
    host = _host(reduced.data, [r for r in reloading if r is not smallest])
    kept = [_copy_route(reduced.data, r) for r in routes if r is not smallest and r is not host]
    if host is not None:  # the smallest route becomes the host's last trip, after an unload
        kept.append(_merged(reduced.data, host, smallest))
    now, until = run.log.deadline.clock(), run.log.deadline.share(FEWER_SHARE)
    give_up = now + FEWER_GIVE_UP * (until - now)
    found = run(reduced, until, give_up_at=give_up, init=pyvrp.Solution(reduced.data, kept))
    other = from_pyvrp(problem, mapped, found)
    if found.is_feasible() and other.cost < plan.cost:  # within capacity and shifts, and cheaper
        mapped, best, plan = reduced, found, other
    again = run(mapped, end, init=best)
    last = from_pyvrp(problem, mapped, again)
    return last if again.is_feasible() and last.cost < plan.cost else plan


def _host(data: pyvrp.ProblemData, candidates: list[pyvrp.Route]) -> pyvrp.Route | None:
    """The route that takes the removed route's stops as one more trip: the shortest in time that may reload
    once more (``None``: none may, and the stops start unassigned)."""
    room = [r for r in candidates if r.num_trips() <= data.vehicle_type(r.vehicle_type()).max_reloads]
    return min(room, key=lambda r: (r.duration(), r.distance())) if room else None


def _merged(data: pyvrp.ProblemData, host: pyvrp.Route, guest: pyvrp.Route) -> pyvrp.Route:
    """``host`` then, after an unload at its site nearest the way to ``guest``'s first stop, ``guest``'s stops."""
    vtype = data.vehicle_type(host.vehicle_type())
    before, after = activities(host), activities(guest)
    last, first = _location(data, before[-1]), _location(data, after[0])
    matrix = data.distance_matrix(vtype.profile)
    site = min(vtype.reload_depots, key=lambda p: int(matrix[last, p]) + int(matrix[p, first]))
    return pyvrp.Route(data, [*before, pyvrp.Activity(pyvrp.ActivityType.DEPOT, site), *after], host.vehicle_type())


def _location(data: pyvrp.ProblemData, act: pyvrp.Activity) -> int:
    return int(data.client(act.idx).location if act.is_client() else data.depot(act.idx).location)


def _can_reload(v: Vehicle) -> bool:
    return bool(v.reload_depots) and v.max_reloads != 0


def _copy_route(data: pyvrp.ProblemData, route: pyvrp.Route) -> pyvrp.Route:
    return pyvrp.Route(data, activities(route), route.vehicle_type())


def _finish(plan: Plan, seed: int, log: SearchLog) -> Plan:
    if plan.feasible:
        log.offer(plan.cost)  # the plan kept may have been found outside the log (another pass's mapping)
    return dataclasses.replace(
        plan,
        seed=seed,
        runtime_s=log.deadline.elapsed(),
        iterations=log.iterations,
        progress=tuple(log.entries),
    )


def required_prize(problem: Problem) -> int:
    """A prize large enough that serving a required stop beats any detour."""
    per_m = max(v.cost_per_m for v in problem.vehicles)
    per_s = max(v.cost_per_s for v in problem.vehicles)
    fixed = max(v.fixed_cost for v in problem.vehicles)
    detour = 2 * (per_m * int(problem.distance_m.max()) + per_s * int(problem.duration_s.max()))
    return 10 * (detour + fixed + 1)
