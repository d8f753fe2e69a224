"""Screen PyVRP search parameters on benchmark instances (our wrapper, one core, one run at a time).

Usage::

    FITMI_SHARED=/work/shared python benchmarks/screen_params.py --only RC1_10_1 --budget 30 \
        --variant default --variant nb=30 --variant hist=100,pmax=10

A variant is ``default`` or comma-separated ``key=value`` overrides of PyVRP's
defaults: ``nb`` (num_neighbours), ``hist`` (history_length), ``noimp``
(num_iters_no_improvement), ``pmin``/``pmax`` (perturbations), ``sbu``
(penalty solutions_between_updates), ``tf`` (target_feasible), ``nbw`` (weight_wait_time of the
neighbourhood), ``exh`` (exhaustive_on_best, 0 or 1), ``thr`` (record-to-record threshold of
:class:`~routing.solver.pyvrp_search.ThresholdParams`, 0 = PyVRP's late acceptance), ``raise`` (its
``prize_raise``: optional clients' prizes start that share higher), ``add`` / ``drop`` (operators of ``pyvrp.search``
added to or dropped from PyVRP's defaults, joined by ``+``: ``drop=Swap22+Swap21``). Each line printed
is ``instance variant seed gap_pct iterations wall_s loadavg routes``. One search per run unless ``--workers`` says
otherwise (``solve`` itself would run two on a large problem when the machine has two cores).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import pyvrp
from pyvrp.search import NeighbourhoodParams, PerturbationParams

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_solver import SHARED, gap, load, to_problem  # type: ignore[import-not-found]

from routing.model import Problem
from routing.plan import Plan
from routing.solver import solve
from routing.solver.pyvrp_backend import PyVRPBackend
from routing.solver.pyvrp_search import ThresholdParams


def params_of(variant: str) -> pyvrp.SolveParams | None:
    """PyVRP parameters for a variant string (``None``: the backend's own choice)."""
    if variant == "auto":
        return None
    kv = dict(item.split("=") for item in variant.split(",")) if variant != "default" else {}
    ils = ThresholdParams(
        num_iters_no_improvement=int(kv.get("noimp", 150_000)),
        history_length=int(kv.get("hist", 300)),
        exhaustive_on_best=kv.get("exh", "1") == "1",
        threshold=float(kv.get("thr", 0.0)),
        prize_raise=float(kv.get("raise", 0.0)),
    )
    penalty = pyvrp.PenaltyParams(
        solutions_between_updates=int(kv.get("sbu", 500)), target_feasible=float(kv.get("tf", 0.65))
    )
    nbh = NeighbourhoodParams(float(kv.get("nbw", 0.2)), int(kv.get("nb", 50)))
    pert = PerturbationParams(int(kv.get("pmin", 1)), int(kv.get("pmax", 25)))
    operators = list(pyvrp.SolveParams().operators)
    operators += [getattr(pyvrp.search, name) for name in kv["add"].split("+")] if "add" in kv else []
    for name in kv["drop"].split("+") if "drop" in kv else []:
        operators.remove(getattr(pyvrp.search, name))
    return pyvrp.SolveParams(ils=ils, penalty=penalty, neighbourhood=nbh, operators=operators, perturbation=pert)


def run_variant(problem: Problem, variant: str, budget: float, seed: int, workers: int = 1) -> tuple[Plan, float, str]:
    """Our ``solve`` of ``problem`` with ``variant``'s parameters and ``workers`` searches (one by default, not
    ``solve``'s choice by machine): plan, wall seconds, load average (1 min)."""
    params = params_of(variant)
    backend = PyVRPBackend(params) if params is not None else None
    began = time.perf_counter()
    plan = solve(problem, time_limit_s=budget, seed=seed, backend=backend, workers=workers)
    wall = time.perf_counter() - began
    return plan, wall, Path("/proc/loadavg").read_text().split()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", required=True)
    ap.add_argument("--budget", type=float, default=30.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--variant", action="append", required=True)
    ap.add_argument("--workers", type=int, default=1, help="searches at once (default 1: one core per run)")
    args = ap.parse_args()
    with open(SHARED / "bench" / "bks.csv") as fh:
        rows = {r["instance"]: r for r in csv.DictReader(fh)}
    for name in args.only:
        inst = load(rows[name])
        problem = to_problem(inst)
        for variant in args.variant:
            for seed in args.seeds:
                plan, wall, load1 = run_variant(problem, variant, args.budget, seed, args.workers)
                g, _ = gap(inst, problem, plan)
                print(
                    name,
                    variant,
                    seed,
                    f"{g:.2f}",
                    plan.iterations,
                    f"{wall:.2f}",
                    load1,
                    len(plan.routes),
                    sep="\t",
                    flush=True,
                )


if __name__ == "__main__":
    main()
