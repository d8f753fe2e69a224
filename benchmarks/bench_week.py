"""A metro week: 1,100 bins, 12 trucks, 5 days planned together by ``solve_periodic``.

Usage::

    python benchmarks/bench_week.py [--bins 1100] [--days 5] [--budget 300] [--seed 7]

The bins are those of ``bench_milan_scenario.py`` (spread over the 133 comuni of the
Città metropolitana di Milano in proportion to ISTAT 2023 population, uniformly
inside each comune's boundary; 2 min of service each). Each bin gets a rule, by a
seeded draw:

* a quarter are emptied twice a week on the operators' usual pairs (Mon-Thu,
  Tue-Fri, Mon-Wed, Wed-Fri), 60-150 kg a visit;
* half once a week on any day, 60-250 kg;
* a quarter are forecast-driven (empty before the predicted overflow): 15-45 kg a
  day, 300 kg full, 0-150 kg in the bin on Monday.

Every day the same fleet: one sorting plant (start, reload and end site, 15 min to
unload, trucks end empty), 12 trucks (6 × 2 t, 6 × 3 t), 06:00-14:00. Travel
matrices are crow-fly × 1.3 at 25 km/h (``Problem.with_approximate_matrices``),
computed before the clock starts: the "warm matrix" of the goal. Cost units: 1 per
metre plus 1 per second of round.

It prints the wall time from the call to the return, the independent checker's
verdict on the week (patterns, overflow, every day against its fleet), the cost,
routes, visits and km per day, and the progress of the best week over time. The
goal (issue 18) is a checked week within 5 minutes of wall time on this machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_milan_scenario import PLANT, bins

from routing.checker import check_week_plan
from routing.model import Depot, Problem, TimeWindow, Vehicle
from routing.periodic import DayFleet, PeriodicProblem, PeriodicStop
from routing.solver import solve_periodic

TWICE = (0b01001, 0b10010, 0b00101, 0b10100)  # Mon-Thu, Tue-Fri, Mon-Wed, Wed-Fri (day 0 = Monday)


def week(n_bins: int, days: int, seed: int) -> PeriodicProblem:
    """The seeded metro week described in the module text."""
    rng = np.random.default_rng(seed)
    plant = Depot("plant", PLANT, opening=TimeWindow(5 * 3600, 15 * 3600), service_s=900)
    shift = TimeWindow(6 * 3600, 14 * 3600)
    fleet = tuple(
        Vehicle(
            f"truck-{cap // 1000}t",
            "plant",
            cap,
            count=6,
            shift=shift,
            reload_depots=("plant",),
            end_empty=True,
            cost_per_s=1,
        )
        for cap in (2000, 3000)
    )
    twice = tuple(m for m in TWICE if m < 1 << days)
    stops = []
    for stop in bins(n_bins, seed):
        draw = rng.random()
        common = {"location": stop.location, "service_s": stop.service_s}
        if draw < 0.25 and twice:
            stops.append(
                PeriodicStop(stop.id, patterns=twice, demand_kg=int(rng.integers(60, 151)), **common)  # type: ignore[arg-type]
            )
        elif draw < 0.75:
            every = tuple(1 << d for d in range(days))
            stops.append(
                PeriodicStop(stop.id, patterns=every, demand_kg=int(rng.integers(60, 251)), **common)  # type: ignore[arg-type]
            )
        else:
            daily, start = int(rng.integers(15, 46)), int(rng.integers(0, 151))
            stops.append(PeriodicStop(stop.id, daily_kg=daily, full_kg=300, initial_kg=start, **common))  # type: ignore[arg-type]
    flat = Problem.with_approximate_matrices((plant,), fleet, bins(n_bins, seed))
    return PeriodicProblem(
        (plant,),
        tuple(DayFleet(fleet, name) for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[:days]),
        tuple(stops),
        flat.duration_s,
        flat.distance_m,
        approximate=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", type=int, default=1100)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--budget", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    problem = week(args.bins, args.days, args.seed)
    kinds = {
        "twice a week": sum(len(s.patterns) > 0 and bin(s.patterns[0]).count("1") == 2 for s in problem.stops),
        "once a week": sum(len(s.patterns) > 0 and bin(s.patterns[0]).count("1") == 1 for s in problem.stops),
        "forecast": sum(s.is_forecast for s in problem.stops),
    }
    print(f"{len(problem.stops)} bins {kinds}, {args.days} days, 12 trucks a day, budget {args.budget} s", flush=True)
    progress: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    plan = solve_periodic(
        problem, time_limit_s=args.budget, seed=args.seed, progress=lambda s, c: progress.append((s, c))
    )
    wall = time.perf_counter() - t0
    report = check_week_plan(problem, plan)
    print(f"wall {wall:.1f} s (overrun {wall - args.budget:+.2f} s), rounds {plan.rounds}")
    print("check:", "ok" if report.ok else report.violations[:3], "| feasible:", plan.feasible)
    print(f"cost {plan.cost}, checked {report.cost}")
    for d, day in enumerate(plan.days):
        unassigned = sum(u.code == "no_room" for u in day.unassigned)
        print(
            f"  day {d}: {len(day.routes)} routes, {len(day.served)} visits, "
            f"{day.distance_m / 1000:.0f} km, {sum(r.num_reloads for r in day.routes)} reloads, "
            f"{unassigned} left out"
        )
    print("progress (s, cost):", json.dumps([(round(s, 1), c) for s, c in progress[:3] + progress[-3:]]))


if __name__ == "__main__":
    main()
