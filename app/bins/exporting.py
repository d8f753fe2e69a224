"""Exporting bins in the import formats (CSV, GeoJSON) and as open data ("where to donate")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.bins.formats import COLUMNS, EXPORT_COLUMNS, STATUS_WORDS, STREAM_WORDS, Dialect
from app.bins.models import Bin, BinStatus
from app.core.exports import csv_text

OPEN_DATA_LICENCE = "CC BY 4.0"
OSM_FREE_NOTE = "Coordinate WGS84 (EPSG:4326)."


def _cells(b: Bin) -> dict[str, Any]:
    """A bin's cells: text as typed, numbers as numbers (the CSV writer formats and escapes them)."""
    return {
        "codice": b.code,
        "operatore": b.operator.name,
        "flusso": STREAM_WORDS.get(b.stream, b.stream),
        "codice_eer": b.eer_code,
        "tipo_via": b.street_type,
        "nome_via": b.street_name,
        "civico": b.civic_number,
        "cap": b.cap,
        "comune": b.comune.name,
        "lon": Decimal(f"{b.lon:.6f}"),
        "lat": Decimal(f"{b.lat:.6f}"),
        "capacita_l": b.capacity_l,
        "peso_pieno_kg": b.full_weight_kg,
        "stato": STATUS_WORDS.get(b.status, b.status),
        "note_accesso": b.access_notes,
        "orari_servizio": b.service_hours,
        "demo": "sì" if b.is_demo else "",
    }


def bins_csv(bins: list[Bin], dialect: Dialect) -> bytes:
    """The bins as a CSV that the import reads back (same columns, same dialect)."""
    rows = ([cells.get(c, "") for c in EXPORT_COLUMNS] for cells in map(_cells, bins))
    return csv_text(EXPORT_COLUMNS, rows, dialect.separator, dialect.decimal).encode("utf-8")


def bins_geojson(bins: list[Bin]) -> dict[str, Any]:
    """The bins as a GeoJSON FeatureCollection with the import's property names."""
    features = []
    for b in bins:
        props: dict[str, Any] = {k: v for k, v in _cells(b).items() if k not in ("lon", "lat")}
        props.update(capacita_l=b.capacity_l, peso_pieno_kg=b.full_weight_kg, demo=b.is_demo)  # a boolean in JSON
        features.append(_feature(b, props))
    return {"type": "FeatureCollection", "features": features}


def _feature(b: Bin, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(b.lon, 6), round(b.lat, 6)]},
        "properties": props,
    }


def open_data_geojson(bins: list[Bin], source: str) -> dict[str, Any]:
    """Active bins with only public fields, for a "where to donate clothes" map."""
    features = [
        _feature(
            b,
            {
                "codice": b.code,
                "operatore": b.operator.name,
                "indirizzo": b.address,
                "comune": b.comune.name,
                "comune_istat": b.comune_code,
                "flusso": STREAM_WORDS.get(b.stream, b.stream),
                "codice_eer": b.eer_display,
                "orari_servizio": b.service_hours,
                "demo": b.is_demo,
            },
        )
        for b in bins
        if b.status == BinStatus.ACTIVE
    ]
    return {
        "type": "FeatureCollection",
        "name": "Contenitori per la raccolta di abiti usati — Città metropolitana di Milano",
        "licenza": OPEN_DATA_LICENCE,
        "fonte": source,
        "note": OSM_FREE_NOTE,
        "features": features,
    }


# Two example rows of the import template: real places (Piazza del Duomo in Milano, the centre of Rho).
_TEMPLATE_ROWS = (
    ("ESEMPIO-001", "riuso", "Piazza", "del Duomo", "1", "20122", "Milano", "9.190500", "45.464000", "250"),
    ("ESEMPIO-002", "recupero_materia", "Via", "Madonna", "12/A", "20017", "Rho", "9.040000", "45.529000", "330.5"),
)


def _template_row(example: tuple[str, ...], operator_name: str) -> list[Any]:
    code, stream, street_type, street, civic, cap, comune, lon, lat, kg = example
    eer, litres, hours = "200110", 2500, "06:00-20:00"
    return [
        code,
        operator_name,
        stream,
        eer,
        street_type,
        street,
        civic,
        cap,
        comune,
        Decimal(lon),
        Decimal(lat),
        litres,
        Decimal(kg),
        "attivo",
        "",
        hours,
    ]


def import_template(operator_name: str) -> bytes:
    """A CSV to fill in, as Italian Excel saves it (``;``, decimal comma, UTF-8 with BOM): the import's columns
    and two example rows to overwrite."""
    rows = [_template_row(example, operator_name) for example in _TEMPLATE_ROWS]
    return csv_text(COLUMNS, rows, ";", ",").encode("utf-8")
