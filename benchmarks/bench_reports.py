"""Benchmark of the KPI page (issue 15): the demo year, about 77,000 pickups, page and each export in ≤ 1 s.

Run: ``python benchmarks/bench_reports.py [--database sqlite|postgresql] [--repeat 5]`` (about 1 minute:
most of it builds the demo). Prints a Markdown table (for ``benchmarks/README.md``) and writes
``benchmarks/results/bench_reports.json``.

The demo (``flask demo``) is built into a scratch database (as ``bench_chain.py`` does). Logged in as the
demo coordinator through the Flask test client (the whole request: session, form, queries, charts,
template), the script times ``GET /reports/kpi`` for the last 365 days and for this year to date, the
page filtered by Milano, each table's CSV and XLSX, the workbook of all tables, and the KPI engine alone.
On PostgreSQL it prints the plan of the grouped pickups query (``EXPLAIN ANALYZE``) to check its indexes.
Each is run once cold (after ``db.session.remove()``) and ``--repeat`` times warm; medians are reported.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"

from bench_chain import _timed, build_demo_timed, coordinator_get, run_on_scratch_database, write_results  # noqa: E402  (shared set-up)


def main() -> None:
    run_on_scratch_database(__doc__.split("\n")[0], 5, _run)


def _explain(scope: object) -> None:
    from app.extensions import db
    from app.reports.kpis.collection import pickups_query

    compiled = pickups_query(scope).compile(db.engine)  # type: ignore[arg-type]
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN ANALYZE {compiled.string}", compiled.params)
    for (line,) in plan:
        print("   ", line)


def _run(args: argparse.Namespace) -> None:
    from app import create_app
    from app.core.clock import local_today
    from app.extensions import db
    from app.reports.kpis import KpiFilter, compute
    from app.reports.tables import BUILDERS

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        demo_s = build_demo_timed()
        today = local_today()
        first = today - timedelta(days=364)
        year = KpiFilter(first, today)
        pickups = compute(year).collected.pickups

        get = coordinator_get(app)
        query = f"start={first.isoformat()}&end={today.isoformat()}"

        rows: dict[str, Callable[[], object]] = {
            "GET /reports/kpi (365 days)": get(f"/reports/kpi?{query}"),
            "GET /reports/kpi (this year, default)": get("/reports/kpi"),
            "GET /reports/kpi (365 days, Milano)": get(f"/reports/kpi?{query}&comune_code=015146"),
            "XLSX of all tables": get(f"/reports/kpi/tutti.xlsx?{query}"),
        }
        for key in BUILDERS:
            rows[f"CSV {key}"] = get(f"/reports/kpi/{key}.csv?{query}")
            rows[f"XLSX {key}"] = get(f"/reports/kpi/{key}.xlsx?{query}")
        rows["engine only (compute)"] = lambda: compute(year)
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        rows["GET /reports/monthly.pdf (last month)"] = get(f"/reports/monthly.pdf?month={last_month}")
        rows["GET / (coordinator's dashboard)"] = get("/")
        results = {name: _timed(call, args.repeat, db.session.remove) for name, call in rows.items()}
        if args.database == "postgresql":
            print("\nPlan of the grouped pickups query:")
            _explain(year)

    load = os.getloadavg()[0]
    print(
        f"\nKPI page, {args.database}, {first:%d/%m/%Y}–{today:%d/%m/%Y}: {pickups} pickups; demo built in {demo_s:.0f} s;"
    )
    print(f"load average {load:.2f} (1 min) at the end\n")
    goals = {name: 5.0 if "pdf" in name else 1.0 for name in results}  # the monthly PDF: ≤ 5 s
    print("| request | cold (s) | warm median (s) | goal (s) | vs goal |")
    print("|---|---|---|---|---|")
    for name, (cold, warm) in results.items():
        print(f"| {name} | {cold:.3f} | {warm:.3f} | {goals[name]:.0f} | {warm / goals[name]:.2f}× |")
    met = all(warm <= goals[name] for name, (_cold, warm) in results.items())
    write_results("bench_reports", args.database, pickups, load, results, met)


if __name__ == "__main__":
    main()
