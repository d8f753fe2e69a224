"""Demo bins: about 1,100 across the 133 comuni, in proportion to population, inside the real boundaries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import shapely
from sqlalchemy import select

from app.auth.models import Organisation
from app.bins.models import Bin, BinStatus, BinStatusChange, Stream
from app.core.clock import utcnow
from app.extensions import db
from app.geo.models import Comune

TOTAL_BINS = 1100
SEED = 20261125
MILANO = "015146"
DEMO_SUFFIX = " (demo)"
# Operator per area: AMSA in Milano, CEM Ambiente in the east / north-east (Martesana, towards Brianza),
# Vesti Solidale elsewhere. The east line is the comune's centroid, a fair stand-in for the real contracts.
AMSA, CEM, VESTI = "AMSA", "CEM Ambiente", "Vesti Solidale"
PREFIX = {AMSA: "AM", CEM: "CEM", VESTI: "VS"}
EAST_LON, NORTH_EAST_LAT = 9.33, 45.47
STREETS = (
    ("Via", "Roma"),
    ("Via", "Giuseppe Garibaldi"),
    ("Via", "Giuseppe Mazzini"),
    ("Via", "Camillo Benso di Cavour"),
    ("Via", "Alessandro Manzoni"),
    ("Via", "Dante Alighieri"),
    ("Via", "Giacomo Matteotti"),
    ("Via", "XXV Aprile"),
    ("Via", "Vittorio Veneto"),
    ("Via", "IV Novembre"),
    ("Via", "Papa Giovanni XXIII"),
    ("Via", "Antonio Gramsci"),
    ("Via", "Don Giovanni Minzoni"),
    ("Via", "Milano"),
    ("Via", "Monza"),
    ("Via", "Galileo Galilei"),
    ("Viale", "Lombardia"),
    ("Viale", "Europa"),
    ("Viale", "delle Rimembranze"),
    ("Piazza", "della Repubblica"),
    ("Piazza", "Libertà"),
    ("Piazza", "San Francesco"),
    ("Largo", "Donatori di Sangue"),
    ("Corso", "Italia"),
)
NOTES = (
    "",
    "",
    "",
    "Accanto al parcheggio del supermercato.",
    "Lato strada, vicino alla fermata.",
    "Dentro l'isola ecologica.",
)


@dataclass(frozen=True)
class _Area:
    istat_code: str
    boundary: shapely.Geometry
    population: int
    operator: str


def operator_for(comune: Comune, boundary: shapely.Geometry) -> str:
    """The demo operator that plausibly serves a comune."""
    if comune.istat_code == MILANO:
        return AMSA
    centre = boundary.centroid
    return CEM if centre.x >= EAST_LON and centre.y >= NORTH_EAST_LAT else VESTI


def _areas() -> list[_Area]:
    areas = []
    for comune in db.session.scalars(select(Comune).order_by(Comune.istat_code)):
        boundary = shapely.from_wkb(comune.boundary_wkb)
        areas.append(_Area(comune.istat_code, boundary, comune.population or 0, operator_for(comune, boundary)))
    return areas


def bins_per_comune(areas: list[_Area], total: int = TOTAL_BINS) -> dict[str, int]:
    """At least one bin per comune, the rest in proportion to population."""
    people = sum(a.population for a in areas) or 1
    return {a.istat_code: max(1, round(total * a.population / people)) for a in areas}


def points_inside(boundary: shapely.Geometry, count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Uniform random points inside a boundary (rejection sampling on its bounding box)."""
    west, south, east, north = boundary.bounds
    found: list[tuple[float, float]] = []
    shapely.prepare(boundary)
    while len(found) < count:
        xs = rng.uniform(west, east, count * 4)
        ys = rng.uniform(south, north, count * 4)
        inside = shapely.contains_xy(boundary, xs, ys)
        found.extend(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
    return found[:count]


def _cap(istat_code: str, rnd: random.Random) -> str:
    if istat_code == MILANO:
        return str(rnd.randint(20121, 20162))
    return f"20{int(istat_code[3:]) % 98 + 1:03d}"


def _new_bin(area: _Area, n: int, lon: float, lat: float, operator_id: int, rnd: random.Random) -> Bin:
    street_type, street_name = rnd.choice(STREETS)
    capacity_l = rnd.choice((1500, 2000, 2500, 3000))
    status = rnd.choices([BinStatus.ACTIVE, BinStatus.DAMAGED, BinStatus.INACCESSIBLE], [95, 3, 2])[0]
    installed = utcnow() - timedelta(days=rnd.randint(400, 1500))
    bin_ = Bin(
        code=f"{PREFIX[area.operator]}-{area.istat_code[3:]}-{n:03d}",
        operator_id=operator_id,
        stream=Stream.MATERIAL_RECOVERY if rnd.random() < 0.15 else Stream.REUSE,
        street_type=street_type,
        street_name=street_name,
        civic_number=str(rnd.randint(1, 180)),
        cap=_cap(area.istat_code, rnd),
        comune_code=area.istat_code,
        lon=round(lon, 6),
        lat=round(lat, 6),
        capacity_l=capacity_l,
        full_weight_kg=round(capacity_l * 0.11),
        status=status,
        access_notes=rnd.choice(NOTES),
        service_hours=rnd.choice(("", "", "06:00-22:00")),
        is_demo=True,
        created_at=installed,
    )
    bin_.status_history.append(BinStatusChange(status=status, changed_at=installed, reason="Installazione (demo)"))
    return bin_


def ensure_demo_bins(total: int = TOTAL_BINS) -> int:
    """Create the demo bins that are missing (seeded: the same bins every time); returns how many were added."""
    operators = {
        short: db.session.scalar(select(Organisation.id).where(Organisation.name == short + DEMO_SUFFIX))
        for short in PREFIX
    }
    existing = {(r.operator_id, r.code) for r in db.session.execute(select(Bin.operator_id, Bin.code))}
    rng, rnd = np.random.default_rng(SEED), random.Random(SEED)
    areas = _areas()
    counts = bins_per_comune(areas, total)
    added = 0
    for area in areas:
        operator_id = operators[area.operator]
        points = points_inside(area.boundary, counts[area.istat_code], rng)
        for n, (lon, lat) in enumerate(points, start=1):
            bin_ = _new_bin(area, n, lon, lat, operator_id or 0, rnd)
            if operator_id is not None and (operator_id, bin_.code) not in existing:
                db.session.add(bin_)
                added += 1
    db.session.flush()
    return added
