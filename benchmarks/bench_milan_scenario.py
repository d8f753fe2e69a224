"""Milan-scale collection scenario: a 60 s plan against a 10-minute reference run.

Usage::

    python benchmarks/bench_milan_scenario.py [--bins 1100] [--seed 7] [--short 60] [--long 600]

A seeded scenario: ``--bins`` yellow clothing bins spread over the 133 comuni of
the Città metropolitana di Milano in proportion to ISTAT 2023 population (largest
remainders), placed uniformly at random inside each comune's boundary; demand
uniform in 40-300 kg; service 2 min per bin; one sorting plant (start, end and
reload site, 15 min to unload); 12 trucks (6 of 2 t, 6 of 3 t), 06:00-14:00
shifts; a third of the bins optional with a prize of 30 cost units per kg.
Travel matrices are crow-fly x 1.3 at 25 km/h (``Problem.with_approximate_matrices``).
Cost units: 1 per metre plus 1 per second of round.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.checker import check_plan
from routing.geo import Location
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.plan import Plan
from routing.solver import solve
from routing.solver.pyvrp_backend import required_prize

SHARED = Path(os.environ.get("FITMI_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared"))
GIS = SHARED / "gis"
PLANT = Location(9.1300, 45.5050)  # an illustrative site in north-west Milano
PRIZE_PER_KG = 30


def allocate(populations: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` bins over comuni in proportion to population (largest remainders)."""
    pop = sum(populations.values())
    quotas = {k: total * v / pop for k, v in populations.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    rest = sorted(quotas, key=lambda k: quotas[k] - counts[k], reverse=True)
    for k in rest[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def sample_points(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> list[Location]:
    minx, miny, maxx, maxy = geom.bounds
    out: list[Location] = []
    while len(out) < n:
        xs, ys = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(geom, xs, ys)
        out.extend(Location(float(x), float(y)) for x, y in zip(xs[inside], ys[inside], strict=True))
    return out[:n]


def bins(n_bins: int, seed: int) -> list[Stop]:
    rng = np.random.default_rng(seed)
    with open(GIS / "socioeconomic" / "istat_population_2023_cm_milano_comuni.csv") as fh:
        population = {r["istat_code"]: int(r["pop_total"]) for r in csv.DictReader(fh)}
    features = json.loads((GIS / "boundaries" / "openpolis_limits_P_15_municipalities.geojson").read_text())["features"]
    shapes = {f["properties"]["com_istat_code"]: shape(f["geometry"]) for f in features}
    assert set(shapes) == set(population), "boundaries and population disagree on the comuni"
    stops = []
    for code, count in sorted(allocate(population, n_bins).items()):
        for k, loc in enumerate(sample_points(shapes[code], count, rng)):
            kg = int(rng.integers(40, 301))
            optional = rng.random() < 1 / 3
            stops.append(
                Stop(
                    f"bin-{code}-{k:03d}",
                    loc,
                    "pickup",
                    kg,
                    service_s=120,
                    required=not optional,
                    prize=PRIZE_PER_KG * kg if optional else 0,
                )
            )
    return stops


def scenario(n_bins: int, seed: int) -> Problem:
    plant = Depot("plant", PLANT, opening=TimeWindow(5 * 3600, 15 * 3600), service_s=900)
    shift = TimeWindow(6 * 3600, 14 * 3600)
    fleet = tuple(
        Vehicle(f"truck-{cap // 1000}t", "plant", cap, count=6, shift=shift, reload_depots=("plant",), cost_per_s=1)
        for cap in (2000, 3000)
    )
    return Problem.with_approximate_matrices((plant,), fleet, bins(n_bins, seed))


def summary(problem: Problem, plan: Plan, wall: float) -> dict[str, object]:
    report = check_plan(problem, plan)
    served = set(plan.served)
    kg = sum(problem.stop(s).demand_kg for s in served)
    missing = [u for u in plan.unassigned if u.code == "no_room"]
    return {
        "wall_s": round(wall, 1),
        "check": "ok" if report.ok else report.violations[0],
        "cost": report.cost,
        "penalised": report.cost + len(missing) * required_prize(problem),
        "routes": len(plan.routes),
        "reloads": sum(r.num_reloads for r in plan.routes),
        "served": len(served),
        "kg": kg,
        "required_left": len(missing),
        "optional_left": sum(u.code != "no_room" for u in plan.unassigned),
        "km": round(plan.distance_m / 1000, 1),
        "feasible": plan.feasible,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", type=int, default=1100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--short", type=float, default=60.0)
    ap.add_argument("--long", type=float, default=600.0)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    problem = scenario(args.bins, args.seed)
    required_kg = sum(s.demand_kg for s in problem.stops if s.required)
    print(f"{len(problem.stops)} bins, {required_kg} kg required, {sum(v.count for v in problem.vehicles)} trucks")
    results = {}
    for label, budget in (("short", args.short), ("long", args.long)):
        t0 = time.perf_counter()
        # Budget for the wall: init and mapping take a few seconds at this size.
        plan = solve(problem, time_limit_s=budget, seed=args.seed, workers=args.workers, relax_required=True)
        results[label] = summary(problem, plan, time.perf_counter() - t0)
        print(label, budget, json.dumps(results[label]), flush=True)
    s, lg = results["short"], results["long"]
    print(f"short vs long: {100 * (int(s['penalised']) / int(lg['penalised']) - 1):.2f} % (penalised cost)")


if __name__ == "__main__":
    main()
