"""Exports that the import reads back, open data, and the map's data served without a CDN."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from app.bins import formats
from app.bins.models import Bin
from app.extensions import db
from tests.app.bins.conftest import BinFactory, bin_count, upload


def test_italian_excel_export_has_bom_semicolons_and_decimal_commas_and_reimports_as_updates(client, operator):
    BinFactory(operator=operator.organisation, code="VS-1", access_notes="Dietro la chiesa; lato nord", is_demo=True)
    db.session.commit()
    body = client.get("/bins/export.csv").data
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("codice;operatore;flusso")
    assert ";9,161900;45,503700;" in text and '"Dietro la chiesa; lato nord"' in text
    assert text.splitlines()[0].endswith(";demo") and text.splitlines()[1].endswith(";sì")
    response = upload(client, body)
    assert "0 contenitori nuovi, 1 da aggiornare" in response.get_data(as_text=True)


def test_comma_export_uses_decimal_points(client, operator):
    BinFactory(operator=operator.organisation)
    db.session.commit()
    text = client.get("/bins/export.csv?sep=comma").data.decode("utf-8-sig")
    assert ",9.161900,45.503700," in text


def test_geojson_export_reimports_and_open_data_shows_only_active_bins_without_access_notes(client, operator):
    BinFactory(operator=operator.organisation, code="VS-1", access_notes="Chiave dal custode", is_demo=True)
    BinFactory(operator=operator.organisation, code="VS-2", status="removed")
    db.session.commit()
    exported = client.get("/bins/export.geojson")
    assert exported.mimetype == "application/geo+json"
    response = upload(client, exported.data, filename="contenitori.geojson")
    assert "0 contenitori nuovi, 2 da aggiornare" in response.get_data(as_text=True)
    client.post("/logout")
    public = json.loads(client.get("/bins/open-data.geojson").data)
    [feature] = public["features"]
    assert feature["properties"]["codice"] == "VS-1" and feature["properties"]["demo"] is True
    assert "note_accesso" not in feature["properties"] and public["licenza"]


def test_map_uses_local_leaflet_and_markercluster_and_osm_attribution(client, operator):
    html = client.get("/bins/map").get_data(as_text=True)
    assert "/vendor/leaflet/leaflet.js" in html and "/vendor/markercluster/leaflet.markercluster.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()
    assert "OpenStreetMap contributors" in html
    script = client.get("/vendor/markercluster/leaflet.markercluster.js")
    assert script.status_code == 200
    script.close()


def test_map_data_carries_the_predicted_fill_colour_of_each_visible_bin(client, operator):
    BinFactory(operator=operator.organisation, code="VS-1")
    BinFactory(code="ALTRO-1")
    db.session.commit()
    data = client.get("/bins/map.geojson").get_json()
    [feature] = data["features"]
    assert feature["properties"]["code"] == "VS-1"
    assert feature["properties"]["fill"] in {"low", "mid", "high", "unknown"}
    assert feature["geometry"]["coordinates"] == [9.1619, 45.5037]


def test_comuni_outlines_are_served_for_the_map(client, operator):
    data = client.get("/bins/comuni.geojson").get_json()
    assert len(data["features"]) == 133


def test_demo_bins_are_about_1100_inside_their_comune_with_area_operators_and_idempotent(app):
    from app.bins.demo import ensure_demo_bins
    from tests.app import factories

    for name in ("AMSA (demo)", "CEM Ambiente (demo)", "Vesti Solidale (demo)"):
        factories.OrganisationFactory(name=name)
    added = ensure_demo_bins()
    assert 1050 <= added <= 1200
    assert ensure_demo_bins() == 0 and bin_count() == added
    bins = db.session.scalars(select(Bin)).all()
    assert all(b.is_demo for b in bins)
    assert len({b.comune_code for b in bins}) == 133
    by_comune = {}
    for b in bins:
        by_comune.setdefault(b.comune.name, set()).add(b.operator.name)
    assert by_comune["Milano"] == {"AMSA (demo)"}
    assert by_comune["Gorgonzola"] == {"CEM Ambiente (demo)"}
    assert by_comune["Rho"] == {"Vesti Solidale (demo)"}
    milano = sum(1 for b in bins if b.comune.name == "Milano")
    assert 400 <= milano <= 520


FORMULA = '=HYPERLINK("http://x","y")'


def test_a_formula_in_a_bin_note_is_neutralised_in_the_export_and_read_back_as_typed(client, operator):
    BinFactory(operator=operator.organisation, code="VS-1", access_notes=FORMULA)
    db.session.commit()
    body = client.get("/bins/export.csv").data
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0]["note_accesso"] == "'" + FORMULA
    assert rows[0]["lon"] == "9,161900"  # numbers stay numbers
    _dialect, read = formats.read_csv(body)
    assert read[0].cells["note_accesso"] == FORMULA
