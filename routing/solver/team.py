"""Several PyVRP searches at once, each with its own seed; the best plan is kept.

With ``workers`` searches, this process runs one (seed ``seed``: the same search as
with one worker, step for step under an iteration limit) and a process pool, created once per solve, runs the others
(seeds ``seed + 1`` ...), all from the same start. This process keeps the progress
log and the cancel check; the pool's searches stop at the same moment on the
system's monotonic clock. Exchanging the best plan between the searches in epochs
was measured and lost to one worker (``docs/decisions.md``, 2026-12-04).
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, TypeVar, cast

import pyvrp

from routing.errors import SolveCancelled
from routing.solver.base import Deadline
from routing.solver.pyvrp_search import Outcome, PlainParams, ProgressStop, SearchLog, rank, run_one

T = TypeVar("T")

#: How long past the end of a pass this process waits for another search's result (seconds).
#: A search that has not even built its first solution by then (a pool process
#: starting on a large problem) is left out of that pass.
GRACE_S = 0.2


def _ready() -> None:
    """Nothing: submitted once per process so that the pool starts (and imports PyVRP) early."""


def caller_filters() -> list[Any]:
    """The calling process's warning filters that can be sent to a pool process (all, in practice)."""
    return [entry for entry in warnings.filters if _picklable(entry)]


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except (pickle.PicklingError, AttributeError, TypeError):  # e.g. a category the pool could not import
        return False
    return True


def _worker(
    data: pyvrp.ProblemData,
    seed: int,
    stop_at: float,
    max_iterations: int | None,
    give_up_at: float | None,
    plain: PlainParams,
    init: pyvrp.Solution | None,
    filters: list[Any],
) -> tuple[Outcome, int]:
    """One search in a pool process, until ``stop_at`` on the monotonic clock; outcome and iterations.
    ``filters``: the caller's warning filters (a warning it silences stays silent here)."""
    with warnings.catch_warnings():
        cast(list[Any], warnings.filters)[:] = filters  # in place, just after catch_warnings reset the caches
        stop = ProgressStop(stop_at, max_iterations, SearchLog(Deadline(0.0)), give_up_at=give_up_at)
        outcome = run_one(data, stop, seed, plain.build(), init)
    return outcome, max(stop.iterations, 0)


class Team:
    """The searches of one solve: this process and ``workers - 1`` pool processes.

    Use it as a context manager: the pool starts on entry (its processes import
    PyVRP while this one maps the problem) and is shut down on exit.

    Parameters
    ----------
    workers
        Number of searches run at once; with one, :meth:`search` is a plain PyVRP run.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._ready: list[Future[None]] = []
        self._futures: list[Future[tuple[Outcome, int]]] = []

    def __enter__(self) -> Team:
        if self.workers > 1:
            self._pool = spawn_pool(self.workers - 1)
            self._ready = [self._pool.submit(_ready) for _ in range(self.workers - 1)]
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._pool is not None:
            # A pool process still busy (a search, or still starting: importing, or running the caller's script
            # again when it has no main guard) is ended now; otherwise Python would wait for it at exit.
            if not all(f.done() for f in self._ready) or not all(f.done() for f in self._futures):
                self._abort()
            self._pool.shutdown(wait=False, cancel_futures=True)  # idle processes exit by themselves
            self._pool = None

    def search(
        self,
        data: pyvrp.ProblemData,
        stop: ProgressStop,
        seed: int,
        params: pyvrp.SolveParams,
        init: pyvrp.Solution | None = None,
    ) -> pyvrp.Solution:
        """Best solution of a search pass limited by ``stop`` (seeds from ``seed`` on)."""
        if self._pool is None:
            return run_one(data, stop, seed, params, init)[2]
        seeds = [seed + j for j in range(self.workers)]
        best = self._all(data, stop, seeds, (params, PlainParams.of(params)), init)
        if best[0]:
            stop.log.offer(best[1] + stop.offset)
        return best[2]

    def _all(
        self,
        data: pyvrp.ProblemData,
        stop: ProgressStop,
        seeds: list[int],
        params: tuple[pyvrp.SolveParams, PlainParams],
        init: pyvrp.Solution | None,
    ) -> Outcome:
        """A search here (seed ``seeds[0]``) and one per pool process (the other seeds); the best outcome."""
        assert self._pool is not None
        clock = stop.log.deadline.clock
        shift = time.monotonic() - clock()  # this clock's times on the monotonic clock of the pool
        give_up = None if stop.give_up_at is None else stop.give_up_at + shift
        filters = caller_filters()
        futures: list[Future[tuple[Outcome, int]]] = [
            self._pool.submit(
                _worker, data, s, stop.stop_at + shift, stop.max_iterations, give_up, params[1], init, filters
            )
            for s in seeds[1:]
        ]
        self._futures = futures
        try:
            results = [run_one(data, stop, seeds[0], params[0], init)]
        except SolveCancelled:
            self._abort()
            raise
        for future in futures:
            # A search still building its first solution (or whose process died) is left out.
            got = result_by(future, stop.stop_at + shift if stop.max_iterations is None else None)
            if got is not None:
                results.append(got[0])
                stop.log.iterations += got[1]
        return min(results, key=rank)

    def _abort(self) -> None:
        """Stop the pool's searches now (on cancel, or a search still running at the end)."""
        assert self._pool is not None
        terminate(self._pool)


def spawn_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of fresh processes (spawned: nothing of this process's state is shared)."""
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))


def result_by(future: Future[T], end: float | None) -> T | None:
    """What a pool search returned, waiting until ``end`` on the monotonic clock plus ``GRACE_S`` (for ever
    when ``None``); ``None`` when it is not back by then or its process died."""
    timeout = None if end is None else max(end - time.monotonic(), 0.0) + GRACE_S
    try:
        return future.result(timeout)
    except (TimeoutError, BrokenProcessPool):
        return None


def terminate(pool: ProcessPoolExecutor) -> None:
    """End the processes of ``pool`` now, whatever they are running."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.terminate()
