"""Raised prizes that fall step by step in the threshold search (``ThresholdParams.prize_raise``: large
prize-collecting problems with time windows)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import pyvrp

from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.solver import pyvrp_search
from routing.solver.base import Deadline
from routing.solver.pyvrp_backend import PyVRPBackend, to_pyvrp
from routing.solver.pyvrp_search import (
    LARGE_CLIENTS,
    LARGE_WINDOWS_PRIZE_RAISE,
    PRIZE_FALL_END,
    PRIZE_STEP,
    PlainParams,
    PrizeSteps,
    ProgressStop,
    SearchLog,
    ThresholdParams,
    empty_start,
    params_for,
    threshold_search,
)
from routing.solver.recombine import SegmentStop
from tests.routing.solver.conftest import checked_solve


def near_and_far(window: bool = True) -> Problem:
    """A depot and two optional stops with a prize of 100 each: ``far`` 45 m away (the round trip of 90 m pays),
    ``near`` on a spur 55 m off every way (110 m more: it pays only on prizes raised by more than 10 %)."""
    m = np.array([[0, 45, 55], [45, 0, 100], [55, 100, 0]], dtype=np.int64)
    shift = TimeWindow(0, 1_000) if window else None
    stops = (
        Stop("far", demand_kg=1, prize=100, required=False, window=shift),
        Stop("near", demand_kg=1, prize=100, required=False, window=TimeWindow(0, 900) if window else None),
    )
    return Problem((Depot("d"),), (Vehicle("v", "d", 10, count=2),), stops, m, m)


class Held:
    """A stop for ``threshold_search`` at a fixed share of the search, ending it after ``n`` iterations;
    it records the costs it is shown."""

    def __init__(self, share: float, n: int) -> None:
        self.share, self.n, self.seen = share, n, list[int]()

    def fraction(self) -> float:
        return self.share

    def __call__(self, cost: int) -> bool:
        self.seen.append(cost)
        return len(self.seen) > self.n


def test_prizes_start_raised_and_fall_step_by_step_to_their_value_by_half_of_the_search() -> None:
    data = to_pyvrp(near_and_far()).data
    share = [0.0]
    steps = PrizeSteps(data, 0.2, lambda: share[0])
    prizes = {}
    for share[0] in (0.0, 0.04, 0.05, 0.25, 0.49, PRIZE_FALL_END, 0.9):
        prizes[share[0]] = [c.prize for c in steps.current().clients()]
    assert prizes[0.0] == prizes[0.04] == [120, 120]
    assert prizes[0.05] == [118, 118]  # one step of PRIZE_STEP later: 1 + 0.2 x (1 - 1/10)
    assert prizes[0.25] == [110, 110]
    assert prizes[0.49] == [102, 102]
    assert prizes[PRIZE_FALL_END] == prizes[0.9] == [100, 100]
    assert steps.current() is data  # the real data itself, not a copy
    same = steps.current()
    share[0] = 0.95
    assert steps.current() is same  # within a step the search keeps its local search
    assert round(PRIZE_FALL_END / PRIZE_STEP) == 10


def test_without_optional_clients_or_without_a_raise_the_search_keeps_the_real_prizes() -> None:
    optional = to_pyvrp(near_and_far()).data
    assert PrizeSteps(optional, 0.0, lambda: 0.0).current() is optional
    required = optional.replace(clients=[pyvrp.Client(c.location, delivery=[1], prize=0) for c in optional.clients()])
    assert PrizeSteps(required, 0.5, lambda: 0.0).current() is required


def test_while_the_prizes_are_raised_the_search_returns_and_reports_its_best_plan_on_the_real_prizes() -> None:
    data = to_pyvrp(near_and_far()).data
    params = pyvrp.SolveParams(ils=ThresholdParams(threshold=0.01, prize_raise=0.2))
    init = empty_start(data, 1, params)
    assert init is not None and init.num_clients() == 1  # the far stop only: 90 m of driving for 100 of prize
    stop = Held(0.0, 200)  # the prizes stay 20 % higher all along: there the near stop pays too
    best = threshold_search(data, stop, 1, params, init, 0.01)
    real = pyvrp.CostEvaluator([0], 0, 0)
    assert best.num_clients() == 1 and real.cost(best) == 90 + 100  # the plan that is best on the real prizes
    assert set(stop.seen) == {190}  # never the cheaper-looking cost of a plan on raised prizes
    raised = threshold_search(data, Held(0.0, 200), 1, pyvrp.SolveParams(ils=ThresholdParams(threshold=0.01)), init, 0)
    assert raised.num_clients() == 1  # the same without a raise (the search itself does not add the stop)


def test_a_search_whose_stop_cannot_tell_how_far_it_is_keeps_the_real_prizes(monkeypatch: pytest.MonkeyPatch) -> None:
    raised: list[float] = []
    plain = pyvrp_search.with_prizes
    monkeypatch.setattr(pyvrp_search, "with_prizes", lambda data, factor: raised.append(factor) or plain(data, factor))
    data = to_pyvrp(near_and_far()).data
    params = pyvrp.SolveParams(ils=ThresholdParams(threshold=0.01, prize_raise=0.2))
    init = empty_start(data, 1, params)
    calls = [0]

    def blind(cost: int) -> bool:  # no fraction(): the prizes would otherwise stay raised to the end
        calls[0] += 1
        return calls[0] > 50

    threshold_search(data, blind, 1, params, init, 0.01)
    assert raised == []
    threshold_search(data, Held(0.0, 50), 1, params, init, 0.01)
    assert raised == [1.2]  # the same search with a stop that tells it


def test_a_segment_of_a_pass_tells_the_share_of_the_whole_pass() -> None:
    now = [100.0]
    log = SearchLog(Deadline(10.0, clock=lambda: now[0]))
    segment = SegmentStop(ProgressStop(110.0, None, log), end=101.0)
    now[0] = 104.95
    assert segment.fraction() == pytest.approx(0.5)  # of the pass's 10 s less its reserve, not of the 1 s segment


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_solve_with_raised_prizes_ends_on_the_real_prizes(seed: int) -> None:
    params = pyvrp.SolveParams(ils=ThresholdParams(threshold=0.01, prize_raise=0.5))
    plan = checked_solve(near_and_far(), seed=seed, max_iterations=300, backend=PyVRPBackend(params))
    assert [r.stop_ids for r in plan.routes] == [("far",)] and plan.cost == 90 + 100


def test_large_problems_with_windows_raise_the_prizes_and_the_workers_get_the_raise() -> None:
    assert params_for(LARGE_CLIENTS, windows=True).ils.prize_raise == LARGE_WINDOWS_PRIZE_RAISE > 0
    assert getattr(params_for(LARGE_CLIENTS).ils, "prize_raise", 0.0) == 0.0
    assert getattr(params_for(LARGE_CLIENTS - 1, windows=True).ils, "prize_raise", 0.0) == 0.0
    params = params_for(LARGE_CLIENTS, windows=True)
    rebuilt = pickle.loads(pickle.dumps(PlainParams.of(params))).build()  # noqa: S301 (our own bytes)
    assert rebuilt == params
