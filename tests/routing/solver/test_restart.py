"""Late acceptance that starts again when idle (``restart_when_idle``: large problems without windows),
from its best plan shaken hard (``kick``)."""

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


def test_an_idle_search_starts_again_with_new_seeds_from_its_best_plan_shaken_and_keeps_the_best_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pyvrp_search, "MIN_IDLE_ITERATIONS", 50)
    starts: list[tuple[int, int]] = []
    kicked: list[tuple[int, int]] = []  # (seed, cost of the plan shaken)
    plain, plain_kick = pyvrp_search.late_acceptance, pyvrp_search.kick

    def recorded(data: pyvrp.ProblemData, stop: object, seed: int, *rest: object) -> pyvrp.Solution:
        best = plain(data, stop, seed, *rest)  # type: ignore[arg-type]
        starts.append((seed, pyvrp_search.outcome_of(best)[1]))
        return best

    def recorded_kick(data: pyvrp.ProblemData, solution: pyvrp.Solution, seed: int, *rest: object) -> pyvrp.Solution:
        kicked.append((seed, pyvrp_search.outcome_of(solution)[1]))
        return plain_kick(data, solution, seed, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(pyvrp_search, "late_acceptance", recorded)
    monkeypatch.setattr(pyvrp_search, "kick", recorded_kick)
    data = to_pyvrp(random_problem(12)).data
    stop = ProgressStop(1e9, 3000, SearchLog(Deadline(1e9)))
    feasible, cost, _ = run_one(data, stop, 7, _restart_params())
    assert len(starts) > 1
    assert [seed for seed, _ in starts] == [7 + k * RESTART_SEED_STEP for k in range(len(starts))]
    assert feasible and cost == min(c for _, c in starts)
    # every new start shakes the best plan found before it, with the new start's seed
    assert kicked == [(seed, min(c for _, c in starts[:k])) for k, (seed, _) in enumerate(starts) if k > 0]
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


def _edges(solution: pyvrp.Solution) -> set[tuple[int, int]]:
    """The legs of ``solution``'s routes (-1: the depot)."""
    legs = set()
    for route in solution.routes():
        stops = [a.idx for a in route.schedule() if a.is_client()]
        legs |= set(zip([-1, *stops], [*stops, -1], strict=True))
    return legs


def test_a_kick_changes_part_of_the_plan_and_keeps_most_of_it() -> None:
    data = to_pyvrp(random_problem(60)).data
    params = pyvrp.SolveParams()
    plan = pyvrp.solve(data, pyvrp.stop.MaxIterations(2000), seed=1, params=params, collect_stats=False).best
    kept = []
    for seed in range(5):
        shaken = pyvrp_search.kick(data, plan, seed, params)
        assert shaken.num_clients() == data.num_clients  # every client still visited
        kept.append(len(_edges(plan) & _edges(shaken)) / len(_edges(plan)))
    assert min(kept) < 1.0  # not the same plan every time: the kick moves clients
    assert min(kept) > 0.5  # unlike a new random start, it keeps most of the plan
