"""Benchmark of the registers and official exports (issue 15 §3): each answers in ≤ 1 s on the demo year.

Run: ``python benchmarks/bench_registers.py [--database sqlite|postgresql] [--repeat 5]`` (a minute or
two: most of it builds the demo). Prints a Markdown table and writes
``benchmarks/results/bench_registers.json``.

The demo (``flask demo``) is built into a scratch database: a year of pickups at 1,099 bins and last
month through the whole chain (≈ 500 intakes, Friday legs on FIR and DDT). Every plant's movements
are annotated in the register (timed once: it writes), then, logged in as the demo coordinator
through the Flask test client, the script times each page and download for the current year and the
previous one (the demo year straddles them): the register page, its CSV, RENTRI batch 1, the
O.R.SO./MUD summary and its CSV, the EU reuse JSON, and the open data (bins CSV and GeoJSON, monthly
kg by comune CSV and GeoJSON). ``--explain`` (PostgreSQL) prints the plans of the grouped queries.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"

from benchmarks.bench_chain import _database, _timed, coordinator_get  # noqa: E402  (the same scratch database and login)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL plans of the grouped queries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, drop = _database(args.database, Path(folder))
        os.environ["DATABASE_URL"] = url
        try:
            _run(args)
        finally:
            drop()


def _explain(db: Any, statements: list[Any]) -> None:
    for statement in statements:
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(db.text(f"EXPLAIN {compiled}")).scalars().all()
        print("\n".join(plan), end="\n\n")


def _run(args: argparse.Namespace) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.core.clock import local_today
    from app.demo import build_demo
    from app.extensions import db
    from app.fleet.models import Site, SiteKind
    from app.reports import registers

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        build_demo()
        db.session.commit()
        demo_s = time.perf_counter() - start
        plants = db.session.scalars(select(Site.id).where(Site.kind == SiteKind.SORTING_PLANT)).all()
        start = time.perf_counter()
        annotated = sum(len(registers.annotate(plant, None)) for plant in plants)
        db.session.commit()
        annotate_s = time.perf_counter() - start
        plant = plants[0]
        year = local_today().year

        get = coordinator_get(app)

        rows: dict[str, Callable[[], None]] = {}
        for y in (year, year - 1):
            rows |= {
                f"register page {y}": get(f"/reports/registers/{plant}/{y}"),
                f"register CSV {y}": get(f"/reports/registers/{plant}/{y}/register.csv"),
                f"O.R.SO./MUD page {y}": get(f"/reports/registers/{plant}/{y}/annual"),
                f"O.R.SO./MUD CSV {y}": get(f"/reports/registers/{plant}/{y}/annual.csv"),
                f"EU reuse JSON {y}": get(f"/reports/reuse/{y}.json"),
                f"open data monthly CSV {y}": get(f"/reports/opendata/{y}/comuni.csv"),
                f"open data monthly GeoJSON {y}": get(f"/reports/opendata/{y}/comuni.geojson"),
            }
        rows["RENTRI batch 1"] = get(f"/reports/registers/{plant}/{year}/rentri-1.json")
        rows["open data bins CSV"] = get("/reports/opendata/bins.csv")
        rows["open data bins GeoJSON"] = get("/reports/opendata/bins.geojson")
        results = {name: _timed(call, args.repeat, db.session.remove) for name, call in rows.items()}
        if args.explain and args.database == "postgresql":
            from app.reports import official

            _explain(db, [official.comune_shares_query(plant)])

    load = os.getloadavg()[0]
    print(
        f"\nRegisters, {args.database}: {annotated} entries annotated in {annotate_s:.2f} s; demo built in {demo_s:.0f} s;"
    )
    print(f"load average {load:.2f} (1 min) at the end, 2 cores\n")
    print("| request | cold (s) | warm median (s) | vs 1 s goal |")
    print("|---|---|---|---|")
    for name, (cold, warm) in results.items():
        print(f"| {name} | {cold:.3f} | {warm:.3f} | {warm:.2f}× |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_registers.json").write_text(
        json.dumps(
            {
                "database": args.database,
                "annotated": annotated,
                "annotate_s": annotate_s,
                "load_average": load,
                "results": {k: {"cold_s": c, "warm_s": w} for k, (c, w) in results.items()},
                "goal_met": all(w <= 1.0 for _c, w in results.values()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
