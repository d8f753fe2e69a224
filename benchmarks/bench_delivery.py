"""Benchmark of delivery rounds (issue 8): vans loaded by kg, litres and pieces.

Run: ``python benchmarks/bench_delivery.py [--stops 150] [--time-limit 10]`` (about 40 s).
Prints a Markdown table (pasted into ``benchmarks/README.md``) and writes
``benchmarks/results/bench_delivery.json``.

A day of home deliveries in Milano: seeded households spread over the city (approximate matrices,
crow-fly x 1.3 at 25 km/h), each receiving 3-15 garments (0.5 kg and 2.5 packed litres on average
per piece, the mix of the demo stock), half of them with a 2-hour availability window between 9:00
and 17:00, five minutes at each door. Four vans leave the warehouse in Via Mecenate (shift 8-17,
1,000 kg, 3 m3 = 3,000 L, 300 pieces, reloads allowed). The same day is solved twice with the same
seed and budget: with the three load dimensions, and with kilograms only (what the planner did
before); the kg-only plan is then re-checked against the real van (litres and pieces).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing import Depot, Location, Plan, Problem, Stop, TimeWindow, Vehicle, check_plan, solve  # noqa: E402

WAREHOUSE = Location(9.2425, 45.4470)  # Via Mecenate, Milano (east side)
BOX = (9.10, 9.26, 45.42, 45.52)  # lon/lat box of the city inside the ring road


def households(n: int, seed: int) -> list[Stop]:
    rng = random.Random(seed)
    stops = []
    for i in range(n):
        pieces = rng.randint(3, 15)
        litres = round(sum(rng.choice((1.0, 1.5, 2.0, 3.0, 3.0, 5.0, 8.0)) for _ in range(pieces)))
        kg = max(1, round(pieces * rng.uniform(0.3, 0.7)))
        window = None
        if rng.random() < 0.5:
            start = rng.randrange(9, 16) * 3600
            window = TimeWindow(start, start + 2 * 3600)
        place = Location(rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3]))
        stops.append(
            Stop(f"h{i}", place, "delivery", demand_kg=kg, volume=litres, pieces=pieces, service_s=300, window=window)
        )
    return stops


def van(count: int) -> Vehicle:
    return Vehicle(
        "van", "wh", 1000, count=count, capacity_volume=3000, capacity_pieces=300, shift=TimeWindow(8 * 3600, 17 * 3600),
        reload_depots=("wh",), cost_per_m=1, cost_per_s=2,
    )  # fmt: skip


def summary(problem: Problem, plan: Plan, seconds: float) -> dict[str, Any]:
    return {
        "routes": len(plan.routes),
        "served": sum(len(r.stop_ids) for r in plan.routes),
        "unassigned": len(plan.unassigned),
        "reloads": sum(r.num_reloads for r in plan.routes),
        "km": round(sum(v.distance_m for r in plan.routes for v in r.visits) / 1000, 1),
        "wall_s": round(seconds, 2),
        "check_ok": check_plan(problem, plan).ok,
    }


def run(n: int, time_limit: float, seed: int) -> dict[str, Any]:
    stops = households(n, seed)
    depot = Depot("wh", WAREHOUSE, service_s=600)
    full = Problem.with_approximate_matrices([depot], [van(4)], stops)
    start = time.perf_counter()
    plan = solve(full, time_limit_s=time_limit, seed=seed)
    three = summary(full, plan, time.perf_counter() - start)

    kg_only_stops = [Stop(s.id, s.location, s.kind, s.demand_kg, 0, 0, s.service_s, s.window) for s in stops]
    kg_only = Problem(full.depots, full.vehicles, tuple(kg_only_stops), full.duration_s, full.distance_m, True)
    start = time.perf_counter()
    kg_plan = solve(kg_only, time_limit_s=time_limit, seed=seed)
    one = summary(kg_only, kg_plan, time.perf_counter() - start)
    violations = check_plan(full, kg_plan).violations
    one["overloaded_visits_on_real_van"] = sum("outside capacity" in v for v in violations)
    pieces = [sum(s.pieces for s in stops if s.id in r.stop_ids) for r in kg_plan.routes]
    one["largest_route_pieces"] = max(pieces, default=0)
    return {"stops": n, "pieces": sum(s.pieces for s in stops), "litres": sum(s.volume for s in stops),
            "time_limit_s": time_limit, "seed": seed, "kg_litres_pieces": three, "kg_only": one}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=150)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = run(args.stops, args.time_limit, args.seed)
    out = ROOT / "benchmarks" / "results" / "bench_delivery.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"{result['stops']} households, {result['pieces']} pieces, {result['litres']} L\n")
    print("| model | routes | served | unassigned | reloads | km | wall s | plan passes the real-van check |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, key in (("kg + litres + pieces", "kg_litres_pieces"), ("kg only", "kg_only")):
        r = result[key]
        passes = r["check_ok"] and not r.get("overloaded_visits_on_real_van")
        print(f"| {name} | {r['routes']} | {r['served']} | {r['unassigned']} | {r['reloads']} | {r['km']} "
              f"| {r['wall_s']} | {'yes' if passes else 'no'} |")  # fmt: skip
    print(f"\nkg-only plan: {result['kg_only']['overloaded_visits_on_real_van']} visits over the van's litres/pieces, "
          f"largest route {result['kg_only']['largest_route_pieces']} pieces")  # fmt: skip


if __name__ == "__main__":
    main()
