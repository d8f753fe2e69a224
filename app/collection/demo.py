"""Twelve months of simulated pickups for the demo bins (``source="demo"``), seeded and idempotent.

Generative model (documented in docs/decisions.md):

- each bin donates ``base * comune * operator * bin`` kg/day, with lognormal effects
  (sigma 0.15, 0.10, 0.25) around 8 t per bin per year;
- donations follow a weekday pattern (Saturday highest) and a smooth season: peaks at the
  spring (late April) and autumn (mid October) wardrobe changes, a dip in August;
- each bin is emptied on fixed weekdays, 1-4 times a week so that it is about half full at
  each visit, between 06:30 and 13:30; 4 % of visits are skipped (a third in mid-August);
- the kg of a pickup is everything donated since the previous emptying, Gamma-distributed
  around that mean (variance = 6 kg x mean: donations come in bags);
- incidents: overflow when the kg exceed the bin's full weight (bags on the ground),
  damaged 0.4 %, vandalised 0.2 %, contaminated/wet 0.8 %, inaccessible 0.5 % (then the bin is
  not emptied and no kg are recorded); 15 % of bins have no scale and get a fill % instead.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from app.auth.models import User
from app.bins.models import Bin, BinStatus
from app.collection import citizen_reports
from app.collection.models import CitizenReport, CitizenReportStatus, Pickup, PickupSource
from app.core.clock import ROME, utcnow
from app.extensions import db

SEED = 5_2026
BASE_KG_PER_DAY = 8000 / 365
WEEKDAY = np.array([1.05, 0.9, 0.9, 0.95, 1.0, 1.25, 0.95])  # Monday first
BAG_KG = 6.0
SCHEDULES = {1: [(0,), (1,), (2,), (3,), (4,)], 2: [(0, 3), (1, 4)], 3: [(0, 2, 4)], 4: [(0, 1, 3, 4)]}
INCIDENT_RATES = {"damaged": 0.004, "vandalised": 0.002, "contaminated": 0.008}
P_INACCESSIBLE, P_SKIP, P_NO_SCALE = 0.005, 0.04, 0.15


@dataclass(frozen=True)
class DemoBin:
    id: int
    operator_id: int
    comune_code: str
    full_weight_kg: int


def season(day_of_year: np.ndarray) -> np.ndarray:
    """Relative donations by day of the year: spring and autumn wardrobe changes, August dip."""

    def bump(centre: float, width: float) -> np.ndarray:
        distance = np.abs((day_of_year - centre + 182.5) % 365 - 182.5)
        return np.exp(-0.5 * (distance / width) ** 2)

    return 1 + 0.28 * bump(110, 20) + 0.30 * bump(288, 22) - 0.30 * bump(222, 15) - 0.10 * bump(41, 15)


def _effect(key: str, sigma: float) -> float:
    """A lognormal effect fixed by the key (same comune or operator, same effect)."""
    return float(np.exp(np.random.default_rng(zlib.crc32(key.encode())).normal(0, sigma) - sigma**2 / 2))


def _intensity(first: datetime, days: int) -> np.ndarray:
    """Relative donations on each local day from ``first`` (weekday x season)."""
    dates = [first.date() + timedelta(days=i) for i in range(days)]
    weekday = WEEKDAY[[d.weekday() for d in dates]] / WEEKDAY.mean()
    return weekday * season(np.array([d.timetuple().tm_yday for d in dates], dtype=float))


def _visits(rng: np.random.Generator, weekdays: tuple[int, ...], first: datetime, summer: np.ndarray) -> np.ndarray:
    """Local times of the visits, in days since ``first`` (fractional)."""
    day = np.arange(summer.size)
    on = np.isin((day + first.weekday()) % 7, weekdays)
    on &= rng.random(day.size) > np.where(summer, 0.33, P_SKIP)
    return day[on] + rng.uniform(6.5 / 24, 13.5 / 24, on.sum())


def _collected(rng: np.random.Generator, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kg found at each visit, and whether the bin was inaccessible (then not emptied: kg carry over)."""
    donated = rng.gamma(np.maximum(expected, 1e-6) / BAG_KG, BAG_KG)
    blocked = rng.random(expected.size) < P_INACCESSIBLE
    total = np.cumsum(donated)
    emptied_at = np.where(~blocked, np.arange(expected.size), -1)
    previous = np.concatenate([[-1], np.maximum.accumulate(emptied_at)[:-1]])
    before = np.where(previous >= 0, total[np.maximum(previous, 0)], 0.0)
    return total - before, blocked


def _bin_rows(
    b: DemoBin, first: datetime, cum: np.ndarray, summer: np.ndarray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    rate = BASE_KG_PER_DAY * _effect(b.comune_code, 0.15) * _effect(f"op{b.operator_id}", 0.10)
    rate *= float(np.exp(rng.normal(0, 0.25) - 0.25**2 / 2))
    per_week = int(np.clip(round(rate * 7 / (0.5 * b.full_weight_kg)), 1, 4))
    options = SCHEDULES[per_week]
    visits = _visits(rng, options[rng.integers(len(options))], first, summer)
    expected = rate * np.diff(np.interp(visits, np.arange(cum.size), cum))
    kg, blocked = _collected(rng, expected)
    has_scale = rng.random() > P_NO_SCALE
    flags = rng.random((kg.size, len(INCIDENT_RATES))) < np.array(list(INCIDENT_RATES.values()))
    local = pd.to_datetime(first) + pd.to_timedelta(visits[1:], unit="D")
    moments = local.tz_localize(ROME).tz_convert(UTC).to_pydatetime()
    return [_row(b, moments[i], float(kg[i]), has_scale, bool(blocked[i]), flags[i]) for i in range(kg.size)]


def _row(
    b: DemoBin, collected_at: datetime, kg: float, has_scale: bool, blocked: bool, flags: np.ndarray
) -> dict[str, Any]:
    incidents = [code for code, on in zip(INCIDENT_RATES, flags, strict=True) if on]
    fill = int(min(round(kg / b.full_weight_kg * 10) * 10, 150))
    weight, fill = (Decimal(f"{kg:.1f}"), None) if has_scale else (None, fill)
    if blocked:
        incidents, weight, fill = ["inaccessible"], None, None
    elif kg > b.full_weight_kg:
        incidents.insert(0, "overflow")
    return {
        "bin_id": b.id,
        "collected_at": collected_at,
        "weight_kg": weight,
        "fill_percent": fill,
        "incidents": ",".join(incidents),
        "notes": "",
        "source": PickupSource.DEMO.value,
        "recorded_at": collected_at,
        "superseded": False,
    }


def simulate_history(bins: list[DemoBin], end: datetime, days: int = 365, seed: int = SEED) -> list[dict[str, Any]]:
    """Pickup rows (ready for a bulk insert) for ``days`` before ``end``; same inputs, same rows."""
    first = (end.astimezone(ROME) - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    first = first.replace(tzinfo=None)
    cum = np.concatenate([[0.0], np.cumsum(_intensity(first, days))])
    day_of_year = np.array([(first + timedelta(days=i)).timetuple().tm_yday for i in range(days)])
    summer = (day_of_year >= 222) & (day_of_year < 236)  # mid-August: fewer crews
    last = end.astimezone(UTC)
    rows: list[dict[str, Any]] = []
    for b in bins:
        generated = _bin_rows(b, first, cum, summer, np.random.default_rng([seed, b.id]))
        rows += [r for r in generated if r["collected_at"] <= last]
    return rows


def ensure_demo_history(now: datetime | None = None) -> int:
    """Simulate and bulk-insert the history of demo bins that have no pickups yet; returns rows added."""
    with_pickups = select(Pickup.bin_id).distinct()
    bins = [
        DemoBin(r.id, r.operator_id, r.comune_code, r.full_weight_kg)
        for r in db.session.execute(
            select(Bin.id, Bin.operator_id, Bin.comune_code, Bin.full_weight_kg)
            .where(Bin.is_demo.is_(True), Bin.id.not_in(with_pickups))
            .order_by(Bin.id)
        )
    ]
    rows = simulate_history(bins, now or utcnow())
    for start in range(0, len(rows), 10_000):
        db.session.execute(Pickup.__table__.insert(), rows[start : start + 10_000])  # Core executemany: fast
    db.session.flush()
    return len(rows)


DEMO_REPORTS = (  # kind, hours ago, handled: the operator's «Segnalazioni» list has something to handle
    ("bags_on_ground", 2, False),
    ("full", 5, False),
    ("damaged", 30, True),
)


def ensure_demo_reports(operator_id: int, handler: User, now: datetime | None = None) -> int:
    """A few citizens' reports at the operator's demo bins, once: open ones and one handled; returns rows added."""
    demo_bins = select(Bin.id).where(Bin.is_demo.is_(True))
    if db.session.scalar(select(CitizenReport.id).where(CitizenReport.bin_id.in_(demo_bins)).limit(1)):
        return 0
    bins = db.session.scalars(
        select(Bin)
        .where(Bin.is_demo.is_(True), Bin.operator_id == operator_id, Bin.status == BinStatus.ACTIVE)
        .order_by(Bin.code)
        .limit(len(DEMO_REPORTS))
    ).all()
    now = now or utcnow()
    for bin_, (kind, hours, handled) in zip(bins, DEMO_REPORTS, strict=False):
        at = now - timedelta(hours=hours)
        found = citizen_reports.report(bin_, kind, now=at)
        if handled:
            citizen_reports.close(found.id, CitizenReportStatus.HANDLED, handler, now=at + timedelta(hours=3))
    return len(bins)
