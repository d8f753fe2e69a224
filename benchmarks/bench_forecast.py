"""Fill forecasting backtest on the demo history: our model vs naive baselines, month by month.

Usage::

    python benchmarks/bench_forecast.py [--database-url sqlite:///path/demo.sqlite3] [--months 4]

Without ``--database-url`` a temporary SQLite database is built with ``flask demo`` (bins and
twelve months of simulated pickups, seeded). For each of the last ``--months`` calendar months
(rolling origin), everything is fitted on the pickups before the month starts and each weighed
pickup of the month is predicted from the time of the bin's previous emptying (the schedule is
known; its kilograms are not). Baselines, given the same training data:

- last-interval rate: kg of the bin's last training pickup / days since the one before, x elapsed days;
- fixed-frequency average: the bin's mean kg per pickup (assumes the schedule stays the same);
- (reference, not a goal baseline) long-run mean rate: the bin's total kg / total days, x elapsed days.

"Cold start" rows: a seeded 10 % of bins keep only their last training pickup (no interval), so the
model must use the pooled estimate of similar bins; the baselines fall back to the fleet average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _load(database_url: str | None) -> tuple[object, np.ndarray]:
    """The demo fleet (History over all pickups) and the weighed flag of each pickup."""
    if database_url is None:
        database_url = f"sqlite:///{tempfile.mkdtemp()}/demo.sqlite3"
        os.environ["DATABASE_URL"] = database_url
        from flask_migrate import upgrade

        from app import create_app
        from app.demo import build_demo
        from app.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "FITMI_ENV": "development"})
        with app.app_context():
            t0 = time.perf_counter()
            upgrade()
            build_demo()
            db.session.commit()
            print(f"flask demo equivalent: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    from sqlalchemy import select

    from app import create_app
    from app.collection.forecast import _load_fleet
    from app.collection.models import Pickup
    from app.db import utcnow
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "FITMI_ENV": "development"})
    with app.app_context():
        fleet = _load_fleet(utcnow())
        weighed = select(Pickup.weight_kg.is_not(None)).where(
            Pickup.superseded.is_(False), Pickup.weight_kg.is_not(None) | Pickup.fill_percent.is_not(None)
        )
        flags = np.array(db.session.scalars(weighed.order_by(Pickup.id)).all(), dtype=bool)
    return fleet, flags


def _month_starts(last_day: float, months: int) -> list[float]:
    end = np.datetime64("1970-01-01") + int(last_day)
    first = end.astype("datetime64[M]")
    starts = [first - k for k in range(months - 1, -1, -1)]
    return [float((s.astype("datetime64[D]") - np.datetime64("1970-01-01")).astype(int)) for s in starts]


def _previous(history) -> np.ndarray:
    """Index of each pickup's previous pickup of the same bin (-1 for the first)."""
    order = np.lexsort((history.day, history.bin_index))
    prev = np.full(history.day.size, -1)
    same = history.bin_index[order][1:] == history.bin_index[order][:-1]
    prev[order[1:][same]] = order[:-1][same]
    return prev


def _baselines(train, n_bins: int, start: np.ndarray, end: np.ndarray, bins: np.ndarray) -> dict[str, np.ndarray]:
    prev = _previous(train)
    has = prev >= 0
    gap = np.where(has, train.day - train.day[np.maximum(prev, 0)], 0.0)
    b, kg = train.bin_index[has], train.kg[has]
    total_kg = np.bincount(b, weights=kg, minlength=n_bins)
    total_days = np.bincount(b, weights=gap[has], minlength=n_bins)
    count = np.bincount(b, minlength=n_bins)
    fleet_rate = total_kg.sum() / total_days.sum()
    fleet_mean = total_kg.sum() / count.sum()
    last_rate = np.full(n_bins, fleet_rate)
    order = np.argsort(train.day[has])  # later pickups overwrite earlier ones
    last_rate[b[order]] = (kg / np.maximum(gap[has], 1e-6))[order]
    elapsed = end - start
    return {
        "last_interval": last_rate[bins] * elapsed,
        "fixed_frequency": np.where(count > 0, total_kg / np.maximum(count, 1), fleet_mean)[bins],
        "mean_rate": np.where(total_days > 0, total_kg / np.maximum(total_days, 1e-6), fleet_rate)[bins] * elapsed,
    }


def _subset(history, keep: np.ndarray):
    return replace(history, bin_index=history.bin_index[keep], day=history.day[keep], kg=history.kg[keep])


def _cold_mask(history, cold: np.ndarray, origin: float) -> np.ndarray:
    """Drop every training pickup of the cold bins except their last one."""
    train = history.day < origin
    last = np.full(history.n_bins, -np.inf)
    np.maximum.at(last, history.bin_index[train], history.day[train])
    is_cold = cold[history.bin_index]
    return train & (~is_cold | (history.day == last[history.bin_index]))


def backtest(fleet, weighed: np.ndarray, months: int, seed: int = 7) -> list[dict[str, object]]:
    from app.collection.fill_model import FLAT_PRIOR, fit_fill_model

    h = fleet.history
    prev = _previous(h)
    cold = np.random.default_rng(seed).random(h.n_bins) < 0.10
    starts = _month_starts(h.day.max(), months)
    rows = []
    for origin, stop in zip(starts, [*starts[1:], h.day.max() + 1], strict=True):
        test = (h.day >= origin) & (h.day < stop) & weighed & (prev >= 0)
        for label, keep in (("all bins", h.day < origin), ("cold start", _cold_mask(h, cold, origin))):
            train = _subset(h, keep)
            sel = test & (cold[h.bin_index] if label == "cold start" else True)
            bins, end = h.bin_index[sel], h.day[sel]
            start = h.day[prev[sel]]
            actual = h.kg[sel]
            t0 = time.perf_counter()
            model = fit_fill_model(train)
            fit_s = time.perf_counter() - t0
            preds = {"model": model.predict(bins, start, end)[0]}
            if label == "all bins":
                preds["model, flat seasonal prior"] = fit_fill_model(train, FLAT_PRIOR).predict(bins, start, end)[0]
            preds |= _baselines(train, h.n_bins, start, end, bins)
            month = str(np.datetime64("1970-01-01") + int(origin))[:7]
            row = {"month": month, "set": label, "n": int(sel.sum()), "fit_s": fit_s}
            row |= {k: float(np.mean(np.abs(v - actual))) for k, v in preds.items()}
            rows.append(row)
    return rows


def _table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| held-out month | bins | pickups | model MAE (kg) | flat-prior model | last-interval | fixed-frequency"
        " | long-run mean rate | model / best baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        best = min(r["last_interval"], r["fixed_frequency"])
        flat = f"{r['model, flat seasonal prior']:.1f}" if "model, flat seasonal prior" in r else "–"
        lines.append(
            f"| {r['month']} | {r['set']} | {r['n']} | {r['model']:.1f} | {flat} | {r['last_interval']:.1f}"
            f" | {r['fixed_frequency']:.1f} | {r['mean_rate']:.1f} | {r['model'] / best:.2f} |"
        )
    return "\n".join(lines)


def _overall(rows: list[dict[str, object]], label: str) -> str:
    chosen = [r for r in rows if r["set"] == label]
    n = sum(r["n"] for r in chosen)

    def mae(key: str) -> float:
        return sum(r[key] * r["n"] for r in chosen) / n

    best = min(mae("last_interval"), mae("fixed_frequency"))
    return (
        f"{label}: {n} pickups, model MAE {mae('model'):.1f} kg, last-interval {mae('last_interval'):.1f},"
        f" fixed-frequency {mae('fixed_frequency'):.1f}, long-run mean rate {mae('mean_rate'):.1f};"
        f" model / best baseline = {mae('model') / best:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--months", type=int, default=4)
    args = parser.parse_args()
    fleet, weighed = _load(args.database_url)
    h = fleet.history
    print(f"history: {h.n_bins} bins, {h.day.size} pickups ({datetime.now():%Y-%m-%d})")
    rows = backtest(fleet, weighed, args.months)
    print(_table(rows))
    print()
    for label in ("all bins", "cold start"):
        print(_overall(rows, label))
    print(f"fit time per month (all bins): {np.mean([r['fit_s'] for r in rows if r['set'] == 'all bins']):.2f} s")


if __name__ == "__main__":
    main()
