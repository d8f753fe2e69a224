"""The record-to-record search used for large problems with time windows (``ThresholdParams``)."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
import pyvrp

from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.solver.base import Deadline
from routing.solver.pyvrp_backend import PyVRPBackend, to_pyvrp
from routing.solver.pyvrp_search import (
    LARGE_CLIENTS,
    LARGE_HISTORY,
    LARGE_WINDOWS_THRESHOLD,
    PlainParams,
    ProgressStop,
    SearchLog,
    ThresholdParams,
    has_windows,
    params_for,
)
from tests.routing.solver.conftest import checked_solve
from tests.routing.solver.test_api import random_problem


def windows_problem(seed: int = 4, n: int = 7) -> Problem:
    """``n`` stops on a 100 x 100 grid, one vehicle; each window 30 s wide around a random tour's arrival."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 100, size=(n + 1, 2))
    matrix = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    order, t, here = rng.permutation(n) + 1, 0, 0
    arrival = {}
    for k in order:
        t += int(matrix[here, k])
        arrival[int(k)], here = t, int(k)
    stops = [
        Stop(f"s{k}", demand_kg=1, window=TimeWindow(max(arrival[k] - 15, 0), arrival[k] + 15)) for k in range(1, n + 1)
    ]
    return Problem((Depot("d"),), (Vehicle("v", "d", 100),), tuple(stops), matrix, matrix)


def brute_force(problem: Problem) -> int:
    """Cheapest feasible tour of the one vehicle over every order of the stops."""
    m, best = problem.distance_m, None
    for order in itertools.permutations(range(1, len(problem.stops) + 1)):
        t = dist = here = 0
        for k in order:
            dist += int(m[here, k])
            t = max(t + int(m[here, k]), problem.stops[k - 1].window.start_s)  # type: ignore[union-attr]
            if t > problem.stops[k - 1].window.end_s:  # type: ignore[union-attr]
                break
            here = k
        else:
            cost = dist + int(m[here, 0])
            best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_the_threshold_search_finds_the_optimum_of_a_tiny_instance_with_windows(seed: int) -> None:
    problem = windows_problem(seed)
    optimum = brute_force(problem)
    params = pyvrp.SolveParams(ils=ThresholdParams(threshold=0.05))
    plan = checked_solve(problem, max_iterations=300, backend=PyVRPBackend(params))
    assert plan.feasible and plan.cost == optimum


def test_the_threshold_search_runs_in_the_worker_processes_too() -> None:
    params = pyvrp.SolveParams(ils=ThresholdParams(threshold=0.01))
    rebuilt = pickle.loads(pickle.dumps(PlainParams.of(params))).build()  # noqa: S301 (our own bytes)
    assert rebuilt == params and rebuilt.ils.threshold == 0.01
    problem = windows_problem(5)
    plan = checked_solve(problem, max_iterations=200, workers=2, backend=PyVRPBackend(params), time_limit_s=30)
    assert plan.cost == brute_force(problem)


def test_large_problems_with_windows_get_the_threshold_and_those_without_keep_late_acceptance() -> None:
    assert params_for(LARGE_CLIENTS - 1, windows=True) == pyvrp.SolveParams()
    with_windows, without = params_for(LARGE_CLIENTS, windows=True), params_for(LARGE_CLIENTS)
    assert with_windows.ils.threshold == LARGE_WINDOWS_THRESHOLD > 0
    assert without.ils.threshold == 0 and without.ils.history_length == LARGE_HISTORY
    assert with_windows.perturbation == without.perturbation


def test_windows_are_told_from_a_plain_capacity_problem() -> None:
    assert has_windows(to_pyvrp(windows_problem()).data)
    assert not has_windows(to_pyvrp(random_problem(10)).data)
    shifted = random_problem(10)
    shifted = Problem(
        shifted.depots,
        (Vehicle("van", "plant", 15, count=10, shift=TimeWindow(4 * 3600, 22 * 3600)),),
        shifted.stops,
        shifted.distance_m,
        shifted.duration_s,
    )
    assert not has_windows(to_pyvrp(shifted).data)  # a shift alone is no window


def test_the_stop_tells_the_share_of_time_or_iterations_used() -> None:
    now = [100.0]
    log = SearchLog(Deadline(10.0, clock=lambda: now[0]))
    stop = ProgressStop(110.0, None, log)  # stops at 110 less the 0.1 s reserve
    assert stop.fraction() == 0.0
    now[0] = 104.95
    assert stop.fraction() == pytest.approx(0.5)
    now[0] = 120.0
    assert stop.fraction() == 1.0
    counted = ProgressStop(110.0, 4, log)
    for _ in range(3):  # the first call is PyVRP's look before its first iteration
        counted(10)
    assert counted.fraction() == pytest.approx(0.5)
