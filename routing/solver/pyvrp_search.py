"""Running PyVRP searches against a deadline: stopping rule, warm starts and parallel seeds."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp

from routing.errors import SolveCancelled
from routing.solver.base import CancelToken, Deadline, ProgressCallback

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
        self._until, self._give_up = until - reserve, give_up_at
        self._max_iterations, self._log, self._cancel, self._offset = max_iterations, log, cancel, offset
        self.iterations = -1

    def __call__(self, best_cost: int) -> bool:
        if self._cancel is not None and self._cancel.is_set():
            raise SolveCancelled("solve cancelled by the caller")
        self.iterations += 1
        self._log.iterations += self.iterations > 0
        feasible = best_cost < _INFEASIBLE
        if feasible:
            self._log.offer(best_cost + self._offset)
        if self._max_iterations is not None:
            return self.iterations >= self._max_iterations
        now = self._log.deadline.clock()
        return now >= self._until or (not feasible and self._give_up is not None and now >= self._give_up)


def empty_start(data: pyvrp.ProblemData, seed: int, params: pyvrp.SolveParams) -> pyvrp.Solution | None:
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


Outcome = tuple[bool, int, pyvrp.Solution]


def run_one(
    data: pyvrp.ProblemData, stop: Any, seed: int, params: pyvrp.SolveParams, init: pyvrp.Solution | None = None
) -> Outcome:
    """One PyVRP search; ``(feasible, cost, best solution)``."""
    init = init if init is not None else empty_start(data, seed, params)
    res = pyvrp.solve(data, stop, seed=seed, collect_stats=False, params=params, initial_solution=init)
    feasible = bool(res.best.is_feasible())
    return feasible, int(res.cost()) if feasible else 0, res.best


def _worker(
    data: pyvrp.ProblemData, seed: int, until_monotonic: float, max_iterations: int | None, init: Any
) -> Outcome:
    log = SearchLog(Deadline(max(until_monotonic - time.monotonic(), 0.0)))
    stop = ProgressStop(until_monotonic, max_iterations, log)
    return run_one(data, stop, seed, pyvrp.SolveParams(), init)


def best_of(
    data: pyvrp.ProblemData,
    stop: ProgressStop,
    seed: int,
    workers: int,
    params: pyvrp.SolveParams,
    limits: tuple[float, int | None],
    init: pyvrp.Solution | None = None,
) -> pyvrp.Solution:
    """Run ``workers`` independent seeds (the first in this process) and keep the best.

    ``limits`` is ``(seconds left, max_iterations)`` for the other processes, which
    stop at the same moment on the system's monotonic clock.
    """
    if workers <= 1:
        return run_one(data, stop, seed, params, init)[2]
    if params != pyvrp.SolveParams():
        raise ValueError("workers > 1 supports PyVRP's default parameters only (SolveParams cannot be pickled)")
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    until = time.monotonic() + limits[0]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers - 1, mp_context=ctx) as pool:
        futures = [pool.submit(_worker, data, seed + k, until, limits[1], init) for k in range(1, workers)]
        try:
            results = [run_one(data, stop, seed, params, init)]
        except SolveCancelled:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            raise
        results += [f.result() for f in futures]
    return min(results, key=lambda r: (not r[0], r[1]))[2]
