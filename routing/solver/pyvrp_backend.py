"""The PyVRP backend: maps a :class:`~routing.model.Problem` onto PyVRP 0.14 and back.

The model is built directly as a :class:`pyvrp.ProblemData` (what ``pyvrp.Model``
produces) so that the matrices are handed over as numpy arrays without copying
them edge by edge. Location order: the problem's depots, then the stops that at
least one vehicle can serve; optional stops no vehicle can serve stay out of the
model and are reported as infeasible.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyvrp
from pyvrp.stop import MaxRuntime

from routing.errors import SolveCancelled
from routing.model import Depot, Problem, Stop, Vehicle, demand_vector
from routing.plan import Plan, Route, Unassigned, Visit, VisitKind
from routing.solver.base import CancelToken, ProgressCallback


@dataclass(frozen=True)
class Mapped:
    """A problem as PyVRP data, with what is needed to map a solution back."""

    data: pyvrp.ProblemData
    stops: tuple[Stop, ...]
    excluded: tuple[Unassigned, ...]
    offset: int


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


def _vehicle_type(problem: Problem, v: Vehicle) -> pyvrp.VehicleType:
    kwargs: dict[str, Any] = {}
    if v.shift is not None:
        kwargs.update(tw_early=v.shift.start_s, tw_late=v.shift.end_s)
    if v.max_duration_s is not None:
        kwargs["shift_duration"] = v.max_duration_s
    if v.max_reloads is not None:
        kwargs["max_reloads"] = v.max_reloads
    return pyvrp.VehicleType(
        num_available=v.count,
        capacity=list(v.capacity(problem.dimensions)),
        start_depot=problem.index[v.start_depot],
        end_depot=problem.index[v.end],
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
    nd = len(problem.depots)
    rows = np.r_[np.arange(nd), [problem.index[s.id] for s in kept]].astype(np.int64)
    locations = []
    items: tuple[Depot | Stop, ...] = (*problem.depots, *kept)
    for item in items:
        loc = item.location
        locations.append(pyvrp.Location(loc.lon if loc else 0.0, loc.lat if loc else 0.0, name=item.id))
    data = pyvrp.ProblemData(
        locations=locations,
        clients=[_client(problem, s, nd + k, relax_prize) for k, s in enumerate(kept)],
        depots=[_depot(i, problem) for i in range(nd)],
        vehicle_types=[_vehicle_type(problem, v) for v in problem.vehicles],
        distance_matrices=[_submatrix(problem.distance_m, rows)],
        duration_matrices=[_submatrix(problem.duration_s, rows)],
    )
    offset = sum(problem.stop(u.stop_id).prize for u in excluded)
    return Mapped(data, tuple(kept), tuple(excluded), offset)


def _submatrix(matrix: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]) -> Any:
    return np.ascontiguousarray(matrix[np.ix_(rows, rows)])


class ProgressStop:
    """PyVRP stopping criterion: time/iteration limit, cancel check and progress log."""

    def __init__(
        self,
        time_limit_s: float,
        max_iterations: int | None,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        offset: int = 0,
    ) -> None:
        self._runtime = MaxRuntime(max(time_limit_s, 0.0))
        self._max_iterations = max_iterations
        self._progress, self._cancel, self._offset = progress, cancel, offset
        self._start = time.perf_counter()
        self.iterations = -1
        self.log: list[tuple[float, int]] = []

    def __call__(self, best_cost: int) -> bool:
        if self._cancel is not None and self._cancel.is_set():
            raise SolveCancelled("solve cancelled by the caller")
        self.iterations += 1
        if best_cost < np.iinfo(np.int64).max // 2 and (not self.log or best_cost + self._offset < self.log[-1][1]):
            self.log.append((round(time.perf_counter() - self._start, 3), best_cost + self._offset))
            if self._progress is not None:
                self._progress(*self.log[-1])
        if self._max_iterations is not None:
            return self.iterations >= self._max_iterations
        return self._runtime(best_cost)


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
    nd = len(problem.depots)
    acts: list[tuple[VisitKind, Stop | None]] = []
    for pos, act in enumerate(schedule):
        if act.is_depot():
            acts.append(("depot" if pos in (0, len(schedule) - 1) else "reload", None))
        else:
            acts.append(("stop", mapped.stops[act.idx]))
    loads = _trip_loads(acts, problem.dimensions)
    visits: list[Visit] = []
    prev = -1
    for pos, act in enumerate(schedule):
        kind, stop = acts[pos]
        item_id = stop.id if stop is not None else problem.depots[act.idx].id
        row = problem.index[item_id]
        dist = 0 if prev < 0 else int(problem.distance_m[prev, row])
        arrival = act.start_time - act.wait_duration
        location = problem.item(item_id).location
        trip = visits[-1].trip if pos == len(schedule) - 1 else act.trip  # the return ends the last trip
        visits.append(Visit(kind, item_id, arrival, act.start_time, act.end_time, loads[pos], dist, trip, location))
        prev = row
    assert sum(v.distance_m for v in visits) == route.distance() and nd >= 1
    vtype = problem.vehicles[route.vehicle_type()].id
    return Route(name, vtype, tuple(visits))


def from_pyvrp(problem: Problem, mapped: Mapped, solution: pyvrp.Solution) -> Plan:
    """Map a PyVRP solution back onto our plan (unassigned reasons included).

    The plan is feasible unless required stops are left out (possible only when
    the mapping relaxed them).
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
    cost = sum(_route_cost(problem.vehicles[r.vehicle_type()], r) for r in solution.routes())
    cost += sum(0 if problem.stop(u.stop_id).required else problem.stop(u.stop_id).prize for u in unassigned)
    feasible = not any(u.code == "no_room" for u in unassigned)
    return Plan(tuple(routes), tuple(unassigned), cost, feasible, problem.approximate)


def _route_cost(v: Vehicle, r: pyvrp.Route) -> int:
    return int(v.fixed_cost + v.cost_per_m * r.distance() + v.cost_per_s * r.duration())


def _empty_start(data: pyvrp.ProblemData, seed: int, params: pyvrp.SolveParams) -> pyvrp.Solution | None:
    """Initial solution for problems with optional clients: local search from an empty plan.

    PyVRP starts from a random solution that visits every client; when many optional
    clients are not worth their detour it spends most of the budget removing them
    (PC-RC1_10_1: 40 % from the BKS after 10 s, 2 % from an empty start).
    """
    if all(c.required for c in data.clients()):
        return None
    from pyvrp.PenaltyManager import PenaltyManager
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

    rng = pyvrp.RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    return ls(pyvrp.Solution(data, []), pm.max_cost_evaluator(), exhaustive=True)


def _run_one(
    data: pyvrp.ProblemData, stop: Any, seed: int, params: pyvrp.SolveParams
) -> tuple[bool, int, pyvrp.Solution]:
    init = _empty_start(data, seed, params)
    res = pyvrp.solve(data, stop, seed=seed, collect_stats=False, params=params, initial_solution=init)
    feasible = bool(res.best.is_feasible())
    return feasible, int(res.cost()) if feasible else 0, res.best


def _worker(
    data: pyvrp.ProblemData, seed: int, time_limit_s: float, max_iterations: int | None
) -> tuple[bool, int, pyvrp.Solution]:
    stop = ProgressStop(time_limit_s, max_iterations, None, None)
    return _run_one(data, stop, seed, pyvrp.SolveParams())


def _best_of(
    data: pyvrp.ProblemData,
    stop: ProgressStop,
    seed: int,
    workers: int,
    params: pyvrp.SolveParams,
    limits: tuple[float, int | None],
) -> pyvrp.Solution:
    """Run ``workers`` independent seeds (the first in this process) and keep the best."""
    if workers <= 1:
        return _run_one(data, stop, seed, params)[2]
    if params != pyvrp.SolveParams():
        raise ValueError("workers > 1 supports PyVRP's default parameters only (SolveParams cannot be pickled)")
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers - 1, mp_context=ctx) as pool:
        futures = [pool.submit(_worker, data, seed + k, *limits) for k in range(1, workers)]
        try:
            results = [_run_one(data, stop, seed, params)]
        except SolveCancelled:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            raise
        results += [f.result() for f in futures]
    return min(results, key=lambda r: (not r[0], r[1]))[2]


class PyVRPBackend:
    """Solve with PyVRP's iterated local search.

    Parameters
    ----------
    params
        PyVRP solver parameters (defaults when ``None``).
    """

    name = "pyvrp"

    def __init__(self, params: pyvrp.SolveParams | None = None) -> None:
        self.params = params if params is not None else pyvrp.SolveParams()

    def solve(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        max_iterations: int | None,
        workers: int,
        relax_required: bool,
    ) -> Plan:
        """Solve ``problem``; see :func:`routing.solver.solve`."""
        started = time.perf_counter()
        limits = (time_limit_s, max_iterations)
        relax = required_prize(problem) if relax_required else None
        mapped = to_pyvrp(problem, relax_prize=relax)
        stop = ProgressStop(*limits, progress, cancel, mapped.offset)
        if not mapped.stops:
            return from_pyvrp(problem, mapped, pyvrp.Solution(mapped.data, []))
        best = _best_of(mapped.data, stop, seed, workers, self.params, limits)
        if not best.is_feasible() and relax is None:
            mapped = to_pyvrp(problem, relax_prize=required_prize(problem))
            stop = ProgressStop(*limits, progress, cancel, mapped.offset)
            best = _best_of(mapped.data, stop, seed, workers, self.params, limits)
        plan = from_pyvrp(problem, mapped, best)
        return dataclasses.replace(
            plan,
            seed=seed,
            runtime_s=time.perf_counter() - started,
            iterations=max(stop.iterations, 0),
            progress=tuple(stop.log),
        )


def required_prize(problem: Problem) -> int:
    """A prize large enough that serving a required stop beats any detour."""
    per_m = max(v.cost_per_m for v in problem.vehicles)
    per_s = max(v.cost_per_s for v in problem.vehicles)
    fixed = max(v.fixed_cost for v in problem.vehicles)
    detour = 2 * (per_m * int(problem.distance_m.max()) + per_s * int(problem.duration_s.max()))
    return 10 * (detour + fixed + 1)
