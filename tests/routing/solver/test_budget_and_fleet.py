"""The budget is counted from the start of ``solve`` (on an injected clock), and fewer trucks are tried."""

from __future__ import annotations

import dataclasses

import pyvrp

from routing.checker import check_plan
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.solver import solve
from routing.solver.pyvrp_backend import _host, _merged, from_pyvrp, to_pyvrp
from tests.routing.solver.conftest import checked_solve, line_problem


class FakeClock:
    """Advances ``step`` seconds per reading; ``setup_s`` more after the first one (the start of ``solve``)."""

    def __init__(self, step: float = 0.001, setup_s: float = 0.0) -> None:
        self.now, self.step, self.setup_s, self.readings = 1000.0, step, setup_s, 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.step + (self.setup_s if self.readings == 2 else 0.0)
        return self.now


def two_trips_problem(count: int = 2, shift: TimeWindow | None = None) -> Problem:
    # G 0, plants P1 27 and P2 -30, bins a -6 (3 kg), b -2, c 16, d 20 (4 kg), 10 kg trucks ending empty.
    # One truck: G-a-b-P1-d-c-P1-G = 6+4+29+7+4+11+27 = 88; the best two trucks: G-b-a-P2-G 60 + G-c-d-P1-G 54 = 114
    # (both by brute force over orders, reloads and plants).
    stops = [Stop("a", demand_kg=3), Stop("b", demand_kg=4), Stop("c", demand_kg=4), Stop("d", demand_kg=4)]
    truck = Vehicle("t", "G", 10, count=count, reload_depots=("P1", "P2"), end_empty=True, shift=shift)
    return line_problem([0, 27, -30, -6, -2, 16, 20], stops, [truck], [Depot("G"), Depot("P1"), Depot("P2")])


def test_one_truck_with_a_reload_is_found_when_two_trucks_are_available() -> None:
    plan = checked_solve(two_trips_problem(), max_iterations=300)
    assert plan.cost == 88 and len(plan.routes) == 1 and plan.routes[0].num_reloads == 1


def test_one_truck_that_would_work_past_its_shift_is_not_kept_however_cheap() -> None:
    # One truck needs 88 s, past a 70 s shift; the two trucks' plan (60 s and 54 s) fits it.
    problem = two_trips_problem(shift=TimeWindow(0, 70))
    plan = checked_solve(problem, max_iterations=300)
    assert plan.feasible and plan.cost == 114 and len(plan.routes) == 2


def test_the_fewer_trucks_search_starts_with_the_dropped_route_as_one_more_trip_after_an_unload() -> None:
    # Two trucks, G-a-b-(P1)-G (6 + 4 + 29 + 27 = 66) and G-c-d-(P1)-G (16 + 4 + 7 + 27 = 54). With one truck fewer
    # the search starts from the shorter route, an unload at P1 (on the way from d at 20 to a at -6: 7 + 33,
    # against 50 + 24 through P2), then a and b: 16 + 4 + 7 + 33 + 4 + 29 + 27 = 120, within capacity.
    problem = two_trips_problem()
    mapped = to_pyvrp(problem)
    client = {s.id: k for k, s in enumerate(mapped.stops)}

    def route(*ids: str) -> pyvrp.Route:
        acts = [pyvrp.Activity(pyvrp.ActivityType.CLIENT, client[i]) for i in ids]
        return pyvrp.Route(mapped.data, acts, 0)

    long, short = route("a", "b"), route("c", "d")
    assert _host(mapped.data, [long, short]) is short
    plan = from_pyvrp(problem, mapped, pyvrp.Solution(mapped.data, [_merged(mapped.data, short, long)]))
    assert [(v.kind, v.id) for v in plan.routes[0].visits] == [
        ("depot", "G"), ("stop", "c"), ("stop", "d"), ("reload", "P1"), ("stop", "a"), ("stop", "b"),
        ("reload", "P1"), ("depot", "G"),
    ]  # fmt: skip
    assert plan.feasible and plan.cost == 120 and check_plan(problem, plan).ok


def test_a_truck_at_its_most_reloads_takes_no_more_trips() -> None:
    problem = two_trips_problem()
    limited = dataclasses.replace(problem, vehicles=(dataclasses.replace(problem.vehicles[0], max_reloads=1),))
    mapped = to_pyvrp(limited)
    client = {s.id: k for k, s in enumerate(mapped.stops)}
    two_trips = [pyvrp.Activity(pyvrp.ActivityType.CLIENT, client["a"]), pyvrp.Activity(pyvrp.ActivityType.DEPOT, 1)]
    two_trips.append(pyvrp.Activity(pyvrp.ActivityType.CLIENT, client["b"]))
    assert _host(mapped.data, [pyvrp.Route(mapped.data, two_trips, 0)]) is None


def test_set_up_time_counts_against_the_budget() -> None:
    # The clock says mapping took 0.95 s of a 1 s budget: the search stops at its first check.
    clock = FakeClock(setup_s=0.95)
    plan = solve(two_trips_problem(count=1), time_limit_s=1.0, seed=1, clock=clock)
    assert plan.iterations == 0 and check_plan(two_trips_problem(count=1), plan).ok
    assert plan.runtime_s < 1.0


def test_every_pass_ends_within_the_budget_on_the_solve_clock() -> None:
    clock = FakeClock(step=0.001)
    plan = solve(two_trips_problem(), time_limit_s=0.5, seed=1, clock=clock)
    assert plan.iterations > 50 and plan.runtime_s <= 0.5
    assert all(t <= 0.5 for t, _ in plan.progress) and check_plan(two_trips_problem(), plan).ok


def test_an_infeasible_search_leaves_half_the_budget_to_the_best_effort_one() -> None:
    truck = Vehicle("truck", "plant", 10, max_reloads=0, reload_depots=("plant",))
    problem = line_problem([0, 10, 12], [Stop("a", demand_kg=6), Stop("b", demand_kg=6)], [truck])
    plan = solve(problem, time_limit_s=0.5, seed=1, clock=FakeClock(step=0.001))
    assert not plan.feasible and plan.runtime_s <= 0.5 and plan.iterations > 50
    assert 0.25 <= plan.progress[0][0] <= 0.3  # the first best-effort plan, found right after giving up
