"""Round optimisation: :func:`solve` turns a :class:`~routing.model.Problem` into a plan.

The work is done by a backend behind a small seam (:class:`Backend`); the default
is :class:`~routing.solver.pyvrp_backend.PyVRPBackend` (PyVRP 0.14).
"""

from __future__ import annotations

import math
import os
import time

from routing.errors import InvalidInputError
from routing.model import Problem
from routing.periodic import PeriodicProblem, WeekPlan
from routing.plan import Plan
from routing.solver.base import LARGE_CLIENTS, Backend, CancelToken, Clock, Deadline, ProgressCallback

__all__ = ["Backend", "CancelToken", "Clock", "Deadline", "ProgressCallback", "solve", "solve_periodic"]


def solve(
    problem: Problem,
    *,
    time_limit_s: float,
    seed: int,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    max_iterations: int | None = None,
    workers: int | None = None,
    relax_required: bool = False,
    backend: Backend | None = None,
    clock: Clock = time.monotonic,
) -> Plan:
    """Plan the rounds of ``problem``.

    Parameters
    ----------
    problem
        A validated problem (required stops that no vehicle can serve are already
        refused there, with the cause).
    time_limit_s
        Wall-clock budget in seconds for the whole call, counted from its start:
        mapping the problem, every search pass and mapping the plan back. The
        call returns within the budget plus a fraction of a second (one search
        iteration).
    seed
        Random seed. With ``max_iterations`` the result is identical for a given
        seed; under a pure time limit it depends on how many iterations fit.
    progress
        Called with ``(elapsed seconds, best cost)`` each time the best plan improves.
    cancel
        Checked every iteration (e.g. a :class:`threading.Event`); once set, the
        solve stops and raises :class:`~routing.errors.SolveCancelled`.
    max_iterations
        Stop each search pass after this many iterations, whatever the time (for
        reproducible results); the budget then only splits the passes.
    workers
        Searches run in parallel, this process and ``workers - 1`` others (a
        pool started with the call), with seeds ``seed .. seed + workers - 1``
        from the same start; the best plan wins. The search in this process is
        the one a single worker runs, so under ``max_iterations`` more workers
        never give a worse plan; under a time budget they give the best of
        several such searches (large problems with time windows search with a
        threshold that follows the clock, so there the same seed can end
        elsewhere from one run to the next). Progress comes from this
        process's search and, at the end of each pass, the others' best;
        ``iterations`` counts all of them. ``None`` (the default): :func:`auto_workers`
        chooses, one search unless the problem is large and the budget long.
        The pool's processes are spawned, so Python imports the caller's script
        again in each: a script that calls ``solve`` at its top level needs
        ``if __name__ == "__main__":`` for them to search. Without it Python
        prints why the pool process could not start, and ``solve`` returns the
        plan of its own search.
    relax_required
        Best-effort mode for overloaded days: search from the start with required
        stops treated as optional at a large prize (see Returns), instead of first
        looking for a plan that serves them all.
    backend
        Solver engine; PyVRP when ``None``.
    clock
        Monotonic clock the budget is measured with (tests inject a fake one).

    Returns
    -------
    Plan
        Routes, totals, cost and unassigned stops with reasons. If no plan serves
        every required stop by half the budget, a second search in the time left
        treats them as optional with a large prize; the plan is then marked
        ``feasible=False`` and lists the required stops left out (code ``"no_room"``).
        When vehicles may reload and the plan uses several, part of the budget
        searches again with one vehicle fewer (the dropped route becoming one
        more trip of another), and the rest searches on from the cheaper plan.
    """
    deadline = _deadline(time_limit_s, seed, max_iterations, clock)
    if workers is None:
        workers = auto_workers(len(problem.stops), time_limit_s, max_iterations)
    _check_workers(workers)
    if backend is None:
        from routing.solver.pyvrp_backend import PyVRPBackend

        backend = PyVRPBackend()
    return backend.solve(
        problem,
        deadline=deadline,
        seed=seed,
        progress=progress,
        cancel=cancel,
        max_iterations=max_iterations,
        workers=workers,
        relax_required=relax_required,
    )


def _positive(seconds: object) -> bool:
    return (
        isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and math.isfinite(seconds) and seconds > 0
    )


def solve_periodic(
    problem: PeriodicProblem,
    *,
    time_limit_s: float,
    seed: int,
    max_iterations: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int = 1,
    clock: Clock = time.monotonic,
) -> WeekPlan:
    """Choose each stop's visit days and plan every day's rounds, together.

    The method is described in :mod:`routing.solver.periodic` (PyVRP is imported on first use).

    Parameters
    ----------
    problem
        A validated periodic problem.
    time_limit_s
        Wall-clock budget for the whole call, counted from its start (set-up
        included); the call returns within it plus one search iteration.
    seed
        Random seed of the day searches.
    max_iterations
        Stop each day search after this many PyVRP iterations, and the whole solve
        once a round finds nothing better (or after ``MAX_ROUNDS``), whatever the
        time left: the result is then identical for a given seed (unless the
        deadline comes first).
    progress
        Called with ``(elapsed seconds, total cost of the best week)`` once every day
        has its first plan and each time the best week improves.
    cancel
        Checked at every search iteration and pattern move; once set the solve
        raises :class:`~routing.errors.SolveCancelled`.
    workers
        Week searches run in parallel: this process (seed ``seed``, the search one
        worker runs) and ``workers - 1`` others in a pool started with the call
        (seeds ``seed + 1`` ..., constructing with the stops in a seeded random
        order), each the whole method until the same deadline; the best week
        wins (fewest stops left out, then cost). Progress comes from
        this process's search, and once more at the end if another search's week
        is better.
    clock
        Monotonic clock of the budget (tests inject a fake one).

    Returns
    -------
    WeekPlan
        One plan per day and the chosen pattern of every stop; ``feasible=False``
        when some day could not serve all its visits (listed unassigned there) or
        its search found no plan within capacity and shifts in its share of the
        budget (that day's plan is then its best effort, marked infeasible).
    """
    deadline = _deadline(time_limit_s, seed, max_iterations, clock)
    _check_workers(workers)
    from routing.solver.periodic import plan_week

    return plan_week(problem, deadline, seed, max_iterations, cancel, progress, workers)


#: :func:`auto_workers` runs several searches from this many stops on (a large problem) ...
AUTO_WORKERS_STOPS = LARGE_CLIENTS
#: ... with a budget of at least this many seconds ...
AUTO_WORKERS_BUDGET_S = 10.0
#: ... and at most this many, however many cores the machine has.
AUTO_WORKERS_MAX = 2


def auto_workers(num_stops: int, time_limit_s: float, max_iterations: int | None) -> int:
    """How many searches :func:`solve` runs when the caller does not say.

    One, unless the problem has at least :data:`AUTO_WORKERS_STOPS` stops, the budget
    is at least :data:`AUTO_WORKERS_BUDGET_S` and no iteration limit is set: then one
    per core this process may use, at most :data:`AUTO_WORKERS_MAX`. A minute is far
    from enough for one search on 1,000 stops, and two searches keep the better of two
    plans (without time windows the first is the one-search plan itself), so an idle
    second core is not wasted; on small problems the pool's start would cost more than
    it brings. Measured on RC1_10_1 at 60 s, the gain is within the spread of the seeds
    so far (``docs/decisions.md``, 2026-12-06). With an iteration limit the result
    must not depend on the machine, so one search.
    """
    if max_iterations is not None or num_stops < AUTO_WORKERS_STOPS or time_limit_s < AUTO_WORKERS_BUDGET_S:
        return 1
    return max(1, min(AUTO_WORKERS_MAX, usable_cores()))


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _check_workers(workers: object) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidInputError("workers", f"must be a positive integer, got {workers!r}")


def _deadline(time_limit_s: object, seed: object, max_iterations: object, clock: Clock) -> Deadline:
    """Validate the budget arguments shared by the solve functions; the deadline starts now."""
    if not _positive(time_limit_s):
        raise InvalidInputError("time_limit_s", f"must be a positive number of seconds, got {time_limit_s!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError("seed", f"must be a non-negative integer, got {seed!r}")
    if max_iterations is not None and (not isinstance(max_iterations, int) or max_iterations < 1):
        raise InvalidInputError("max_iterations", f"must be a positive integer, got {max_iterations!r}")
    assert isinstance(time_limit_s, (int, float))
    return Deadline(float(time_limit_s), clock)
