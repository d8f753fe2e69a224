"""Search parameters on generated 1,000-client CVRP instances shaped like the X set (our wrapper, one core).

Usage::

    python benchmarks/generated_cvrp.py --instances 1 2 --budget 60 --variant default --variant auto

Issue #18 checks a hidden 1,000-customer instance of the X set (Uchoa et al. 2017) from
outside; the largest X instance here is X-n502-k39. This script generates instances
of that shape, in the spirit of the X set's generator: a central depot on a
1,000 x 1,000 grid, half the clients random and half in 8 clusters (a point is kept
with probability exp(-d / 40), d its distance to the nearest cluster seed), demands
1-100, a capacity of about 12 mean demands, rounded Euclidean distances. There is no
best-known cost, so variants are compared by cost on the same instance and seed; every
plan is replayed by ``routing.checker.check_plan``. With ``--windows`` the same clients
get time windows in the manner of the Solomon / Gehring-Homberger sets (a VRPTW of
1,000 clients besides RC1_10_1): travel time = distance, 10 per visit, the depot open
0-3,000, each client a window of half-width 15-60 around a centre drawn so that the
depot can be reached before and after it.
A variant is as in ``screen_params.py`` (``default``: PyVRP's parameters; ``auto``:
the backend's choice by size). Each line printed is ``instance variant seed cost
check wall_s loadavg`` (check: ``ok`` or the checker's first violation).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screen_params import run_variant  # type: ignore[import-not-found]

from routing.checker import check_plan
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle

#: Horizon and service time of the instances with windows.
HORIZON, SERVICE = 3000, 10


def generated(number: int, clients: int = 1000, windows: bool = False) -> Problem:
    """Generated instance ``number`` (the seed of its random draws), with time windows if ``windows``."""
    rng = np.random.default_rng(number)
    seeds = rng.uniform(0, 1000, (8, 2))
    clustered: list[np.ndarray] = []
    while len(clustered) < clients // 2:
        point = rng.uniform(0, 1000, 2)
        if rng.random() < np.exp(-np.sqrt(((seeds - point) ** 2).sum(axis=1)).min() / 40):
            clustered.append(point)
    xy = np.vstack([[500.0, 500.0], *clustered, rng.uniform(0, 1000, (clients - clients // 2, 2))])
    demand = rng.integers(1, 101, clients)
    capacity = int(np.ceil(12 * demand.mean()))
    dist = np.rint(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))).astype(np.int64)
    if not windows:
        stops = tuple(Stop(f"c{i + 1}", kind="delivery", demand_kg=int(d)) for i, d in enumerate(demand))
        count = int(np.ceil(demand.sum() / capacity)) + 5
        return Problem((Depot("depot"),), (Vehicle("v", "depot", capacity, count=count),), stops, dist, dist)
    wrng = np.random.default_rng(1000 + number)  # the clients are the same with and without windows
    reach = dist[0, 1:]
    centre = wrng.uniform(reach, HORIZON - reach - SERVICE)
    half = wrng.uniform(15, 60, clients)
    early = np.maximum(reach, centre - half).astype(np.int64)
    late = np.minimum(HORIZON - reach - SERVICE, centre + half).astype(np.int64)
    stops = tuple(
        Stop(f"c{i + 1}", kind="delivery", demand_kg=int(d), service_s=SERVICE, window=TimeWindow(int(a), int(b)))
        for i, (d, a, b) in enumerate(zip(demand, early, late, strict=True))
    )
    depot = Depot("depot", opening=TimeWindow(0, HORIZON))
    return Problem((depot,), (Vehicle("v", "depot", capacity, count=250),), stops, dist, dist)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--budget", type=float, default=60.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--variant", action="append", required=True)
    ap.add_argument("--windows", action="store_true", help="time windows (VRPTW)")
    args = ap.parse_args()
    for number in args.instances:
        problem = generated(number, windows=args.windows)
        for variant in args.variant:
            for seed in args.seeds:
                plan, wall, load1 = run_variant(problem, variant, args.budget, seed)
                report = check_plan(problem, plan)
                ok = (
                    "ok" if report.ok and plan.feasible and not plan.unassigned else f"INVALID: {report.violations[:1]}"
                )
                print(number, variant, seed, report.cost, ok, f"{wall:.2f}", load1, sep="\t", flush=True)


if __name__ == "__main__":
    main()
