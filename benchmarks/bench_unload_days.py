"""Per-day collection rounds that unload at a plant before going home: 5 s per day against long runs.

Usage::

    python benchmarks/bench_unload_days.py [--days 24] [--first 0] [--short 5] [--long 30] [--seed 1] [--workers 1]
    python benchmarks/bench_unload_days.py --ours-seeds 1 2 3 4 5 [--days 24] [--short 5] [--seed 1]

Issue #18 asks that, on real waste-collection days with published solutions (20-50
bins, two unloading plants, a truck must unload before it returns, travel time is
the objective), 5 s per day matches or beats the published total. Those instances
are not here, so this script generates days of the same shape on a real road
network, the Turin drive network in ``$FITMI_SHARED/gis/roads`` (``FITMI_SHARED``
defaults to ``../shared``), with travel times computed by our matrices:

* a garage and two plants (20 min to unload, both open all day) at fixed places;
* each day 20-50 bins drawn from 600 places on the network, 60-400 kg each,
  3 minutes to empty;
* two trucks of 2,500 kg (so two to five unloads a day), 06:00-12:00, that may
  unload at either plant during the round and must end empty (``end_empty``): one
  truck is enough on the smaller days, the larger ones need both;
* cost = travel seconds (the distance matrix given to the solver is the travel
  time matrix), as in the published instances.

For every day it runs, at ``--short`` seconds: our ``solve`` and raw PyVRP on the
same mapping (``to_pyvrp``: the caller's virtual end node that the issue calls the
workaround, ``pyvrp.solve`` with ``MaxRuntime``); and ours at ``--long`` seconds with
another seed (``--reference FILE`` keeps these costs in a JSON file and reuses them,
so that code changes can be compared against the same long runs). ``--workers`` sets
the searches of our short run (one core each; the long run always has one). The
reference of a day is the best of the three. Every plan is
replayed by ``routing.checker.check_plan``. It prints one row per day and the totals:
gap of each short run to the reference, days worse / equal / better, trucks used.

``--ours-seeds S ...`` runs only ours at ``--short`` seconds on the days of ``--seed``,
once with each solver seed S, and prints each day's checked cost and each seed's
total and their mean: the paired comparison of two versions of the code (run it on
each, alone on the machine) without the raw and long runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from routing.checker import check_plan  # noqa: E402
from routing.geo import Location  # noqa: E402
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle  # noqa: E402
from routing.network.build import graph_from_file  # noqa: E402
from routing.network.road_network import RoadNetwork  # noqa: E402
from routing.plan import Plan  # noqa: E402
from routing.settings import RoutingSettings  # noqa: E402
from routing.solver import solve  # noqa: E402
from routing.solver.pyvrp_backend import from_pyvrp, to_pyvrp  # noqa: E402

TURIN = "gis/roads/torino_drive_osm2018.graphml.gz"
PLACES = 600
CAPACITY = 2500
SHIFT = TimeWindow(6 * 3600, 12 * 3600)


def shared() -> Path:
    return Path(os.environ.get("FITMI_SHARED", REPO.parent / "shared"))


def places(seed: int) -> tuple[list[Location], np.ndarray]:
    """Garage, two plants and ``PLACES`` bin places on the Turin network, and their travel times (s)."""
    settings = RoutingSettings()
    graph, _ = graph_from_file(shared() / TURIN, settings)
    net = RoadNetwork.from_graph(graph, settings)
    lon, lat = net.compact.node_lon, net.compact.node_lat
    rng = np.random.default_rng(seed)
    idx = rng.choice(net.node_count, PLACES, replace=False)
    # The garage near the centre of the network's extent, the plants near two opposite edges.
    centre = (float(np.median(lon)), float(np.median(lat)))
    west = (float(np.quantile(lon, 0.1)), float(np.median(lat)))
    north_east = (float(np.quantile(lon, 0.9)), float(np.quantile(lat, 0.85)))
    points = [Location(*p) for p in (centre, west, north_east)]
    points += [Location(float(lon[i]), float(lat[i])) for i in idx]
    matrix = net.matrix(points)
    if (matrix.duration_s < 0).any():
        raise SystemExit("some places cannot reach each other on the network; try another --seed")
    return points, matrix.duration_s


def day_problem(points: list[Location], seconds: np.ndarray, day: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed * 1000 + day)
    n = int(rng.integers(20, 51))
    chosen = 3 + rng.choice(PLACES, n, replace=False)
    rows = np.r_[[0, 1, 2], chosen]
    depots = (
        Depot("garage", points[0]),
        Depot("plant-w", points[1], service_s=1200),
        Depot("plant-ne", points[2], service_s=1200),
    )
    stops = tuple(
        Stop(f"bin-{r}", points[r], "pickup", int(rng.integers(60, 401)), service_s=180) for r in chosen.tolist()
    )
    truck = Vehicle(
        "truck", "garage", CAPACITY, count=2, shift=SHIFT, reload_depots=("plant-w", "plant-ne"),
        end_empty=True, cost_per_m=1, cost_per_s=0,
    )  # fmt: skip
    sub = seconds[np.ix_(rows, rows)]
    return Problem(depots, (truck,), stops, sub, sub)


def run_ours(problem: Problem, budget: float, seed: int, workers: int = 1) -> tuple[Plan, float]:
    began = time.monotonic()
    plan = solve(problem, time_limit_s=budget, seed=seed, workers=workers)
    return plan, time.monotonic() - began


def run_raw(problem: Problem, budget: float, seed: int) -> tuple[Plan, float]:
    began = time.monotonic()
    mapped = to_pyvrp(problem)
    result = pyvrp.solve(mapped.data, MaxRuntime(budget), seed=seed, collect_stats=False)
    return from_pyvrp(problem, mapped, result.best), time.monotonic() - began


def checked(problem: Problem, plan: Plan) -> int | None:
    """The plan's cost as the checker recomputes it, or ``None`` when it is not a valid, complete plan."""
    report = check_plan(problem, plan)
    return report.cost if report.ok and plan.feasible and not plan.unassigned else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=24)
    ap.add_argument("--first", type=int, default=0, help="first day number (to split a run over processes)")
    ap.add_argument("--short", type=float, default=5.0)
    ap.add_argument("--long", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="searches of our short run, one core each")
    ap.add_argument("--reference", type=Path, help="JSON file of the long runs' costs, read and extended")
    ap.add_argument("--ours-seeds", type=int, nargs="+", help="only ours at --short, once per solver seed")
    args = ap.parse_args()
    if args.ours_seeds:
        ours_only(args)
        return
    stored = json.loads(args.reference.read_text()) if args.reference and args.reference.exists() else {}
    warnings.simplefilter("ignore")
    points, seconds = places(20261204)
    print(
        f"short {args.short:g} s (seed {args.seed}, {args.workers} worker(s)), long {args.long:g} s (seed {args.seed + 1}); cost = travel s"
    )
    print("| day | bins | kg | reference | ours short | raw short | ours long | trucks ours/ref | wall ours s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = {"ours": 0, "raw": 0, "ref": 0}
    versus = {"ours": [0, 0, 0], "raw": [0, 0, 0]}  # worse, equal, better than the long run
    for day in range(args.first, args.first + args.days):
        problem = day_problem(points, seconds, day, args.seed)
        ours, wall = run_ours(problem, args.short, args.seed, args.workers)
        raw, _ = run_raw(problem, args.short, args.seed)
        key = f"day {day}, seed {args.seed}, {args.long:g} s"
        if key not in stored:
            long, _ = run_ours(problem, args.long, args.seed + 1)
            stored[key] = (checked(problem, long), len(long.routes))
            if args.reference:
                args.reference.write_text(json.dumps(stored, indent=1))
        costs = {"ours": checked(problem, ours), "raw": checked(problem, raw), "long": stored[key][0]}
        valid = [c for c in costs.values() if c is not None]
        ref = min(valid) if valid else None
        for name in ("ours", "raw"):
            c, lc = costs[name], costs["long"]
            if c is not None and lc is not None:
                versus[name][(c <= lc) + (c < lc)] += 1
            totals[name] += c if c is not None else 10**9
        totals["ref"] += ref if ref is not None else 10**9
        ref_trucks = {costs["long"]: stored[key][1], costs["raw"]: len(raw.routes), costs["ours"]: len(ours.routes)}
        trucks = f"{len(ours.routes)}/{ref_trucks.get(ref, '-')}"
        kg = sum(s.demand_kg for s in problem.stops)
        row = (day, len(problem.stops), kg, ref, costs["ours"], costs["raw"], costs["long"], trucks, f"{wall:.2f}")
        print("| " + " | ".join("FAILED" if x is None else str(x) for x in row) + " |", flush=True)
    for name in ("ours", "raw"):
        worse, equal, better = versus[name]
        gap = 100 * (totals[name] / totals["ref"] - 1)
        print(
            f"{name} at {args.short:g} s: total {totals[name]} vs reference {totals['ref']} ({gap:+.3f} %); "
            f"against ours at {args.long:g} s: {worse} days worse, {equal} equal, {better} better"
        )


def ours_only(args: argparse.Namespace) -> None:
    """Ours at ``args.short`` on the days of ``args.seed``, once per seed of ``args.ours_seeds``."""
    warnings.simplefilter("ignore")
    points, seconds = places(20261204)
    problems = [day_problem(points, seconds, day, args.seed) for day in range(args.first, args.first + args.days)]
    seeds = args.ours_seeds
    print(f"ours at {args.short:g} s, {args.workers} worker(s), days of seed {args.seed}; cost = travel s")
    print("| day | bins | " + " | ".join(f"seed {s}" for s in seeds) + " |")
    print("|---:|---:|" + "---:|" * len(seeds))
    totals, longest = dict.fromkeys(seeds, 0), 0.0
    for day, problem in enumerate(problems, start=args.first):
        row: list[object] = [day, len(problem.stops)]
        for s in seeds:
            plan, wall = run_ours(problem, args.short, s, args.workers)
            cost = checked(problem, plan)
            totals[s] += cost if cost is not None else 10**9
            longest = max(longest, wall)
            row.append("FAILED" if cost is None else cost)
        print("| " + " | ".join(str(x) for x in row) + " |", flush=True)
    print("| total | | " + " | ".join(f"{totals[s]:,}" for s in seeds) + " |")
    print(f"mean of the totals {sum(totals.values()) / len(seeds):,.0f}; longest call {longest:.2f} s")


if __name__ == "__main__":
    main()
