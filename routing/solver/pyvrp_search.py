"""Running PyVRP searches against a deadline: stopping rule, warm starts, parameters by size."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyvrp

from routing.errors import SolveCancelled
from routing.solver.base import LARGE_CLIENTS, CancelToken, Deadline, ProgressCallback

if TYPE_CHECKING:
    from pyvrp.PenaltyManager import PenaltyManager
    from pyvrp.search import LocalSearch, PerturbationParams

#: Time kept back at the end of the budget for mapping the plan back (seconds, at most 10 % of the budget).
MAPPING_RESERVE_S = 0.1
_INFEASIBLE = np.iinfo(np.int64).max // 2


@dataclass
class SearchLog:
    """Improvements of the best plan over every pass of a solve, reported as they happen."""

    deadline: Deadline
    progress: ProgressCallback | None = None

    def __post_init__(self) -> None:
        self.entries: list[tuple[float, int]] = []
        self.iterations = 0

    def offer(self, cost: int) -> None:
        """Record ``cost`` if it beats every cost recorded so far."""
        if not self.entries or cost < self.entries[-1][1]:
            self.entries.append((round(self.deadline.elapsed(), 3), cost))
            if self.progress is not None:
                self.progress(*self.entries[-1])


class ProgressStop:
    """PyVRP stopping criterion: deadline or iteration limit, cancel check and progress log.

    Parameters
    ----------
    until
        Stop at this time of ``log.deadline``'s clock, less the mapping reserve.
    max_iterations
        Stop after this many iterations instead, whatever the time.
    log
        Where improvements go (shared by the passes of one solve).
    cancel
        Checked every iteration.
    offset
        Added to PyVRP's cost (prizes of stops left out of the model).
    give_up_at
        Stop at this time if no feasible plan has been found yet.
    """

    def __init__(
        self,
        until: float,
        max_iterations: int | None,
        log: SearchLog,
        cancel: CancelToken | None = None,
        offset: int = 0,
        give_up_at: float | None = None,
    ) -> None:
        deadline = log.deadline
        reserve = min(MAPPING_RESERVE_S, 0.1 * (deadline.end - deadline.start))
        self.until, self.give_up_at, self.stop_at = until, give_up_at, until - reserve
        self.max_iterations, self.log, self._cancel, self.offset = max_iterations, log, cancel, offset
        self.iterations = -1
        self.began = deadline.clock()

    def fraction(self) -> float:
        """Share of this search's time (or of its iterations, with ``max_iterations``) used so far, 0 to 1."""
        done: float
        span: float
        if self.max_iterations is not None:
            done, span = max(self.iterations, 0), max(self.max_iterations, 1)
        else:
            done, span = self.log.deadline.clock() - self.began, self.stop_at - self.began
        return min(max(done / span, 0.0), 1.0) if span > 0 else 1.0

    def __call__(self, best_cost: int) -> bool:
        if self._cancel is not None and self._cancel.is_set():
            raise SolveCancelled("solve cancelled by the caller")
        self.iterations += 1
        self.log.iterations += self.iterations > 0
        feasible = best_cost < _INFEASIBLE
        if feasible:
            self.log.offer(best_cost + self.offset)
        if self.max_iterations is not None:
            return self.iterations >= self.max_iterations
        now = self.log.deadline.clock()
        return now >= self.stop_at or (not feasible and self.give_up_at is not None and now >= self.give_up_at)


def empty_start(data: pyvrp.ProblemData, seed: int, params: pyvrp.SolveParams) -> pyvrp.Solution | None:
    """Initial solution for problems with optional clients: local search from an empty plan.

    PyVRP starts from a random solution that visits every client; when many optional
    clients are not worth their detour it spends most of the budget removing them
    (PC-RC1_10_1: 40 % from the BKS after 10 s, 2 % from an empty start).
    """
    if all(c.required for c in data.clients()):
        return None
    ls, pm = search_parts(data, pyvrp.RandomNumberGenerator(seed=seed), params)
    return ls(pyvrp.Solution(data, []), pm.max_cost_evaluator(), exhaustive=True)


def search_parts(
    data: pyvrp.ProblemData,
    rng: pyvrp.RandomNumberGenerator,
    params: pyvrp.SolveParams,
    perturbation: PerturbationParams | None = None,
) -> tuple[LocalSearch, PenaltyManager]:
    """PyVRP's local search and penalty manager for ``data``, set up as :func:`pyvrp.solve` sets them up
    (with ``perturbation`` instead of the params' own when given)."""
    from pyvrp.PenaltyManager import PenaltyManager
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

    neighbours = compute_neighbours(data, params.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(perturbation or params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    return ls, PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)


Outcome = tuple[bool, int, pyvrp.Solution]


def run_one(
    data: pyvrp.ProblemData, stop: Any, seed: int, params: pyvrp.SolveParams, init: pyvrp.Solution | None = None
) -> Outcome:
    """One PyVRP search; ``(feasible, cost, best solution)``.

    With :class:`ThresholdParams` (``threshold > 0``) the search is :func:`threshold_search`,
    otherwise PyVRP's own iterated local search (late acceptance). With ``restart_when_idle``
    the late acceptance starts again with another seed whenever it is idle (:class:`IdleStop`),
    from its best plan so far shaken hard (:func:`kick`), until the budget or the iteration
    limit ends it, and the best plan of all its starts is kept.
    """
    init = init if init is not None else empty_start(data, seed, params)
    threshold = getattr(params.ils, "threshold", 0.0)
    if threshold > 0:
        return outcome_of(threshold_search(data, stop, seed, params, init, threshold))
    if not getattr(params.ils, "restart_when_idle", False):
        return outcome_of(late_acceptance(data, stop, seed, params, init))
    best: Outcome | None = None
    for restart in itertools.count():
        idle = IdleStop(stop)
        run_seed = seed + RESTART_SEED_STEP * restart
        start = init if best is None else kick(data, best[2], run_seed, params)
        found = outcome_of(late_acceptance(data, idle, run_seed, params, start))
        best = found if best is None else min(best, found, key=rank)
        if not idle.idle:
            return best
    raise AssertionError("unreachable")  # pragma: no cover


#: Share of the clients that :func:`kick` perturbs at once (PyVRP perturbs 2-20 per iteration).
KICK_SHARE = 0.12


def kick(data: pyvrp.ProblemData, solution: pyvrp.Solution, seed: int, params: pyvrp.SolveParams) -> pyvrp.Solution:
    """``solution`` shaken hard: PyVRP's perturbation of :data:`KICK_SHARE` of the clients at once, then its
    local search around them (a new start for an idle search that keeps most of what it has found).

    On X-n502-k39 a new start from this kick found better plans than a new random start
    (60 s, seeds 1-8: mean gap 0.17 % against 0.19 %; ``docs/decisions.md``, 2026-12-06).
    """
    from pyvrp.search import PerturbationParams

    size = max(1, round(KICK_SHARE * data.num_clients))
    ls, pm = search_parts(data, pyvrp.RandomNumberGenerator(seed=seed), params, PerturbationParams(size, size))
    return ls(solution, pm.cost_evaluator(), exhaustive=False)


def late_acceptance(
    data: pyvrp.ProblemData, stop: Any, seed: int, params: pyvrp.SolveParams, init: pyvrp.Solution | None
) -> pyvrp.Solution:
    """PyVRP's own iterated local search (late acceptance); its best solution."""
    return pyvrp.solve(data, stop, seed=seed, collect_stats=False, params=params, initial_solution=init).best


def outcome_of(best: pyvrp.Solution) -> Outcome:
    """``(feasible, cost, best)`` of a search's best solution (cost 0 when infeasible)."""
    if not best.is_feasible():
        return False, 0, best
    return True, int(pyvrp.CostEvaluator([0] * len(best.excess_load()), 0, 0).cost(best)), best


def rank(outcome: Outcome) -> tuple[bool, int]:
    """Sort key of outcomes: feasible before infeasible, then cheaper first."""
    return not outcome[0], outcome[1]


#: Fewest iterations without a better plan after which a search that restarts when idle starts again.
MIN_IDLE_ITERATIONS = 5_000
#: Seed of the k-th new start of a search with seed ``s``: ``s + k × RESTART_SEED_STEP`` (far from the seeds
#: ``s + 1 …`` of the other workers).
RESTART_SEED_STEP = 10_007


class IdleStop:
    """Stopping criterion around ``stop`` that also ends a search which has stopped finding better plans.

    The search is idle when it has gone as many iterations without a better plan as it took to find its
    best one (at least :data:`MIN_IDLE_ITERATIONS`): a search still improving at a steady pace is never
    cut. Counted in iterations, so a run under an iteration limit stays reproducible; ``stop`` still counts
    every iteration of every start against the budget and the limit.
    """

    def __init__(self, stop: Any) -> None:
        self.stop, self.idle = stop, False
        self.iterations, self.best, self.best_at = 0, _INFEASIBLE, 0

    def __call__(self, best_cost: int) -> bool:
        if self.stop(best_cost):
            return True
        self.iterations += 1
        if best_cost < self.best:
            self.best, self.best_at = best_cost, self.iterations
        elif self.best < _INFEASIBLE and self.iterations - self.best_at >= max(self.best_at, MIN_IDLE_ITERATIONS):
            self.idle = True
        return self.idle


@dataclass
class ThresholdParams(pyvrp.IteratedLocalSearchParams):
    """PyVRP's iterated local search parameters with a record-to-record acceptance threshold.

    ``threshold`` > 0: a candidate is accepted when it beats the current solution or
    costs less than the best one times ``1 + threshold × (1 − share of the time used)``,
    instead of PyVRP's late acceptance (``history_length`` and
    ``num_iters_no_improvement`` are then unused). See :func:`threshold_search`.
    ``restart_when_idle`` (late acceptance only): start again from the best plan shaken
    hard (:func:`kick`) when the search stops finding better plans, keep the best (:func:`run_one`).
    ``prize_raise`` (threshold search only): the prizes of optional clients start this share
    higher and fall to their value by :data:`PRIZE_FALL_END` of the search (:class:`PrizeSteps`).
    """

    threshold: float = 0.0
    restart_when_idle: bool = False
    prize_raise: float = 0.0


def threshold_search(
    data: pyvrp.ProblemData,
    stop: Any,
    seed: int,
    params: pyvrp.SolveParams,
    init: pyvrp.Solution | None,
    threshold: float,
) -> pyvrp.Solution:
    """PyVRP's iterated local search with record-to-record acceptance whose threshold falls to 0 by the end.

    The same set-up, perturbations, local search, penalty management and exhaustive
    search of a new best as :func:`pyvrp.solve`; only the acceptance differs. PyVRP's
    late acceptance does not know the budget, so at the end of a minute on 1,000
    clients it still wanders as far as at the start; here the search may move up
    to ``threshold`` above the best plan at the start and settles on it by the end
    (``stop.fraction()``: the share of the time or iterations used; a stop without
    it gives a fixed threshold and no raised prizes). Measured in ``docs/decisions.md`` (2026-12-06).

    With ``prize_raise`` in the params and optional clients, the search starts on
    raised prizes that fall step by step to the real ones (:class:`PrizeSteps`); the
    solution returned, and every cost ``stop`` sees, is on the real prizes.
    """
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    ls, pm = search_parts(data, rng, params)
    if init is None:
        init = ls(pyvrp.Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    told = getattr(stop, "fraction", None)  # a stop that cannot tell it: a fixed threshold and the real prizes
    fraction = told if told is not None else lambda: 0.0
    steps = PrizeSteps(data, getattr(params.ils, "prize_raise", 0.0) if told is not None else 0.0, fraction)
    here, local = data, ls
    best = curr = real_best = init
    evaluator = pm.cost_evaluator()
    while not stop(evaluator.cost(real_best)):
        if (stepped := steps.current()) is not here:  # the prizes fell a step: go on under the new ones
            here = stepped
            local = ls if here is data else search_parts(here, rng, params)[0]
            best = curr = on_data(here, best)
        evaluator = pm.cost_evaluator()
        cand = local(curr, evaluator, exhaustive=False)
        pm.register(cand)
        if evaluator.cost(cand) < evaluator.cost(best):
            best = cand
            if params.ils.exhaustive_on_best:
                polished = local(cand, evaluator, exhaustive=True)
                if polished.is_feasible():
                    best = cand = polished
            real = best if here is data else on_data(data, best)
            if evaluator.cost(real) < evaluator.cost(real_best):
                real_best = real
        cand_cost = evaluator.penalised_cost(cand)
        limit = evaluator.penalised_cost(best) * (1.0 + threshold * (1.0 - fraction()))
        if cand_cost < evaluator.penalised_cost(curr) or cand_cost < limit:
            curr = cand
    return real_best


#: Share of a search by which raised prizes (``ThresholdParams.prize_raise``) are back to their value.
PRIZE_FALL_END = 0.5
#: Share of a search between two falls of the raised prizes (each fall builds a local search anew).
PRIZE_STEP = 0.05


class PrizeSteps:
    """The prizes a search works with: the real ones times ``1 + raise_by × (1 − f / PRIZE_FALL_END)``,
    ``f`` the share of the search used at the start of its step of :data:`PRIZE_STEP`; the real data
    from :data:`PRIZE_FALL_END` on, and throughout when ``raise_by`` is 0 or no client is optional.

    A local search adds or drops one client at a time, so it does not open a route for clients that only
    pay for it together: on PC-RC1_10_1 the search kept 10-11 routes and about 100 clients, where the best
    known plan has 15 routes and 147 clients; seven of them collect only 23-576 more in prizes than they
    drive (2,904-3,757, ×10 units). On raised prizes such routes pay clearly; the search opens and
    shapes them while the prizes fall, and drops what does not pay on the real ones. Measured in
    ``docs/decisions.md`` (2026-12-06).
    """

    def __init__(self, data: pyvrp.ProblemData, raise_by: float, fraction: Any) -> None:
        self.data, self.raise_by, self.fraction = data, raise_by, fraction
        optional = any(not c.required and c.prize > 0 for c in data.clients())
        self.steps = round(PRIZE_FALL_END / PRIZE_STEP) if raise_by > 0 and optional else 0
        self.step, self.now = -1, data

    def factor(self, step: int) -> float:
        """What the prizes are multiplied by in ``step`` (1 from :attr:`steps` on)."""
        return 1.0 + self.raise_by * max(0.0, 1.0 - step / self.steps) if step < self.steps else 1.0

    def current(self) -> pyvrp.ProblemData:
        """The data of the step the search is in (the same object until the step changes)."""
        step = min(int(self.fraction() / PRIZE_STEP), self.steps) if self.steps else 0
        if step != self.step:
            self.step = step
            factor = self.factor(step)
            self.now = self.data if factor == 1.0 else with_prizes(self.data, factor)
        return self.now


def with_prizes(data: pyvrp.ProblemData, factor: float) -> pyvrp.ProblemData:
    """``data`` with the prize of every optional client multiplied by ``factor`` (rounded)."""
    clients = [
        c
        if c.required
        else pyvrp.Client(
            c.location,
            delivery=list(c.delivery),
            pickup=list(c.pickup),
            service_duration=c.service_duration,
            tw_early=c.tw_early,
            tw_late=c.tw_late,
            release_time=c.release_time,
            prize=round(c.prize * factor),
            required=False,
            group=c.group,
            name=c.name,
        )
        for c in data.clients()
    ]
    return data.replace(clients=clients)


def on_data(data: pyvrp.ProblemData, solution: pyvrp.Solution) -> pyvrp.Solution:
    """``solution``'s routes as a solution of ``data`` (the same locations and vehicles, other prizes)."""
    return pyvrp.Solution(data, [pyvrp.Route(data, activities(r), r.vehicle_type()) for r in solution.routes()])


def activities(route: pyvrp.Route) -> list[pyvrp.Activity]:
    """The route's visits between its start and end depots, reloads included."""
    return [pyvrp.Activity(a.type, a.idx) for a in list(route.schedule())[1:-1]]


@dataclass(frozen=True)
class PlainParams:
    """:class:`pyvrp.SolveParams` as plain values, which (unlike the params) can be pickled.

    Worker processes rebuild the params with :meth:`build`; ILS callbacks are not carried over.
    """

    ils: tuple[int, int, bool, float, bool, float]
    penalty: tuple[Any, ...]
    neighbourhood: tuple[float, int, bool]
    perturbation: tuple[int, int]
    operators: tuple[type, ...]
    display_interval: float

    @classmethod
    def of(cls, params: pyvrp.SolveParams) -> PlainParams:
        """The plain values of ``params``."""
        ils, nb, pert = params.ils, params.neighbourhood, params.perturbation
        return cls(
            (
                ils.num_iters_no_improvement,
                ils.history_length,
                ils.exhaustive_on_best,
                getattr(ils, "threshold", 0.0),
                getattr(ils, "restart_when_idle", False),
                getattr(ils, "prize_raise", 0.0),
            ),
            dataclasses.astuple(params.penalty),
            (nb.weight_wait_time, nb.num_neighbours, nb.symmetric_proximity),
            (pert.min_perturbations, pert.max_perturbations),
            tuple(params.operators),
            params.display_interval,
        )

    def build(self) -> pyvrp.SolveParams:
        """The :class:`pyvrp.SolveParams` again."""
        from pyvrp.search import NeighbourhoodParams, PerturbationParams

        iters, history, exhaustive, threshold, restart, prize_raise = self.ils
        ils = pyvrp.IteratedLocalSearchParams(iters, history, exhaustive)
        return pyvrp.SolveParams(
            ThresholdParams(
                iters, history, exhaustive, threshold=threshold, restart_when_idle=restart, prize_raise=prize_raise
            )
            if threshold > 0 or restart or prize_raise > 0
            else ils,
            pyvrp.PenaltyParams(*self.penalty),
            NeighbourhoodParams(*self.neighbourhood),
            list(self.operators),
            self.display_interval,
            PerturbationParams(*self.perturbation),
        )


#: From :data:`~routing.solver.base.LARGE_CLIENTS` clients on, :func:`params_for` departs from PyVRP's defaults.
#: Late-acceptance history length for large problems (PyVRP's default is 300).
LARGE_HISTORY = 100
#: Fewest and most perturbations per iteration for large problems (PyVRP's defaults are 1 and 25).
LARGE_PERTURBATIONS = (2, 20)


#: Record-to-record threshold of :class:`ThresholdParams` for large problems with time windows.
LARGE_WINDOWS_THRESHOLD = 0.002
#: How much higher the prizes of optional clients start in that search (:class:`PrizeSteps`).
LARGE_WINDOWS_PRIZE_RAISE = 0.2


def has_windows(data: pyvrp.ProblemData) -> bool:
    """Whether some client has a time window narrower than the vehicles' day (a VRPTW rather than a CVRP)."""
    types = data.vehicle_types()
    early, late = min(t.tw_early for t in types), max(t.tw_late for t in types)
    return any(c.tw_early > early or c.tw_late < late for c in data.clients())


def params_for(num_clients: int, windows: bool = False) -> pyvrp.SolveParams:
    """PyVRP's parameters for a search over ``num_clients`` clients (``windows``: some have time windows).

    Below :data:`LARGE_CLIENTS`, PyVRP's defaults. From there on, a late-acceptance
    history of :data:`LARGE_HISTORY` instead of 300 and :data:`LARGE_PERTURBATIONS`
    perturbations per iteration instead of 1-25: a minute on 1,000 clients is only
    15-60 thousand iterations, and with a long history the search keeps accepting
    worse solutions for much of it (RC1_10_1 at 60 s, two seeds: 2.73 % from the
    best known with the defaults, 2.33 % with these; measurements in
    docs/decisions.md, 2026-12-04). With time windows, the late acceptance gives way
    to a record-to-record threshold of :data:`LARGE_WINDOWS_THRESHOLD` that falls to 0
    by the end of the search (:func:`threshold_search`; RC1_10_1 at 60 s, seeds 1-7:
    better on every seed, mean gap 2.08 % against 2.45 %; on CVRP instances it did worse,
    so they keep the late acceptance; docs/decisions.md, 2026-12-06), whose optional clients'
    prizes start :data:`LARGE_WINDOWS_PRIZE_RAISE` higher and fall to their value by half of it
    (:class:`PrizeSteps`; PC-RC1_10_1 at 60 s, one search, seeds 1-8: mean gap 0.45 % against
    0.58 % without, in the same hour; docs/decisions.md, 2026-12-06). Without windows the
    late acceptance starts again from its best plan shaken hard whenever it is idle
    (``restart_when_idle``, :class:`IdleStop`, :func:`kick`): on X-n502-k39 it stops finding
    better plans after 7-15 s of the minute.
    """
    from pyvrp.search import PerturbationParams

    if num_clients < LARGE_CLIENTS:
        return pyvrp.SolveParams()
    threshold = LARGE_WINDOWS_THRESHOLD if windows else 0.0
    prize_raise = LARGE_WINDOWS_PRIZE_RAISE if windows else 0.0
    ils = ThresholdParams(
        history_length=LARGE_HISTORY, threshold=threshold, restart_when_idle=not windows, prize_raise=prize_raise
    )
    return pyvrp.SolveParams(
        ils=ils,
        perturbation=PerturbationParams(*LARGE_PERTURBATIONS),
    )
