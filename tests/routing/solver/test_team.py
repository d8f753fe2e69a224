"""Parallel searches (``workers=2``): best of the seeds, reproducibility, cancel, parameters for the workers;
the same for week searches."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import pyvrp
from pyvrp.search import NeighbourhoodParams, PerturbationParams

import routing.solver
from routing.errors import InvalidInputError, SolveCancelled
from routing.model import Depot, Vehicle
from routing.periodic import DayFleet, PeriodicProblem, PeriodicStop, WeekPlan
from routing.plan import Plan
from routing.solver import AUTO_WORKERS_BUDGET_S, AUTO_WORKERS_MAX, AUTO_WORKERS_STOPS, solve, solve_periodic
from routing.solver.periodic import _week_worker
from routing.solver.pyvrp_backend import PyVRPBackend
from routing.solver.pyvrp_search import (
    LARGE_CLIENTS,
    LARGE_HISTORY,
    LARGE_PERTURBATIONS,
    PlainParams,
    params_for,
)
from routing.solver.team import caller_filters
from tests.routing.solver.conftest import checked_solve
from tests.routing.solver.test_api import random_problem
from tests.routing.solver.test_budget_and_fleet import two_trips_problem
from tests.routing.solver.test_periodic import checked_week

REPO = Path(__file__).resolve().parents[3]


def test_two_workers_never_plan_worse_than_one_with_the_same_seed() -> None:
    # The first search of two workers is the one-worker search; the other has its own seed. Under an iteration
    # limit both are reproducible, so the two-worker plan is the better of two known plans.
    problem = random_problem(40)
    one = checked_solve(problem, seed=5, max_iterations=120, time_limit_s=30)
    other = checked_solve(problem, seed=6, max_iterations=120, time_limit_s=30)
    two = checked_solve(problem, seed=5, max_iterations=120, workers=2, time_limit_s=30)
    assert two.cost == min(one.cost, other.cost)


def test_two_workers_under_an_iteration_limit_give_the_same_plan_twice() -> None:
    problem = random_problem(25)
    a = checked_solve(problem, seed=3, max_iterations=150, workers=2, time_limit_s=30)
    b = checked_solve(problem, seed=3, max_iterations=150, workers=2, time_limit_s=30)
    assert a.feasible and len(a.served) == 25
    assert a.routes == b.routes and a.cost == b.cost
    costs = [c for _, c in a.progress]
    assert costs == sorted(costs, reverse=True) and costs[-1] == a.cost


def test_two_workers_run_every_pass_of_a_solve_with_reloads() -> None:
    plan = checked_solve(two_trips_problem(), max_iterations=300, workers=2, time_limit_s=30)
    assert plan.cost == 88 and len(plan.routes) == 1


def test_cancel_stops_two_workers() -> None:
    event = threading.Event()
    with pytest.raises(SolveCancelled):
        solve(random_problem(), time_limit_s=30, seed=1, workers=2, cancel=event, progress=lambda t, c: event.set())


def test_solve_params_reach_the_worker_processes() -> None:
    params = pyvrp.SolveParams(
        ils=pyvrp.IteratedLocalSearchParams(history_length=50),
        neighbourhood=NeighbourhoodParams(num_neighbours=20),
        perturbation=PerturbationParams(2, 8),
    )
    rebuilt = pickle.loads(pickle.dumps(PlainParams.of(params))).build()  # noqa: S301 (our own bytes)
    assert rebuilt == params and rebuilt != pyvrp.SolveParams()
    problem = random_problem(15)
    plan = solve(problem, time_limit_s=30, seed=1, max_iterations=60, workers=2, backend=PyVRPBackend(params))
    assert plan.feasible and len(plan.served) == 15


def test_small_problems_keep_pyvrp_defaults_and_large_ones_a_shorter_history() -> None:
    assert params_for(LARGE_CLIENTS - 1) == pyvrp.SolveParams()
    large = params_for(LARGE_CLIENTS)
    assert large.ils.history_length == LARGE_HISTORY < pyvrp.IteratedLocalSearchParams().history_length
    pert = large.perturbation
    assert (pert.min_perturbations, pert.max_perturbations) == LARGE_PERTURBATIONS
    assert large.neighbourhood == NeighbourhoodParams() and large.penalty == pyvrp.PenaltyParams()


#: Seeds of :func:`random_week` with which the pool's week, then the caller's, is the cheaper (found by trying).
POOL_WINS, OWN_WINS = 1, 2


def random_week() -> PeriodicProblem:
    """25 stops on a 200 x 200 grid over 5 days, two 20 kg trucks a day: 10 visited twice, 15 once."""
    rng = np.random.default_rng(12)
    points = rng.integers(-100, 100, size=(26, 2))
    matrix = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    stops = [PeriodicStop(f"s{k}", patterns=(0b00101, 0b01010, 0b10100), demand_kg=3) for k in range(10)]
    stops += [PeriodicStop(f"t{k}", patterns=(1, 2, 4, 8, 16), demand_kg=5) for k in range(15)]
    days = (DayFleet((Vehicle("truck", "G", 20, count=2),)),) * 5
    return PeriodicProblem((Depot("G"),), days, tuple(stops), matrix, matrix)


def test_two_week_searches_keep_the_better_week() -> None:
    # Under an iteration limit each search is reproducible: the caller's (the one-worker search) and the pool's
    # (next seed, shuffled construction). With seed A the pool's week is cheaper and is returned, with seed B
    # the caller's own.
    problem = random_week()

    def pool(seed: int) -> WeekPlan:
        return _week_worker(problem, time.monotonic() + 30, seed, 100, [])

    own = {s: checked_week(problem, seed=s, max_iterations=100, time_limit_s=30) for s in (POOL_WINS, OWN_WINS)}
    other = {s: pool(s + 1) for s in (POOL_WINS, OWN_WINS)}
    assert other[POOL_WINS].cost < own[POOL_WINS].cost and own[OWN_WINS].cost < other[OWN_WINS].cost
    two = checked_week(problem, seed=POOL_WINS, max_iterations=100, time_limit_s=30, workers=2)
    expected = other[POOL_WINS]
    assert (two.cost, two.seed, two.patterns) == (expected.cost, POOL_WINS + 1, expected.patterns)
    assert two.rounds == own[POOL_WINS].rounds + expected.rounds
    again = checked_week(problem, seed=OWN_WINS, max_iterations=100, time_limit_s=30, workers=2)
    assert (again.cost, again.seed, again.patterns) == (own[OWN_WINS].cost, OWN_WINS, own[OWN_WINS].patterns)


def test_cancel_stops_two_week_searches() -> None:
    # Cancelled during the first searches of the days (the first progress comes after about a third of the budget).
    event = threading.Event()
    timer = threading.Timer(1.0, event.set)
    timer.start()
    try:
        with pytest.raises(SolveCancelled):
            solve_periodic(random_week(), time_limit_s=60, seed=1, workers=2, cancel=event)
    finally:
        timer.cancel()


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_positive_integer(workers: object) -> None:
    with pytest.raises(InvalidInputError) as week:
        solve_periodic(random_week(), time_limit_s=1, seed=1, workers=workers)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as day:
        solve(random_problem(5), time_limit_s=1, seed=1, workers=workers)  # type: ignore[arg-type]
    assert week.value.field == day.value.field == "workers"


def test_the_pool_gets_the_callers_warning_filters_that_it_can_import() -> None:
    class Local(UserWarning):  # defined in a function: a pool process could not import it
        pass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        warnings.simplefilter("error", Local)
        sent = caller_filters()
        assert sent == [f for f in warnings.filters if f[2] is not Local]
    assert sent[0][:3] == ("ignore", None, pyvrp.exceptions.PenaltyBoundWarning)
    assert pickle.loads(pickle.dumps(sent)) == sent  # noqa: S301 (our own bytes)


class _Asked(Exception):
    """Raised by :class:`_CountingBackend` with the number of searches ``solve`` asked it for."""


class _CountingBackend:
    """A backend that only reports how many searches it was asked to run."""

    name = "counting"

    def solve(self, problem: object, *, workers: int, **rest: object) -> Plan:
        raise _Asked(workers)


def _workers_asked(monkeypatch: pytest.MonkeyPatch, cores: int, stops: int, **kwargs: object) -> int:
    monkeypatch.setattr(routing.solver, "usable_cores", lambda: cores)
    with pytest.raises(_Asked) as asked:
        solve(random_problem(stops), seed=1, backend=_CountingBackend(), **kwargs)  # type: ignore[arg-type]
    return int(asked.value.args[0])


def test_solve_uses_two_cores_on_a_large_problem_when_the_caller_does_not_say(monkeypatch: pytest.MonkeyPatch) -> None:
    large = AUTO_WORKERS_STOPS
    assert _workers_asked(monkeypatch, 2, large, time_limit_s=60) == 2
    assert _workers_asked(monkeypatch, 8, large, time_limit_s=60) == AUTO_WORKERS_MAX == 2
    # One core, a small problem, a short budget or an iteration limit (reproducible on any machine): one search.
    assert _workers_asked(monkeypatch, 1, large, time_limit_s=60) == 1
    assert _workers_asked(monkeypatch, 8, large - 1, time_limit_s=60) == 1
    assert _workers_asked(monkeypatch, 8, large, time_limit_s=AUTO_WORKERS_BUDGET_S / 2) == 1
    assert _workers_asked(monkeypatch, 8, large, time_limit_s=60, max_iterations=100) == 1
    # The caller's number wins.
    assert _workers_asked(monkeypatch, 8, large, time_limit_s=60, workers=1) == 1
    assert _workers_asked(monkeypatch, 1, 10, time_limit_s=1, workers=3) == 3


def test_usable_cores_counts_this_process_cores() -> None:
    assert 1 <= routing.solver.usable_cores() <= (os.cpu_count() or 1)


def run_script(folder: Path, text: str) -> subprocess.CompletedProcess[str]:
    """Run ``text`` as a script of its own in ``folder`` (the repository importable), its output captured."""
    script = folder / "plan_today.py"
    script.write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, str(script)]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_script_without_a_main_guard_still_gets_its_plan(tmp_path: Path) -> None:
    # Pool processes are spawned, and Python's spawn imports the caller's script again in each of them. A script that
    # calls solve at its top level (no `if __name__ == "__main__":`) makes the pool process call solve too; Python
    # refuses to start a process from there, that pool process dies, and the caller's solve goes on with its own
    # search: the plan comes back complete, once, within the budget, and the script exits.
    done = run_script(
        tmp_path,
        "import time\n"
        "from routing.solver import solve\n"
        "from tests.routing.solver.test_api import random_problem\n"
        "began = time.monotonic()\n"
        "plan = solve(random_problem(30), time_limit_s=3, seed=1, workers=2)\n"
        "print('served', len(plan.served), 'feasible', plan.feasible, 'seconds', time.monotonic() - began)\n",
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("served")]
    assert len(lines) == 1, done.stdout
    assert lines[0][1:4] == ["30", "feasible", "True"]
    assert float(lines[0][-1]) <= 3 + 0.5


def test_a_pool_process_still_starting_is_ended_with_the_solve(tmp_path: Path) -> None:
    # Without a main guard, each pool process runs the caller's script again while it starts; here that script's
    # body is long (a pool process sleeps 30 s in it, then leaves a mark). The solve needs no pool process (nothing
    # to plan), and when it returns, the pool process still starting is ended: the script exits and the pool
    # process never gets through the script's body. Before, Python waited for it at exit, and it ran the body.
    done = run_script(
        tmp_path,
        "import os, time\n"
        "if __name__ == '__mp_main__':  # a pool process running this script again\n"
        "    open('pool.pid', 'w').write(str(os.getpid()))\n"
        "    time.sleep(30)\n"
        "    open('body.done', 'w').write('the pool process ran the whole script')\n"
        "from routing.solver import solve\n"
        "from tests.routing.solver.test_api import random_problem\n"
        "plan = solve(random_problem(0), time_limit_s=2, seed=1, workers=2)\n"
        "print('routes', len(plan.routes))\n",
    )
    assert done.returncode == 0, done.stderr
    assert "routes 0" in done.stdout
    assert not (tmp_path / "body.done").exists()
    if (tmp_path / "pool.pid").exists():  # it got into the script's body before it was ended
        with pytest.raises(ProcessLookupError):
            os.kill(int((tmp_path / "pool.pid").read_text()), 0)
