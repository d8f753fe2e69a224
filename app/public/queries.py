"""Reads of the public pages: the nearest active bins, a bin by its public code, the month's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.bins.models import Bin, BinStatus
from app.errors import NotFoundError
from app.extensions import db
from app.geo.distance import straight_m
from app.reports.kpis import KpiFilter, compute
from app.reports.opendata import SMALLEST_COUNT
from app.rounds import adapters

NEAREST = 8  # bins listed for a search
ROAD_CANDIDATES = 25  # nearest in a straight line, then ranked by road (the roads rarely reorder farther ones)
WALKING_M = 1500  # nearer than this, the walking link comes first


@dataclass(frozen=True)
class Directions:
    walk: str
    drive: str


def directions(lon: float, lat: float) -> Directions:
    """OpenStreetMap's directions to a point, on foot and by car; the citizen's position is not put in the link."""
    to = f"{lat:.6f}%2C{lon:.6f}"
    base, view = "https://www.openstreetmap.org/directions?engine=fossgis_osrm_", f"&to={to}#map=17/{lat:.6f}/{lon:.6f}"
    return Directions(walk=f"{base}foot{view}", drive=f"{base}car{view}")


@dataclass(frozen=True)
class NearBin:
    bin: Bin
    distance_m: float
    directions: Directions
    by_road: bool = False

    @property
    def walkable(self) -> bool:
        return self.distance_m <= WALKING_M


@dataclass(frozen=True)
class Nearest:
    """The bins found for a point, and whether their distances are by road (else in a straight line)."""

    bins: list[NearBin]
    by_road: bool


def nearest_bins(lon: float, lat: float, limit: int = NEAREST) -> Nearest:
    """The active bins nearest to a point: chosen in a straight line, ranked by road when the network is loaded."""
    bins = db.session.scalars(select(Bin).where(Bin.status == BinStatus.ACTIVE).options(joinedload(Bin.comune))).all()
    ranked = sorted(((straight_m(lon, lat, b.lon, b.lat), b.code, b) for b in bins), key=lambda r: (r[0], r[1]))
    candidates = ranked[: max(limit, ROAD_CANDIDATES)]
    points = [(b.lon, b.lat) for *_, b in candidates]
    road = adapters.road_distances_m(adapters.configured_network(), (lon, lat), points)
    if road is None:
        return Nearest([NearBin(b, d, directions(b.lon, b.lat)) for d, _code, b in ranked[:limit]], by_road=False)
    # A bin the roads do not reach keeps its straight line and comes after those they do.
    by_road = sorted(
        ((m is None, m if m is not None else d, code, b) for m, (d, code, b) in zip(road, candidates, strict=True)),
        key=lambda r: r[:3],
    )
    found = [NearBin(b, m, directions(b.lon, b.lat), by_road=not off) for off, m, _code, b in by_road[:limit]]
    return Nearest(found, by_road=True)


def public_bin(public_code: str) -> Bin:
    """The bin of a QR sticker; removed bins have no public page."""
    found = db.session.scalar(
        select(Bin).where(Bin.public_code == public_code.strip(), Bin.status != BinStatus.REMOVED)
    )
    if found is None:
        raise NotFoundError(_("Contenitore non trovato: controlla il codice sull'adesivo."))
    return found


@dataclass(frozen=True)
class MonthNumbers:
    month: date
    kg: Decimal
    reused_share: Decimal | None  # of the kg sorted in the month
    co2e_low_t: Decimal
    co2e_high_t: Decimal
    households: int | None  # None: fewer than SMALLEST_COUNT, not published

    @property
    def previous(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)


def month_numbers(month: date, today: date) -> MonthNumbers:
    """The month's public figures (to ``today`` for the current month), households with the small-count rule."""
    first = month.replace(day=1)
    last = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), today)
    kpis = compute(KpiFilter(first, max(first, last)))
    households = kpis.households
    return MonthNumbers(
        month=first,
        kg=kpis.collected.kg,
        reused_share=kpis.split.share("reuse"),
        co2e_low_t=kpis.co2e.low.net_t,
        co2e_high_t=kpis.co2e.high.net_t,
        households=None if 0 < households < SMALLEST_COUNT else households,
    )
