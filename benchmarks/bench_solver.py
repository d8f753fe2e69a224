"""Round optimiser vs raw PyVRP vs OR-Tools (guided local search) on standard instances.

Usage::

    python benchmarks/bench_solver.py [--quick] [--budgets 10 60] [--seed 1] [--out results.csv]

Instances, best-known solutions and rounding conventions come from
``$FITMI_SHARED/bench`` (default ``<repo>/../shared/bench``): X instances use
nearest-integer Euclidean distances; Solomon / Gehring-Homberger (and the
prize-collecting instance) use distances truncated to one decimal, scaled by 10.
Every solver runs single-threaded with the same wall budget; every result is
replayed by :func:`routing.checker.check_plan` and its checked cost is what the
gap is computed from. ``--workers2`` adds a run of our wrapper with two parallel
searches on the 1000-client instances at the largest budget. ``--solvers ours-default``
runs our ``solve`` without saying how many searches, as a caller gets it: two on the
1000-client instances at 60 s when the machine has two cores, one otherwise.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvrp
import vrplib
from pyvrp.stop import MaxRuntime

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.checker import check_plan, plan_from_sequences
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.plan import Plan
from routing.solver import solve

SHARED = Path(os.environ.get("FITMI_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared"))
QUICK = ("X-n101-k25", "R101")


@dataclass
class Instance:
    name: str
    path: Path
    scale: int  # 1 for X (nint), 10 for dimacs
    bks: float
    n_vehicles: int
    capacity: int
    demand: np.ndarray
    dist: np.ndarray
    tw: np.ndarray | None
    service: np.ndarray
    prize: np.ndarray


def load(row: dict[str, str]) -> Instance:
    name = row["instance"]
    solomon = (SHARED / "bench" / f"{name}.txt").exists()
    path = SHARED / "bench" / (f"{name}.txt" if solomon else f"{name}.vrp")
    raw = vrplib.read_instance(path, instance_format="solomon" if solomon else "vrplib")
    scale = 1 if row["problem"] == "CVRP" else 10
    n = len(raw["demand"])
    euclid = raw["edge_weight"]
    dist = np.round(euclid).astype(np.int64) if scale == 1 else (10 * euclid).astype(np.int64)
    service = raw.get("service_time", 0)
    service = np.full(n, service) if np.isscalar(service) else np.asarray(service)
    service = (scale * service).astype(np.int64)
    service[0] = 0
    tw = (scale * raw["time_window"]).astype(np.int64) if "time_window" in raw else None
    prize = (scale * raw["prize"]).astype(np.int64) if "prize" in raw else np.zeros(n, np.int64)
    fleet = int(raw["vehicles"]) if "vehicles" in raw else math.ceil(1.2 * int(row["bks_routes"])) + 1
    return Instance(
        name,
        path,
        scale,
        float(row["bks"]),
        fleet,
        int(raw["capacity"]),
        raw["demand"].astype(np.int64),
        dist,
        tw,
        service,
        prize,
    )


def to_problem(inst: Instance) -> Problem:
    """Our model of the instance, mirroring what ``pyvrp.read`` builds (demands as deliveries,
    scaled like the distances; the depot's due date as the vehicles' shift) so that both
    sides search the same data."""
    shift = TimeWindow(int(inst.tw[0, 0]), int(inst.tw[0, 1])) if inst.tw is not None else None
    stops = []
    for i in range(1, len(inst.demand)):
        window = TimeWindow(int(inst.tw[i, 0]), int(inst.tw[i, 1])) if inst.tw is not None else None
        optional = inst.prize[i] > 0
        stops.append(
            Stop(
                f"c{i}",
                kind="delivery",
                demand_kg=int(inst.scale * inst.demand[i]),
                service_s=int(inst.service[i]),
                window=window,
                required=not optional,
                prize=int(inst.prize[i]),
            )
        )
    vehicle = Vehicle("v", "depot", inst.scale * inst.capacity, count=inst.n_vehicles, shift=shift)
    return Problem((Depot("depot"),), (vehicle,), tuple(stops), inst.dist, inst.dist)


def raw_data(inst: Instance) -> pyvrp.ProblemData:
    """PyVRP's own reader (or, for Solomon files it cannot read, PyVRP classes directly)."""
    if inst.path.suffix == ".vrp":
        data = pyvrp.read(inst.path, round_func="round" if inst.scale == 1 else "dimacs")
        return data.replace(vehicle_types=[data.vehicle_type(0).replace(num_available=inst.n_vehicles)])
    assert inst.tw is not None
    n = len(inst.demand)
    clients = [
        pyvrp.Client(
            i,
            delivery=[int(inst.scale * inst.demand[i])],
            service_duration=int(inst.service[i]),
            tw_early=int(inst.tw[i, 0]),
            tw_late=int(inst.tw[i, 1]),
        )
        for i in range(1, n)
    ]
    depot = pyvrp.Depot(0)
    vt = pyvrp.VehicleType(
        inst.n_vehicles, [inst.scale * inst.capacity], tw_early=int(inst.tw[0, 0]), tw_late=int(inst.tw[0, 1])
    )
    locs = [pyvrp.Location(0, 0) for _ in range(n)]
    return pyvrp.ProblemData(locs, clients, [depot], [vt], [inst.dist], [inst.dist])


def run_ours(inst: Instance, problem: Problem, budget: float, seed: int, workers: int | None = 1) -> tuple[Plan, float]:
    """Our ``solve``; ``workers=None`` leaves the number of searches to it (two on a large problem here)."""
    t0 = time.perf_counter()
    plan = solve(problem, time_limit_s=budget, seed=seed, workers=workers)
    return plan, time.perf_counter() - t0


def run_raw(inst: Instance, problem: Problem, budget: float, seed: int) -> tuple[Plan, float]:
    t0 = time.perf_counter()
    data = raw_data(inst)
    res = pyvrp.solve(data, MaxRuntime(budget), seed=seed, collect_stats=False)
    wall = time.perf_counter() - t0
    seqs = [("v", [f"c{a.idx + 1}" for a in route if a.is_client()]) for route in res.best.routes()]
    return plan_from_sequences(problem, seqs, feasible=res.is_feasible()), wall


def run_ortools(inst: Instance, problem: Problem, budget: float, seed: int) -> tuple[Plan, float]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    n, nv = len(inst.demand), inst.n_vehicles
    manager = pywrapcp.RoutingIndexManager(n, nv, 0)
    model = pywrapcp.RoutingModel(manager)
    arc = model.RegisterTransitMatrix(inst.dist.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(arc)
    dem = model.RegisterUnaryTransitVector(inst.demand.tolist())
    model.AddDimensionWithVehicleCapacity(dem, 0, [inst.capacity] * nv, True, "load")
    if inst.tw is not None:
        _ortools_time(model, manager, inst)
    for i in range(1, n):
        if inst.prize[i] > 0:
            model.AddDisjunction([manager.NodeToIndex(i)], int(inst.prize[i]))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(budget * 1000))
    sol = model.SolveWithParameters(params)
    wall = time.perf_counter() - t0
    if sol is None:
        return plan_from_sequences(problem, [], feasible=False), wall
    seqs = []
    for v in range(nv):
        idx, seq = sol.Value(model.NextVar(model.Start(v))), []
        while not model.IsEnd(idx):
            seq.append(f"c{manager.IndexToNode(idx)}")
            idx = sol.Value(model.NextVar(idx))
        if seq:
            seqs.append(("v", seq))
    return plan_from_sequences(problem, seqs), wall


def _ortools_time(model, manager, inst: Instance) -> None:  # type: ignore[no-untyped-def]
    travel = (inst.dist + inst.service[:, None]).tolist()
    cb = model.RegisterTransitMatrix(travel)
    horizon = int(inst.tw[0, 1])
    model.AddDimension(cb, horizon, horizon, False, "time")
    dim = model.GetDimensionOrDie("time")
    for i in range(1, len(inst.demand)):
        dim.CumulVar(manager.NodeToIndex(i)).SetRange(int(inst.tw[i, 0]), int(inst.tw[i, 1]))
    for v in range(inst.n_vehicles):
        dim.CumulVar(model.Start(v)).SetRange(int(inst.tw[0, 0]), horizon)
        dim.CumulVar(model.End(v)).SetRange(int(inst.tw[0, 0]), horizon)


def gap(inst: Instance, problem: Problem, plan: Plan) -> tuple[float, str]:
    report = check_plan(problem, plan)
    missing_required = any(problem.stop(u.stop_id).required for u in plan.unassigned)
    if not report.ok or missing_required:
        first = report.violations[0] if report.violations else "required stops missing"
        return math.nan, f"INVALID: {first}"
    return 100 * (report.cost / inst.scale - inst.bks) / inst.bks, "ok"


def run_ours2(inst: Instance, problem: Problem, budget: float, seed: int) -> tuple[Plan, float]:
    return run_ours(inst, problem, budget, seed, workers=2)


def run_ours_default(inst: Instance, problem: Problem, budget: float, seed: int) -> tuple[Plan, float]:
    return run_ours(inst, problem, budget, seed, workers=None)


def parity(inst: Instance, problem: Problem, iterations: int, seed: int) -> list[object]:
    """Same seed, same iteration count: our wrapper vs raw PyVRP (cost must match; wall-time overhead).

    Each side runs twice, alternating, and the faster wall time counts (the machine is shared).
    Our wrapper is given PyVRP's default parameters (from 400 clients it would otherwise
    choose its own: ``params_for``), so that the two searches are the same.
    """
    from pyvrp.stop import MaxIterations

    from routing.solver.pyvrp_backend import PyVRPBackend

    walls: dict[str, list[float]] = {"ours": [], "raw": []}
    for _ in range(2):
        t0 = time.perf_counter()
        res = pyvrp.solve(raw_data(inst), MaxIterations(iterations), seed=seed, collect_stats=False)
        t1 = time.perf_counter()
        ours = solve(
            problem, time_limit_s=1e9, seed=seed, max_iterations=iterations, backend=PyVRPBackend(pyvrp.SolveParams())
        )
        t2 = time.perf_counter()
        walls["raw"].append(t1 - t0)
        walls["ours"].append(t2 - t1)
        assert check_plan(problem, ours).ok
    w_ours, w_raw = min(walls["ours"]), min(walls["raw"])
    same = ours.cost == res.cost()
    return [
        inst.name,
        iterations,
        ours.cost,
        res.cost(),
        same,
        f"{w_ours:.2f}",
        f"{w_raw:.2f}",
        f"{100 * (w_ours / w_raw - 1):+.1f}",
    ]


RUNNERS = {
    "ours": run_ours,
    "pyvrp": run_raw,
    "ortools": run_ortools,
    "ours-2workers": run_ours2,
    "ours-default": run_ours_default,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two instances, 10 s only")
    ap.add_argument("--budgets", type=float, nargs="+", default=[10.0, 60.0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", nargs="+", default=["ours", "pyvrp", "ortools"], choices=list(RUNNERS))
    ap.add_argument("--workers2", action="store_true", help="also ours with 2 workers on the 1000-client instances")
    ap.add_argument("--only", nargs="*", help="instance names")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_solver.csv"))  # noqa: S108
    ap.add_argument("--parity", type=int, metavar="N", help="only compare ours vs raw PyVRP at N iterations")
    args = ap.parse_args()
    budgets = [10.0] if args.quick else args.budgets
    with open(SHARED / "bench" / "bks.csv") as fh:
        rows = list(csv.DictReader(fh))
    rows = [r for r in rows if (r["instance"] in QUICK if args.quick else not args.only or r["instance"] in args.only)]
    if args.parity:
        print(
            "instance",
            "iterations",
            "ours_cost",
            "pyvrp_cost",
            "identical",
            "ours_wall_s",
            "pyvrp_wall_s",
            "overhead_pct",
            sep="\t",
        )
        for row in rows:
            inst = load(row)
            print(*parity(inst, to_problem(inst), args.parity, args.seed), sep="\t", flush=True)
        return
    with open(args.out, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["instance", "budget_s", "solver", "cost", "gap_pct", "wall_s", "routes", "check"])
        for row in rows:
            inst = load(row)
            problem = to_problem(inst)
            for budget in budgets:
                jobs = [(s, RUNNERS[s], {}) for s in args.solvers]
                if args.workers2 and len(inst.demand) > 900 and budget == max(budgets):
                    jobs.append(("ours-2workers", run_ours, {"workers": 2}))
                for label, runner, kw in jobs:
                    plan, wall = runner(inst, problem, budget, args.seed, **kw)
                    g, status = gap(inst, problem, plan)
                    rec = [
                        inst.name,
                        budget,
                        label,
                        plan.cost / inst.scale,
                        f"{g:.2f}",
                        f"{wall:.2f}",
                        len(plan.routes),
                        status,
                    ]
                    out.writerow(rec)
                    fh.flush()
                    print(*rec, sep="\t", flush=True)


if __name__ == "__main__":
    main()
