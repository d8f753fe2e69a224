"""An independent plan checker.

:func:`check_plan` replays every route of a :class:`~routing.plan.Plan` against the
problem's own matrices and rules — travel times and distances, waits for time
windows, loads per trip between reloads, capacities, shifts, maximum durations,
reload sites and counts, the final unload of vehicles that must end empty,
vehicle counts, required stops served exactly once — and
recomputes the objective. :func:`check_week_plan` does the same for a week plan,
recomputing the kg of forecast bins from the visit days. It shares no code with
any solver backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from routing.errors import ProblemError
from routing.model import Problem, Vehicle, demand_vector, end_limit, start_window
from routing.periodic import PeriodicProblem, WeekPlan
from routing.plan import Plan, Route, Unassigned, Visit, VisitKind


class Violation(str):
    """One violation: the English sentence (a ``str``, as before) plus structured fields for translation.

    Parameters
    ----------
    text
        The sentence.
    code
        What is wrong: ``"capacity"``, ``"window"``, ``"site_closed"``, ``"shift_start"``,
        ``"shift_end"``, ``"max_duration"``, ``"end_loaded"``, ``"must_end_empty"`` or
        ``"other"``.
    route_id
        The route (vehicle id of the :class:`~routing.plan.Route`), if any.
    at
        The stop or depot id where it happens, if any.
    value, limit
        The offending value and the limit it breaks (seconds, or load tuples), if any.
    """

    code: str
    route_id: str | None
    at: str | None
    value: object
    limit: object

    def __new__(
        cls,
        text: str,
        code: str = "other",
        *,
        route_id: str | None = None,
        at: str | None = None,
        value: object = None,
        limit: object = None,
    ) -> Violation:
        self = super().__new__(cls, text)
        self.code, self.route_id, self.at, self.value, self.limit = code, route_id, at, value, limit
        return self


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Outcome of :func:`check_plan`.

    Parameters
    ----------
    violations
        One sentence per problem found; empty when the plan is valid.
    cost
        Objective recomputed from the matrices (routes plus prizes left out).
    distance_m, duration_s
        Recomputed totals.
    """

    violations: tuple[str, ...]
    cost: int
    distance_m: int
    duration_s: int

    @property
    def ok(self) -> bool:
        """Whether no violation was found."""
        return not self.violations


@dataclass
class _Replay:
    problem: Problem
    vehicle: Vehicle
    errors: list[str] = field(default_factory=list)


def _trip_deliveries(problem: Problem, steps: Sequence[tuple[VisitKind, str]]) -> list[tuple[int, ...]]:
    """Load to take on at the start of each trip (deliveries of that trip)."""
    dims = problem.dimensions
    loads: list[list[int]] = []
    for kind, item_id in steps:
        if kind != "stop":
            loads.append([0] * dims)
        elif item_id in problem.index and not problem.is_depot(item_id) and loads:
            stop = problem.stop(item_id)
            if stop.kind == "delivery":
                loads[-1] = [a + b for a, b in zip(loads[-1], demand_vector(stop, dims), strict=True)]
    return [tuple(x) for x in loads]


def replay(problem: Problem, vehicle: Vehicle, start_s: int, steps: Sequence[tuple[VisitKind, str]]) -> list[Visit]:
    """Recompute the visits of a route leaving at ``start_s`` and driving as early as possible.

    Parameters
    ----------
    problem, vehicle
        The problem and the route's vehicle type.
    start_s
        When loading begins at the start depot.
    steps
        ``(kind, id)`` of each visit, start and end depots included.
    """
    dims, trip_loads = problem.dimensions, _trip_deliveries(problem, steps)
    out: list[Visit] = []
    trip, load, clock, prev = -1, (0,) * dims, start_s, -1
    for pos, (kind, item_id) in enumerate(steps):
        here, on_arrival = problem.index[item_id], load
        travel = 0 if prev < 0 else int(problem.duration_s[prev, here])
        distance = 0 if prev < 0 else int(problem.distance_m[prev, here])
        arrival = clock + travel
        if kind == "stop":
            stop = problem.stop(item_id)
            start = max(arrival, stop.window.start_s if stop.window else 0)
            sign = -1 if stop.kind == "delivery" else 1
            load = tuple(a + sign * d for a, d in zip(load, demand_vector(stop, dims), strict=True))
            service = stop.service_s
        else:
            depot = problem.depot(item_id)
            start = max(arrival, depot.opening.start_s if depot.opening else 0)
            last = pos == len(steps) - 1
            service = 0 if last else depot.service_s
            ends_trips = last or pos == len(steps) - 2  # a final unload closes the last trip
            trip, load = (trip, (0,) * dims) if ends_trips and pos else (trip + 1, trip_loads[trip + 1])
        clock = start + service
        location = problem.item(item_id).location
        visit = Visit(kind, item_id, arrival, start, clock, load, distance, max(trip, 0), location, on_arrival)
        out.append(visit)
        prev = here
    return out


def _check_structure(rp: _Replay, route: Route) -> bool:
    kinds = [v.kind for v in route.visits]
    v, p = rp.vehicle, rp.problem
    if len(kinds) < 2 or kinds[0] != "depot" or kinds[-1] != "depot" or "depot" in kinds[1:-1]:
        rp.errors.append(f"{route.vehicle_id}: must start and end with a depot visit and have none between")
        return False
    if route.visits[0].id != v.start_depot or route.visits[-1].id != v.end:
        rp.errors.append(f"{route.vehicle_id}: must run {v.start_depot} -> {v.end}")
    for visit in route.visits:
        if visit.id not in p.index or p.is_depot(visit.id) != (visit.kind != "stop"):
            rp.errors.append(f"{route.vehicle_id}: {visit.kind} visit to unknown or wrong-kind id {visit.id!r}")
            return False
        if visit.kind == "reload" and visit.id not in v.reload_depots:
            rp.errors.append(f"{route.vehicle_id}: reload at {visit.id!r}, not a reload site of {v.id}")
    if v.end_empty and route.final_unload is None:
        sites = ", ".join(v.reload_depots)
        text = f"{route.vehicle_id}: must end empty: the last visit before {v.end} is no unload at {sites}"
        rp.errors.append(Violation(text, "must_end_empty", route_id=route.vehicle_id))
    if v.max_reloads is not None and route.num_reloads > v.max_reloads:
        rp.errors.append(f"{route.vehicle_id}: {route.num_reloads} reloads > max_reloads {v.max_reloads}")
    return True


def _check_visits(rp: _Replay, route: Route, expected: list[Visit]) -> None:
    cap = rp.vehicle.capacity(rp.problem.dimensions)
    for got, want in zip(route.visits, expected, strict=True):
        where = f"{route.vehicle_id} at {got.id}"
        for name in ("arrival_s", "start_s", "departure_s", "load", "load_on_arrival", "distance_m", "trip"):
            if getattr(got, name) != getattr(want, name):
                rp.errors.append(f"{where}: {name} {getattr(got, name)} but recomputed {getattr(want, name)}")
        at = {"route_id": route.vehicle_id, "at": got.id}
        if any(x > c or x < 0 for x, c in zip(want.load, cap, strict=True)):
            text = f"{where}: load {want.load} outside capacity {cap}"
            rp.errors.append(Violation(text, "capacity", value=want.load, limit=cap, **at))
        if want.kind == "stop":
            window = rp.problem.stop(got.id).window
            if window is not None and want.start_s > window.end_s:
                text = f"{where}: service starts {want.start_s} after window end {window.end_s}"
                rp.errors.append(Violation(text, "window", value=want.start_s, limit=window.end_s, **at))
        else:
            opening = rp.problem.depot(got.id).opening
            if opening is not None and want.arrival_s > opening.end_s:
                text = f"{where}: arrives {want.arrival_s} after the site closes at {opening.end_s}"
                rp.errors.append(Violation(text, "site_closed", value=want.arrival_s, limit=opening.end_s, **at))


def _check_times(rp: _Replay, route: Route, expected: list[Visit]) -> None:
    early, late = start_window(rp.problem, rp.vehicle)
    start, end = expected[0].start_s, expected[-1].arrival_s
    rid, last = route.vehicle_id, expected[-1]
    if not early <= start <= late:
        text = f"{rid}: starts at {start}, outside [{early}, {late}]"
        rp.errors.append(Violation(text, "shift_start", route_id=rid, value=start, limit=(early, late)))
    if end > end_limit(rp.problem, rp.vehicle):
        limit_s = end_limit(rp.problem, rp.vehicle)
        rp.errors.append(
            Violation(f"{rid}: returns at {end} after {limit_s}", "shift_end", route_id=rid, value=end, limit=limit_s)
        )
    if rp.vehicle.end_empty and any(last.load_on_arrival):
        text = f"{rid}: arrives at {last.id} loaded {last.load_on_arrival}"
        rp.errors.append(Violation(text, "end_loaded", route_id=rid, at=last.id, value=last.load_on_arrival))
    limit = rp.vehicle.max_duration_s
    if limit is not None and end - start > limit:
        text = f"{rid}: lasts {end - start} s > max_duration_s {limit}"
        rp.errors.append(Violation(text, "max_duration", route_id=rid, value=end - start, limit=limit))


def _check_route(problem: Problem, route: Route, errors: list[str]) -> tuple[int, int, int]:
    """Check one route; return its recomputed (cost, distance, duration)."""
    vehicle = next((v for v in problem.vehicles if v.id == route.vehicle_type), None)
    if vehicle is None:
        errors.append(f"{route.vehicle_id}: unknown vehicle type {route.vehicle_type!r}")
        return 0, 0, 0
    rp = _Replay(problem, vehicle, errors)
    if not _check_structure(rp, route):
        return 0, 0, 0
    expected = replay(problem, vehicle, route.visits[0].start_s, [(v.kind, v.id) for v in route.visits])
    _check_visits(rp, route, expected)
    _check_times(rp, route, expected)
    distance = sum(v.distance_m for v in expected)
    duration = expected[-1].arrival_s - expected[0].start_s
    return (
        vehicle.fixed_cost + vehicle.cost_per_m * distance + vehicle.cost_per_s * duration,
        distance,
        duration,
    )


def _check_coverage(problem: Problem, plan: Plan, errors: list[str]) -> int:
    """Check stops and vehicle counts; return the prizes of optional stops left out."""
    served = Counter(plan.served)
    errors.extend(f"stop {s} served {n} times" for s, n in served.items() if n > 1)
    listed = {u.stop_id for u in plan.unassigned}
    missed = 0
    for stop in problem.stops:
        if stop.id in served:
            if stop.id in listed:
                errors.append(f"stop {stop.id} is both served and unassigned")
            continue
        if stop.id not in listed:
            errors.append(f"stop {stop.id} neither served nor listed as unassigned")
        if stop.required and plan.feasible:
            errors.append(f"required stop {stop.id} not served in a plan marked feasible")
        missed += 0 if stop.required else stop.prize
    used = Counter(r.vehicle_type for r in plan.routes)
    for v in problem.vehicles:
        if used[v.id] > v.count:
            errors.append(f"{used[v.id]} routes of vehicle type {v.id}, only {v.count} available")
    if len({r.vehicle_id for r in plan.routes}) != len(plan.routes):
        errors.append("two routes share a vehicle_id")
    return missed


def check_plan(problem: Problem, plan: Plan) -> CheckReport:
    """Verify ``plan`` against ``problem`` and recompute its cost.

    Parameters
    ----------
    problem
        The problem the plan claims to solve.
    plan
        Any plan (from :func:`routing.solver.solve` or built by hand).

    Returns
    -------
    CheckReport
        Violations found (empty if none) and the recomputed cost and totals. A
        plan whose stated cost differs from the recomputed one is a violation.
    """
    errors: list[str] = []
    totals = [_check_route(problem, route, errors) for route in plan.routes]
    cost = sum(t[0] for t in totals) + _check_coverage(problem, plan, errors)
    if cost != plan.cost:
        errors.append(f"plan cost {plan.cost} but recomputed {cost}")
    return CheckReport(tuple(errors), cost, sum(t[1] for t in totals), sum(t[2] for t in totals))


def plan_from_sequences(
    problem: Problem, sequences: Sequence[tuple[str, Sequence[str]]], *, feasible: bool = True
) -> Plan:
    """Build a plan from stop sequences found by another tool (benchmarks, hand-made plans).

    Parameters
    ----------
    problem
        The problem.
    sequences
        ``(vehicle type id, ids)`` per route; ids are stops, or depots for reloads.
        Each route leaves at the earliest moment of its shift.
    feasible
        Passed through to the plan.
    """
    routes, counter = [], Counter[str]()
    for type_id, ids in sequences:
        vehicle = next(v for v in problem.vehicles if v.id == type_id)
        counter[type_id] += 1
        steps: list[tuple[VisitKind, str]] = [("depot", vehicle.start_depot)]
        steps += [("reload" if problem.is_depot(i) else "stop", i) for i in ids]
        steps.append(("depot", vehicle.end))
        visits = replay(problem, vehicle, start_window(problem, vehicle)[0], steps)
        routes.append(Route(f"{type_id}#{counter[type_id]}", type_id, tuple(visits)))
    served = {s for _, ids in sequences for s in ids}
    unassigned = tuple(Unassigned(s.id, "no_room", "not in any route") for s in problem.stops if s.id not in served)
    draft = Plan(tuple(routes), unassigned, 0, feasible, problem.approximate)
    return Plan(tuple(routes), unassigned, check_plan(problem, draft).cost, feasible, problem.approximate)


def _week_demands(problem: PeriodicProblem, patterns: Mapping[str, int]) -> tuple[list[dict[str, int]], list[str]]:
    """Each day's kg per visited stop under ``patterns``, recomputed here, and the pattern violations."""
    demands: list[dict[str, int]] = [{} for _ in problem.days]
    errors: list[str] = []
    horizon = len(problem.days)
    for stop in problem.stops:
        mask = patterns.get(stop.id)
        if not isinstance(mask, int) or mask < 0 or mask >> horizon:
            errors.append(f"stop {stop.id}: no valid day pattern chosen (got {mask!r})")
            continue
        visit_days = [d for d in range(horizon) if mask & (1 << d)]
        if not stop.is_forecast:
            if mask not in stop.patterns:
                errors.append(f"stop {stop.id}: pattern {mask:#b} is not one of its allowed patterns")
            for d in visit_days:
                demands[d][stop.id] = stop.demand_kg
            continue
        assert stop.daily_kg is not None and stop.full_kg is not None
        level = stop.initial_kg
        for d in range(horizon):
            if level > stop.full_kg:
                errors.append(f"stop {stop.id}: {level} kg on day {d}, above full_kg {stop.full_kg}")
            emptied = stop.emptied_days >> d & 1
            if d in visit_days and emptied:
                errors.append(f"stop {stop.id}: visited on day {d}, when it is emptied outside the plan")
            elif d in visit_days:
                demands[d][stop.id] = level
            if d in visit_days or emptied:
                level = 0
            level += stop.daily_kg
    return demands, errors


def check_week_plan(problem: PeriodicProblem, week: WeekPlan) -> CheckReport:
    """Verify a week plan: chosen patterns, bins that never overflow and every day's plan.

    Parameters
    ----------
    problem
        The periodic problem.
    week
        A week plan (from :func:`routing.solver.solve_periodic` or built by hand).

    Returns
    -------
    CheckReport
        Violations (each day's prefixed ``day d:``) and the recomputed totals. A
        pattern stop must be served exactly on the days of one of its patterns, a
        forecast stop on days that keep its level at most ``full_kg`` every day
        (never on a day it is emptied outside the plan), with the kg of each visit
        recomputed from the days since the previous emptying;
        each day's plan is checked by :func:`check_plan` against that day's fleet.
        In a plan marked infeasible, a visit may be missing if its day lists it unassigned.
    """
    errors: list[str] = []
    if len(week.days) != len(problem.days):
        errors.append(f"{len(week.days)} day plans for a {len(problem.days)}-day horizon")
        return CheckReport(tuple(errors), 0, 0, 0)
    demands, pattern_errors = _week_demands(problem, week.patterns)
    errors += pattern_errors
    cost = distance = duration = 0
    for d, plan in enumerate(week.days):
        served = set(plan.served)
        for stop_id in sorted(served - set(demands[d])):
            errors.append(f"day {d}: stop {stop_id} served outside its chosen pattern")
        if not plan.feasible and week.feasible:
            errors.append(f"day {d}: plan infeasible in a week plan marked feasible")
        try:
            day_problem = problem.day_problem(d, demands[d])
        except ProblemError as exc:
            errors.append(f"day {d}: {exc}")
            continue
        if day_problem is None:
            if plan.routes or plan.cost:
                errors.append(f"day {d}: routes on a day without vehicles")
            continue
        report = check_plan(day_problem, plan)
        errors += [f"day {d}: {v}" for v in report.violations]
        cost, distance, duration = cost + report.cost, distance + report.distance_m, duration + report.duration_s
    if cost != week.cost:
        errors.append(f"week cost {week.cost} but recomputed {cost}")
    return CheckReport(tuple(errors), cost, distance, duration)
