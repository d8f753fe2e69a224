"""The lower bound that skips the search with one vehicle fewer when that fleet cannot serve the day."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from routing.model import Depot, Stop, TimeWindow, Vehicle
from routing.solver import bounds, pyvrp_backend, pyvrp_search, solve
from routing.solver.pyvrp_backend import to_pyvrp
from tests.routing.solver.conftest import checked_solve, line_problem
from tests.routing.solver.test_budget_and_fleet import FakeClock
from tests.routing.solver.test_recombine import one_truck_optimum

DEPOTS = [Depot("G"), Depot("P1", service_s=5), Depot("P2", service_s=5)]


def bins_day(count: int, shift: TimeWindow, service_s: int = 30) -> list[object]:
    """G 0, P1 27, P2 -30 (5 s to unload), bins of 3-4 kg at -6, -2, 16, 20 taking ``service_s`` each, 10 kg trucks
    ending empty. Two trucks: G-b-a-P2-G 60 s of travel and G-c-d-P1-G 54 s; one truck G-a-b-P1-d-c-P1-G 88 s."""
    stops = [Stop(i, demand_kg=kg, service_s=service_s) for i, kg in zip("abcd", (3, 4, 4, 4), strict=True)]
    truck = Vehicle("t", "G", 10, count=count, reload_depots=("P1", "P2"), end_empty=True, shift=shift)
    return [[0, 27, -30, -6, -2, 16, 20], stops, [truck], DEPOTS]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_bound_never_exceeds_the_time_of_the_best_one_truck_round(seed: int) -> None:
    # Five bins on a line, no service time and no unloading time (the brute force counts travel only): with the
    # shift exactly as long as the best round, one truck can do it, and the bound must not say otherwise.
    rng = np.random.default_rng(seed)
    positions = [0, 40, -35, *rng.integers(-50, 51, 5).tolist()]
    stops = [Stop(f"s{i}", demand_kg=int(rng.integers(1, 4))) for i in range(5)]
    free = Vehicle("t", "G", 5, reload_depots=("P1", "P2"), end_empty=True)
    plants = [Depot("G"), Depot("P1"), Depot("P2")]
    best = one_truck_optimum(to_pyvrp(line_problem(positions, stops, [free], plants)).data)
    exact = Vehicle("t", "G", 5, reload_depots=("P1", "P2"), end_empty=True, shift=TimeWindow(0, best))
    problem = line_problem(positions, stops, [exact], plants)
    assert not bounds.fleet_too_short(to_pyvrp(problem).data)
    assert checked_solve(problem, max_iterations=500).feasible  # and a plan within that shift exists


def test_a_truck_whose_shift_cannot_hold_the_bins_service_and_the_travel_is_too_short() -> None:
    # Four bins of 30 s each, at least 30 s of travel between them (the assignment bound) and 5 s of unloading: more
    # than 130 s of work. One truck of 130 s is too short; of 218 s it is not (the best round takes 88 + 120 + 10 s).
    short = to_pyvrp(line_problem(*bins_day(1, TimeWindow(0, 130)))).data
    assert bounds.fleet_too_short(short)
    exact = to_pyvrp(line_problem(*bins_day(1, TimeWindow(0, 218)))).data
    assert not bounds.fleet_too_short(exact)
    two = to_pyvrp(line_problem(*bins_day(2, TimeWindow(0, 130)))).data
    assert not bounds.fleet_too_short(two)  # two trucks of 130 s can (125 s and 119 s)


def test_fleets_of_several_kinds_or_without_reloads_are_not_judged() -> None:
    positions, stops, trucks, depots = bins_day(1, TimeWindow(0, 130))
    assert bounds.fleet_too_short(to_pyvrp(line_problem(positions, stops, trucks, depots)).data)
    other = Vehicle("u", "G", 12, reload_depots=("P1",), end_empty=True, shift=TimeWindow(0, 130))
    assert not bounds.fleet_too_short(to_pyvrp(line_problem(positions, stops, [*trucks, other], depots)).data)
    plain = Vehicle("t", "G", 100, shift=TimeWindow(0, 130))
    assert not bounds.fleet_too_short(to_pyvrp(line_problem(positions, stops, [plain], depots)).data)


def test_the_search_with_a_truck_fewer_is_skipped_when_one_truck_is_too_short(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two trucks of 130 s: the plan needs both (each takes one trip), and one truck is proven too short, so the
    # budget goes on with two trucks and the search with one truck fewer (which starts from a merged route) never runs.
    merged: list[object] = []
    real = pyvrp_backend._merged
    monkeypatch.setattr(pyvrp_backend, "_merged", lambda *a: merged.append(a) or real(*a))
    plan = checked_solve(line_problem(*bins_day(2, TimeWindow(0, 130))), max_iterations=300)
    assert plan.feasible and len(plan.routes) == 2 and not merged
    monkeypatch.setattr(bounds, "MAX_CLIENTS", 0)  # without the bound the search with a truck fewer runs
    checked_solve(line_problem(*bins_day(2, TimeWindow(0, 130))), max_iterations=300)
    assert merged


def test_the_search_with_a_truck_fewer_gives_up_early_when_it_finds_no_plan_within_the_shift(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same day with the bound off: one truck cannot empty the bins within 130 s, so the search with a truck
    # fewer never finds a plan within the shift; it stops after FEWER_GIVE_UP of its time and the two trucks
    # search on with the rest (on a clock that advances 1 ms per reading, so that the times are the search's own).
    monkeypatch.setattr(bounds, "MAX_CLIENTS", 0)
    stops: list[pyvrp_search.ProgressStop] = []
    real = pyvrp_backend.ProgressStop

    def recorded(*args: Any, **kwargs: Any) -> pyvrp_search.ProgressStop:
        stops.append(real(*args, **kwargs))
        return stops[-1]

    monkeypatch.setattr(pyvrp_backend, "ProgressStop", recorded)

    def reduced_pass(give_up: float) -> tuple[float, float, float, float, float]:
        """The search with a truck fewer: when it started and ended, when it was to give up, to stop and to end
        its share of the budget."""
        monkeypatch.setattr(pyvrp_backend, "FEWER_GIVE_UP", give_up)
        stops.clear()
        clock = FakeClock(step=0.001)
        plan = solve(line_problem(*bins_day(2, TimeWindow(0, 130))), time_limit_s=1.0, seed=1, clock=clock)
        assert plan.feasible and len(plan.routes) == 2
        fewer, after = stops[1], stops[2]  # the passes: two trucks, one truck fewer, two trucks again
        assert fewer.give_up_at is not None
        return fewer.began, after.began, fewer.give_up_at, fewer.stop_at, fewer.until

    began, ended, give_up, stop_at, until = reduced_pass(pyvrp_backend.FEWER_GIVE_UP)
    assert give_up - began < 0.3 * (until - began)
    assert give_up <= ended < stop_at  # gave up after a quarter of its time, no plan within the shift found
    began, ended, give_up, stop_at, until = reduced_pass(1.0)  # never giving up: it runs to the end of its share
    assert ended >= stop_at
