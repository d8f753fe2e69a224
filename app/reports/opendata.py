"""Open data: the bins and the monthly kilograms by comune, as CSV and GeoJSON, with licence and attribution.

No personal data: bins are places on public streets (no notes, no people); households are only
counted, per comune and month, and a count from 1 to 4 is suppressed (published empty, flagged)
so that no small group of families can be singled out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry import mapping
from sqlalchemy import case, func, select

from app.auth.models import Organisation
from app.bins.models import Bin, BinStatus
from app.collection.models import Pickup
from app.core.clock import local_midnight
from app.extensions import db
from app.geo.models import Comune
from app.reports.official import pickup_kg
from app.sorting.ledger import TENTH
from app.stock.models import MovementKind, StockMovement
from app.welfare.models import Allocation, GarmentRequest, Household, RequestLine

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.it"
PUBLISHER = "FIT-MI — Città metropolitana di Milano"
ATTRIBUTION = (
    "Dati: FIT-MI, Città metropolitana di Milano (CC BY 4.0). "
    "Confini amministrativi e codici dei comuni: © ISTAT (CC BY), elaborazione openpolis (CC BY 4.0). "
    "Coordinate dei contenitori: rilevate dai gestori; mappe di fondo © OpenStreetMap contributors (ODbL)."
)
SMALLEST_COUNT = 5  # household counts from 1 to SMALLEST_COUNT - 1 are suppressed
SUPPRESSION_RULE = (
    "Numero di famiglie servite: i valori da 1 a 4 per comune e mese sono soppressi (cella vuota, "
    "soppresso=1) perché non si possano riconoscere singole famiglie."
)
BIN_HEADER = ("codice", "gestore", "codice_istat", "comune", "indirizzo", "lat", "lon", "capacita_l", "stato")
MONTHLY_HEADER = ("codice_istat", "comune", "mese", "kg_raccolti", "famiglie_servite", "soppresso")


def _bins() -> list[tuple[Any, ...]]:
    return list(
        db.session.execute(
            select(
                Bin.code,
                Organisation.name,
                Bin.comune_code,
                Comune.name,
                Bin.street_type,
                Bin.street_name,
                Bin.civic_number,
                Bin.lat,
                Bin.lon,
                Bin.capacity_l,
                Bin.status,
            )
            .join(Organisation, Organisation.id == Bin.operator_id)
            .join(Comune, Comune.istat_code == Bin.comune_code)
            .where(Bin.status != BinStatus.REMOVED)
            .order_by(Comune.name, Organisation.name, Bin.code)
        )
    )


def bin_rows() -> list[list[Any]]:
    """The bins in service or paused (removed ones are not places any more), under :data:`BIN_HEADER`."""
    return [*_bin_table(), *footer()[:2]]


def _bin_table() -> list[list[Any]]:
    return [
        [code, operator, istat, comune, f"{street_type} {street} {civic}".strip(), lat, lon, capacity, status]
        for code, operator, istat, comune, street_type, street, civic, lat, lon, capacity, status in _bins()
    ]


def _about() -> dict[str, Any]:
    return {"licence": LICENCE, "licence_url": LICENCE_URL, "publisher": PUBLISHER, "attribution": ATTRIBUTION}


def bins_geojson() -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(row[6], 6), round(row[5], 6)]},
            "properties": dict(zip(BIN_HEADER, row, strict=True)),
        }
        for row in _bin_table()
    ]
    return {"type": "FeatureCollection", "metadata": _about(), "features": features}


def _month_bucket(column: Any, year: int) -> Any:
    """The local month (1–12) of a UTC timestamp column, in SQL on every backend."""
    bounds = [local_midnight(date(year, m, 1)) for m in range(2, 13)] + [local_midnight(date(year + 1, 1, 1))]
    return case(*((column < bound, month) for month, bound in enumerate(bounds, start=1)), else_=13)


@dataclass(frozen=True)
class MonthRow:
    comune_code: str
    comune_name: str
    month: str  # YYYY-MM
    weight_kg: Decimal
    households: int | None  # None: suppressed (1 to 4)

    @property
    def suppressed(self) -> bool:
        return self.households is None


def monthly_by_comune(year: int) -> list[MonthRow]:
    """Kg collected at the bins and households served, by comune and month of ``year``."""
    low, high = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    month = _month_bucket(Pickup.collected_at, year)
    kg_rows = db.session.execute(
        select(Bin.comune_code, month, func.sum(pickup_kg()))
        .join(Bin, Bin.id == Pickup.bin_id)
        .where(Pickup.collected_at >= low, Pickup.collected_at < high, Pickup.superseded.is_(False))
        .group_by(Bin.comune_code, month)
    )
    served_month = _month_bucket(StockMovement.at, year)
    served = db.session.execute(
        select(Household.comune_code, served_month, func.count(func.distinct(Household.id)))
        .select_from(StockMovement)
        .join(Allocation, Allocation.issue_id == StockMovement.id)
        .join(RequestLine, RequestLine.id == Allocation.line_id)
        .join(GarmentRequest, GarmentRequest.id == RequestLine.request_id)
        .join(Household, Household.id == GarmentRequest.household_id)
        .where(StockMovement.kind == MovementKind.ISSUE_RESERVED, StockMovement.at >= low, StockMovement.at < high)
        .group_by(Household.comune_code, served_month)
    )
    kg: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for comune, m, weight in kg_rows:
        kg[(comune, m)] += Decimal(weight or 0)
    households: dict[tuple[str, int], int] = {(comune, m): n for comune, m, n in served}
    names: dict[str, str] = {code: name for code, name in db.session.execute(select(Comune.istat_code, Comune.name))}
    rows = []
    for comune, m in sorted(set(kg) | set(households), key=lambda key: (names.get(key[0], key[0]), key[1])):
        n = households.get((comune, m), 0)
        rows.append(
            MonthRow(
                comune,
                names.get(comune, ""),
                f"{year}-{m:02d}",
                kg[(comune, m)].quantize(TENTH),
                None if 0 < n < SMALLEST_COUNT else n,
            )
        )
    return rows


def monthly_rows(year: int) -> list[list[Any]]:
    """The table, then the licence, attribution and suppression rule as ``#`` lines (stated in the file)."""
    rows: list[list[Any]] = [
        [r.comune_code, r.comune_name, r.month, r.weight_kg, "" if r.suppressed else r.households, int(r.suppressed)]
        for r in monthly_by_comune(year)
    ]
    return [*rows, *footer()]


def footer() -> list[list[Any]]:
    return [[f"# {text}"] for text in (f"Licenza {LICENCE} {LICENCE_URL}", ATTRIBUTION, SUPPRESSION_RULE)]


def monthly_geojson(year: int, tolerance_deg: float = 0.0008) -> dict[str, Any]:
    """One feature per comune (simplified ISTAT boundary) with its months as properties."""
    months: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in monthly_by_comune(year):
        months[r.comune_code][r.month] = {
            "kg_raccolti": float(r.weight_kg),
            "famiglie_servite": r.households,
            "soppresso": r.suppressed,
        }
    features = []
    for comune in db.session.scalars(select(Comune).order_by(Comune.name)):
        geometry = shapely.from_wkb(comune.boundary_wkb).simplify(tolerance_deg, preserve_topology=True)
        properties = {
            "codice_istat": comune.istat_code,
            "comune": comune.name,
            "mesi": months.get(comune.istat_code, {}),
        }
        features.append({"type": "Feature", "geometry": mapping(geometry), "properties": properties})
    return {
        "type": "FeatureCollection",
        "metadata": _about() | {"year": year, "suppression_rule": SUPPRESSION_RULE},
        "features": features,
    }
