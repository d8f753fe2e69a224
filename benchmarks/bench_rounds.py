"""Benchmark of collection-round planning (issue 6): metro day, review page, mid-day re-plan.

Run: ``python benchmarks/bench_rounds.py [--time-limit 45] [--shared ../shared]`` (about 4 minutes).
Prints Markdown tables (pasted into ``benchmarks/README.md``) and writes
``benchmarks/results/bench_rounds.json``.

A. Metro day on the demo data (``flask demo`` into a temporary SQLite file: 1,099 bins of three
   operators, 12 trucks): ``plan_day`` with every demo vehicle, approximate mode (no metro road
   network can be built offline).
B. The same scale on real roads: 1,100 bins and 12 trucks on the Turin drive network through the
   adapter's pure functions, matrix cold then warm, then solve, check and road paths.
C. Review page of plan A through the Flask test client (coordinator logged in), 5 loads.
D. Re-plan of a ~60-stop round: one truck (10-hour shift) planned alone, 10 stops done, a full-bin alert,
   re-plan at 10:00.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from demo_db import demo_app  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.bins.models import Bin  # noqa: E402
from app.extensions import db  # noqa: E402
from app.fleet.models import Site, SiteKind, Vehicle  # noqa: E402
from app.rounds import adapters, services  # noqa: E402
from app.rounds.selection import ROME  # noqa: E402

TURIN = "gis/roads/torino_drive_osm2018.graphml.gz"


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def _params(vehicles: list[Vehicle], time_limit_s: float, tomorrow: date) -> services.PlanParams:
    plant = db.session.scalar(select(Site).where(Site.kind == SiteKind.SORTING_PLANT))
    sites = (plant.id, *sorted({v.home_site_id for v in vehicles}))  # type: ignore[union-attr]
    return services.PlanParams(tomorrow, sites, tuple(v.id for v in vehicles), time_limit_s=time_limit_s)


def metro_day(time_limit_s: float, tomorrow: date) -> tuple[dict[str, Any], int]:
    vehicles = list(db.session.scalars(select(Vehicle).where(Vehicle.active.is_(True)).order_by(Vehicle.id)))
    params = _params(vehicles, time_limit_s, tomorrow)
    prepared, t_prepare = _timed(services.prepare, params)
    computed, t_compute = _timed(services.compute, prepared)
    plan, t_save = _timed(services.save, prepared, computed)
    db.session.commit()
    served = sum(1 for r in plan.routes for s in r.stops if s.kind == "bin")
    row = {
        "bins_considered": len(prepared.stops),
        "required": sum(s.required for s in prepared.stops),
        "trucks": len(vehicles),
        "served": served,
        "unassigned": len(plan.unassigned),
        "reloads": sum(1 for r in plan.routes for s in r.stops if s.kind == "reload"),
        "km": round(plan.distance_m / 1000, 1),
        "prepare_s": round(t_prepare, 2),
        "compute_s": round(t_compute, 2),
        "save_s": round(t_save, 2),
        "total_s": round(t_prepare + t_compute + t_save, 2),
    }
    return row, plan.id


def turin_day(shared: Path, time_limit_s: float) -> dict[str, Any]:
    network = adapters.network_for(str(shared / TURIN), str(ROOT / "gis_data" / "cache"))
    compact = network.compact  # type: ignore[union-attr]
    rng = np.random.default_rng(6)
    nodes = rng.choice(compact.n_nodes, 1100 + 2, replace=False)
    lon = compact.node_lon[nodes] + rng.uniform(-2e-4, 2e-4, nodes.size)
    lat = compact.node_lat[nodes] + rng.uniform(-2e-4, 2e-4, nodes.size)
    plant = adapters.SiteRecord("site:1", "Impianto", float(lon[0]), float(lat[0]), 900)
    depot = adapters.SiteRecord("site:2", "Deposito", float(lon[1]), float(lat[1]), 300)
    stops = [
        adapters.StopRecord(f"bin:{i}", float(x), float(y), int(rng.integers(40, 300)), required=i % 3 == 0,
                            prize=0 if i % 3 == 0 else int(rng.integers(500_000, 3_000_000)))
        for i, (x, y) in enumerate(zip(lon[2:], lat[2:], strict=True))
    ]  # fmt: skip
    trucks = [
        adapters.VehicleRecord(f"veh:{i}", 3000, (6 * 3600, 14 * 3600), f"site:{1 + i % 2}", "site:1", ("site:1",), 42, 889)
        for i in range(12)
    ]  # fmt: skip
    _, cold = _timed(adapters.build_problem, [plant, depot], trucks, stops, network)
    built, warm = _timed(adapters.build_problem, [plant, depot], trucks, stops, network)
    result, t_solve = _timed(adapters.solve_problem, built, time_limit_s=time_limit_s, seed=1)
    coords = {s.key: (s.lon, s.lat) for s in (plant, depot, *stops)}
    _, t_paths = _timed(lambda: [adapters.road_path(network, [coords[v.key] for v in r.visits]) for r in result.routes])
    served = sum(1 for r in result.routes for v in r.visits if v.kind == "stop")
    return {
        "bins": len(stops),
        "trucks": len(trucks),
        "served": served,
        "excluded": len(built.excluded),
        "matrix_cold_s": round(cold, 2),
        "matrix_warm_s": round(warm, 2),
        "solve_check_s": round(t_solve, 2),
        "paths_s": round(t_paths, 2),
        "total_warm_s": round(warm + t_solve + t_paths, 2),
    }


def review_page(app: Any, plan_id: int) -> dict[str, Any]:
    client = app.test_client()
    client.post("/login", data={"email": "coordinatore@demo.fitmi.it", "password": "fitmi-coordinator-demo"})
    times, size = [], 0
    for _ in range(6):
        start = time.perf_counter()
        response = client.get(f"/rounds/{plan_id}")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    return {"median_s": round(statistics.median(times[1:]), 3), "max_s": round(max(times), 3), "kb": size // 1024}


def replan_60(tomorrow: date) -> dict[str, Any]:
    truck = db.session.scalar(select(Vehicle).where(Vehicle.plate == "GD101FM"))
    assert truck is not None
    truck.shift_end = dtime(16)  # a ten-hour shift: about 60 stops
    plan = services.plan_day(_params([truck], 20.0, tomorrow))
    route = plan.routes[0]
    bins = [s for s in route.stops if s.kind == "bin"]
    for stop in bins[:10]:
        stop.status, stop.actual_kg = "done", float(stop.planned_kg)
    alert = db.session.scalar(select(Bin).where(Bin.id.not_in([s.bin_id for s in bins])).limit(1))
    now = datetime.combine(tomorrow, dtime(10), ROME)
    _, took = _timed(services.replan_remaining, plan, now, None, [alert.id] if alert else [])
    db.session.rollback()
    return {"stops": len(bins), "done": 10, "replan_s": round(took, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=45.0)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with demo_app() as app:
        tomorrow = datetime.now(ROME).date() + timedelta(days=2)  # the demo already planned tomorrow
        results["metro"], plan_id = metro_day(args.time_limit, tomorrow)
        results["review"] = review_page(app, plan_id)
        results["replan"] = replan_60(tomorrow + timedelta(days=1))
        if (args.shared / TURIN).is_file():
            results["turin"] = turin_day(args.shared, args.time_limit)
    print(json.dumps(results, indent=2))
    out = ROOT / "benchmarks" / "results" / "bench_rounds.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
