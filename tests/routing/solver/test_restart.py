"""Late acceptance that starts again when idle (``restart_when_idle``: large problems without windows)."""

from __future__ import annotations

import pickle

import pytest
import pyvrp

from routing.solver import pyvrp_search
from routing.solver.base import Deadline
from routing.solver.pyvrp_backend import PyVRPBackend, to_pyvrp
from routing.solver.pyvrp_search import (
    LARGE_CLIENTS,
    RESTART_SEED_STEP,
    IdleStop,
    PlainParams,
    ProgressStop,
    SearchLog,
    ThresholdParams,
    params_for,
    run_one,
)
from tests.routing.solver.conftest import checked_solve
from tests.routing.solver.test_api import random_problem

INFEASIBLE = pyvrp_search._INFEASIBLE + 1


def test_a_search_is_idle_after_as_many_iterations_without_a_better_plan_as_it_took_to_find_its_best(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pyvrp_search, "MIN_IDLE_ITERATIONS", 3)
    idle = IdleStop(lambda cost: False)
    assert not any(idle(INFEASIBLE) for _ in range(50))  # no plan yet: never idle
    assert not idle(100) and not idle(80)  # iteration 52: the best so far
    assert [idle(80) for _ in range(52)] == [False] * 51 + [True]
    assert idle.idle


def test_a_search_still_improving_is_not_idle_and_the_budget_ends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyvrp_search, "MIN_IDLE_ITERATIONS", 3)
    idle = IdleStop(lambda cost: False)
    assert not any(idle(1000 - k) for k in range(500))
    ended = IdleStop(lambda cost: True)
    assert ended(5) and not ended.idle


def _restart_params() -> pyvrp.SolveParams:
    return pyvrp.SolveParams(ils=ThresholdParams(restart_when_idle=True))


def test_an_idle_search_starts_again_with_new_seeds_and_keeps_the_best_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyvrp_search, "MIN_IDLE_ITERATIONS", 50)
    starts: list[tuple[int, int]] = []
    plain = pyvrp_search.late_acceptance

    def recorded(data: pyvrp.ProblemData, stop: object, seed: int, *rest: object) -> pyvrp.Solution:
        best = plain(data, stop, seed, *rest)  # type: ignore[arg-type]
        starts.append((seed, pyvrp_search.outcome_of(best)[1]))
        return best

    monkeypatch.setattr(pyvrp_search, "late_acceptance", recorded)
    data = to_pyvrp(random_problem(12)).data
    stop = ProgressStop(1e9, 3000, SearchLog(Deadline(1e9)))
    feasible, cost, _ = run_one(data, stop, 7, _restart_params())
    assert len(starts) > 1
    assert [seed for seed, _ in starts] == [7 + k * RESTART_SEED_STEP for k in range(len(starts))]
    assert feasible and cost == min(c for _, c in starts)
    assert stop.iterations == 3000  # the iteration limit counts every start
    again = run_one(data, ProgressStop(1e9, 3000, SearchLog(Deadline(1e9))), 7, _restart_params())
    assert again[1] == cost  # reproducible under an iteration limit


def test_only_large_problems_without_windows_restart_and_the_setting_reaches_the_workers() -> None:
    assert params_for(LARGE_CLIENTS).ils.restart_when_idle
    assert not params_for(LARGE_CLIENTS, windows=True).ils.restart_when_idle
    assert params_for(LARGE_CLIENTS - 1) == pyvrp.SolveParams()
    rebuilt = pickle.loads(pickle.dumps(PlainParams.of(_restart_params()))).build()  # noqa: S301 (our own bytes)
    assert rebuilt == _restart_params()
    plan = checked_solve(random_problem(15), max_iterations=400, workers=2, backend=PyVRPBackend(_restart_params()))
    assert plan.feasible and len(plan.served) == 15
