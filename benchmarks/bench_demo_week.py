"""«Pianifica la settimana» on the demo, as a coordinator runs it: the days, and what the week leaves to the next.

Usage::

    python benchmarks/bench_demo_week.py [--days-after 0 1 cal] [--days 5] [--time-limit 60] [--seed 1]
    python benchmarks/bench_demo_week.py --rolling-weeks 3 [--days-after 0 1] [--time-limit 60]

``flask demo`` into a temporary SQLite file (1,041 active bins of three operators, 12 trucks, tomorrow's
round published for one operator's trucks; every truck out Monday to Friday), then for each value of
``WeekParams.days_after`` (days after the last day the bins must hold when they can, «Prossimo giro dopo l'ultimo
giorno»; ``cal`` = the field left empty, each operator's next service day, the default since 2026-12-07; 0 = the
rule before 2026-12-07):

* one week from tomorrow with every active truck and the grid left empty (each day the trucks in service and free
  that day, as the form gives them),
  planned by ``plan_week`` in approximate mode (no metro road network offline) and rolled back: the visits,
  routes, km and hours of each day, the kg collected and km per tonne, the mean fill of a visit (kg over the
  bin's full weight), and the kg the visited bins hold at the end by the same forecast;
* with ``--rolling-weeks N``: N weeks one after the other from the day after tomorrow, each Monday to Sunday
  with rounds on the first five days, each bin's level carried over from the visits of the week before (the
  forecast's kg a day, no other pickups): km, kg and km per tonne over the N weeks, and how many times a bin
  was over full at the next week's first round (it overflowed in between).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from demo_db import demo_app  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.bins.models import Bin  # noqa: E402
from app.core.clock import local_datetime, local_today  # noqa: E402
from app.core.refs import bin_key  # noqa: E402
from app.extensions import db  # noqa: E402
from app.fleet.models import Site, SiteKind, Vehicle  # noqa: E402
from app.rounds import week  # noqa: E402
from app.rounds.models import StopKind  # noqa: E402


def _params(days: int, days_after: int | None, time_limit_s: float, seed: int) -> week.WeekParams:
    vehicles = list(db.session.scalars(select(Vehicle).where(Vehicle.active.is_(True)).order_by(Vehicle.id)))
    plant = db.session.scalar(select(Site).where(Site.kind == SiteKind.SORTING_PLANT, Site.active.is_(True)))
    assert plant is not None
    ids = tuple(v.id for v in vehicles)
    return week.WeekParams(
        start_date=local_today() + timedelta(days=1),
        site_ids=(plant.id, *sorted({v.home_site_id for v in vehicles})),
        day_vehicles=(ids,) * days,
        days_after=days_after,
        time_limit_s=time_limit_s,
        seed=seed,
    )


def run(days: int, days_after: int | None, time_limit_s: float, seed: int) -> dict[str, Any]:
    params, left = week.without_busy_trucks(week.in_service(_params(days, days_after, time_limit_s, seed)))
    started = time.perf_counter()
    found = week.plan_week(params)
    wall = time.perf_counter() - started
    vehicles = {v.id: v for v in db.session.scalars(select(Vehicle))}
    earliest = min(v.shift_start for v in vehicles.values())
    operators = {v.organisation_id for v in vehicles.values()}
    horizon = [params.day(d) for d in range(days)]
    stops = {s.key: s for s in week.week_stops(operators, local_datetime(params.start_date, earliest), horizon)}
    last: dict[str, int] = {}
    rows, fills, collected = [], [], 0
    for day in found.days:
        kg = json.loads(day.stops_json or "{}")
        for key, value in kg.items():
            last[key] = day.day_index
            fills.append(value / stops[key].full_kg)
            collected += value
        plan = day.plan
        bins = [s for r in plan.routes for s in r.stops if s.kind == StopKind.BIN] if plan else []
        rows.append(
            {
                "date": day.service_date.isoformat(),
                "trucks": len(params.day_vehicles[day.day_index]),
                "visits": len(bins),
                "routes": sum(1 for r in plan.routes if r.stops) if plan else 0,
                "km": round(plan.distance_m / 1000, 1) if plan else 0.0,
                "hours": round(sum((r.end_at - r.start_at).total_seconds() for r in plan.routes) / 3600, 1)
                if plan
                else 0.0,
                "left_out": sum(1 for u in plan.unassigned if u.required) if plan else 0,
            }
        )
    end_kg = sum(stops[k].daily_kg * (days - 1 - d) for k, d in last.items())
    # Each bin's level at its operator's next service day after the week (the calendar's next round), emptied on
    # its last visit of the week or of a published round of the week, by the same forecast.
    after = week.next_rounds(operators, horizon[-1])
    owner = {bin_key(b.id): b.operator_id for b in db.session.scalars(select(Bin))}
    over = 0
    for key, s in stops.items():
        emptied = [d for d in range(days) if s.emptied_days >> d & 1]
        visited = max([*emptied, *([last[key]] if key in last else [])], default=None)
        at = days - 1 + after.get(owner[key], 1)
        level = s.initial_kg + s.daily_kg * at if visited is None else s.daily_kg * (at - visited)
        over += level > s.full_kg
    result = {
        "days_after": days_after,
        "wall_s": round(wall, 1),
        "busy_left_out": left,
        "days": rows,
        "visits": sum(r["visits"] for r in rows),
        "km": round(sum(r["km"] for r in rows), 1),
        "hours": round(sum(r["hours"] for r in rows), 1),
        "kg_collected": collected,
        "km_per_tonne": round(sum(r["km"] for r in rows) / (collected / 1000), 2) if collected else None,
        "mean_fill_at_visit": round(sum(fills) / len(fills), 3) if fills else None,
        "end_kg_in_visited_bins": end_kg,
        "over_full_at_next_service_day": over,
    }
    db.session.rollback()
    return result


def rolling(weeks: int, days_after: int | None, time_limit_s: float, seed: int) -> dict[str, Any]:
    """``weeks`` weeks planned one after the other, each Monday to Sunday with rounds Monday to Friday, every bin's
    level carried over from the visits of the week before (the forecast's daily kg, no other pickups)."""
    base = _params(7, days_after, time_limit_s, seed)
    trucks = base.day_vehicles[0]
    first = week.week_stops(
        {v.organisation_id for v in db.session.scalars(select(Vehicle))},
        local_datetime(
            local_today() + timedelta(days=2), min(v.shift_start for v in db.session.scalars(select(Vehicle)))
        ),
    )
    levels = {s.key: s.initial_kg for s in first}
    real = week.week_stops
    out: list[dict[str, Any]] = []
    km = collected = overflows = 0.0
    try:
        for w in range(weeks):
            stops = [replace(s, initial_kg=min(levels[s.key], s.full_kg)) for s in first]
            week.week_stops = lambda *args, _stops=stops, **kwargs: _stops  # type: ignore[assignment]
            params = replace(
                base,
                start_date=local_today() + timedelta(days=2 + 7 * w),
                day_vehicles=(trucks,) * 5 + ((),) * 2,
            )
            found = week.plan_week(params)
            visits = [json.loads(d.stops_json or "{}") for d in found.days]
            week_km = sum(d.plan.distance_m for d in found.days if d.plan) / 1000
            week_kg = sum(sum(v.values()) for v in visits)
            for s in stops:
                days = [d for d, v in enumerate(visits) if s.key in v]
                level = s.daily_kg * (7 - days[-1]) if days else s.initial_kg + 7 * s.daily_kg
                overflows += level > s.full_kg
                levels[s.key] = level
            km, collected = km + week_km, collected + week_kg
            out.append({"visits": [len(v) for v in visits[:5]], "km": round(week_km, 1), "kg": week_kg})
            db.session.rollback()
    finally:
        week.week_stops = real  # type: ignore[assignment]
    return {
        "days_after": days_after,
        "weeks": out,
        "km": round(km, 1),
        "kg_collected": collected,
        "km_per_tonne": round(km / (collected / 1000), 2),
        "over_full_at_next_start": int(overflows),
        "kg_in_bins_at_end": sum(min(level, s.full_kg) for s in first for level in [levels[s.key]]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--days-after",
        type=lambda text: None if text == "cal" else int(text),
        nargs="+",
        default=[0, 1],
        help="numbers of days, or cal for each operator's next service day",
    )
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rolling-weeks", type=int, default=0, help="plan this many weeks one after the other")
    args = parser.parse_args()
    with demo_app():
        for days_after in args.days_after:
            if args.rolling_weeks:
                result = rolling(args.rolling_weeks, days_after, args.time_limit, args.seed)
            else:
                result = run(args.days, days_after, args.time_limit, args.seed)
            print(json.dumps(result, indent=2), flush=True)


if __name__ == "__main__":
    main()
