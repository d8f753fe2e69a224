"""The public pages without login: nearest bins, a bin's page, the month's numbers, languages, no leaks."""

from __future__ import annotations

import re

from app.bins.models import BinStatus
from app.extensions import db
from app.geo.distance import straight_m
from tests.app import factories
from tests.app.geo.recorded import TIMES_OUT, RecordedAdapter, recorded_geocoder
from tests.app.rounds.conftest import BIN_POINTS, PLANT_POINT, milan_roads, on_milan_roads  # noqa: F401

SESTO = "015209"  # Sesto San Giovanni


def _bins():
    near = factories.BinFactory(code="VS-0001", lon=9.2160, lat=45.4850, service_hours="07:00-21:00")
    far = factories.BinFactory(
        code="VS-0002", comune_code=SESTO, cap="20099", lon=9.2330, lat=45.5350, stream="material_recovery"
    )
    removed = factories.BinFactory(code="VS-0003", lon=9.2161, lat=45.4851, status=BinStatus.REMOVED)
    db.session.commit()
    return near, far, removed


def _listed(html: str) -> list[str]:
    return re.findall(r'href="/pubblico/contenitori/([^"]+)"', html)


def test_the_phones_position_lists_the_nearest_active_bins_first_with_what_they_take_hours_and_links(client):
    near, far, _removed = _bins()
    html = client.get("/pubblico/?lat=45.4852&lon=9.2158").get_data(as_text=True)
    assert _listed(html) == [near.public_code, far.public_code]  # the removed bin, nearer still, is not offered
    assert "0,0 km" in html and "07:00-21:00" in html and "Recupero di materia" in html and "Riuso" in html
    assert "engine=fossgis_osrm_foot&amp;to=45.485000%2C9.216000" in html
    assert "engine=fossgis_osrm_car" in html


def _km(html: str) -> list[str]:
    return re.findall(r'<span class="distance">([^<]+)</span>', html)


def test_without_a_road_network_the_page_says_distances_are_in_a_straight_line(client):
    _bins()
    html = client.get("/pubblico/?lat=45.4852&lon=9.2158").get_data(as_text=True)
    assert "Distanze in linea d'aria." in html and "Distanze su strada" not in html


def test_with_the_road_network_loaded_the_nearest_bins_are_ranked_by_road(client, on_milan_roads):  # noqa: F811
    bins = [factories.BinFactory(lon=lon, lat=lat) for lon, lat in reversed(BIN_POINTS)]
    outside = factories.BinFactory(comune_code=SESTO, lon=9.2330, lat=45.5350)  # off the central-Milan extract
    db.session.commit()
    lon, lat = PLANT_POINT
    html = client.get(f"/pubblico/?lat={lat}&lon={lon}").get_data(as_text=True)
    assert "Distanze su strada." in html
    listed = _listed(html)
    assert listed[-1] == outside.public_code and "in linea d'aria" in _km(html)[-1]  # reached by no road: last
    by_code = {b.public_code: b for b in bins}
    straight = sorted(bins, key=lambda b: straight_m(lon, lat, b.lon, b.lat))
    assert listed[:-1] != [b.public_code for b in straight]  # the roads change the order of these five
    road_km = [float(km.split()[0].replace(",", ".")) for km in _km(html)[:-1]]
    assert road_km == sorted(road_km)
    for code, km in zip(listed[:-1], road_km, strict=True):
        b = by_code[code]
        assert km >= round(straight_m(lon, lat, b.lon, b.lat) / 1000, 1) - 0.05  # a road is never shorter


def test_a_comune_or_a_cap_is_found_without_a_geocoder_and_an_unknown_place_says_so(client):
    _near, far, _removed = _bins()
    assert _listed(client.get("/pubblico/?q=sesto san giovanni").get_data(as_text=True))[0] == far.public_code
    assert _listed(client.get("/pubblico/?q=Via Dante 3, 20099").get_data(as_text=True))[0] == far.public_code
    unknown = client.get("/pubblico/?q=Atlantide").get_data(as_text=True)
    assert "Non troviamo «Atlantide»" in unknown and _listed(unknown) == []


def test_the_apps_geocoder_answers_before_the_local_lookup(app, client, monkeypatch):
    near, _far, _removed = _bins()
    monkeypatch.setitem(app.extensions, "geocoder", recorded_geocoder("nominatim"))  # Nominatim, recorded
    html = client.get("/pubblico/?q=Via Padova 21, Milano").get_data(as_text=True)
    assert len(RecordedAdapter.sent) == 1 and _listed(html)[0] == near.public_code
    assert "Via Padova, NoLo" in html


def test_a_geocoder_that_does_not_answer_leaves_the_local_lookup(app, client, monkeypatch):
    _near, far, _removed = _bins()
    monkeypatch.setitem(app.extensions, "geocoder", recorded_geocoder("nominatim"))
    html = client.get(f"/pubblico/?q={TIMES_OUT} 20099").get_data(as_text=True)
    assert _listed(html)[0] == far.public_code


def test_the_where_page_works_without_javascript_and_loads_the_map_from_the_app_itself(client):
    _bins()
    response = client.get("/pubblico/?q=Milano")
    html = response.get_data(as_text=True)
    assert '<ol class="list-unstyled" id="near-bins">' in html  # the list is the page; the map only adds to it
    assert "/vendor/leaflet/leaflet.js" in html and "unpkg" not in html and "cdn" not in html.lower()
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce and "<script>" not in html.replace("<script src=", "")  # no inline script at all


def test_a_bins_public_page_shows_where_and_what_and_a_report_form_and_a_removed_bin_has_none(client):
    near, _far, removed = _bins()
    html = client.get(f"/pubblico/contenitori/{near.public_code}").get_data(as_text=True)
    assert "Via Padova" in html or near.street_name in html
    assert 'value="full"' in html and 'value="bags_on_ground"' in html and 'value="damaged"' in html
    assert client.get(f"/pubblico/contenitori/{removed.public_code}").status_code == 404
    assert client.get(f"/pubblico/contenitori/{near.id}").status_code == 404  # the internal id opens nothing


def test_english_is_one_click_away_without_login_and_stays_chosen(client):
    near, _far, _removed = _bins()
    html = client.get(f"/pubblico/contenitori/{near.public_code}?lang=en").get_data(as_text=True)
    assert "Report a problem" in html and '<html lang="en">' in html
    assert "Where to give your clothes" in client.get("/pubblico/").get_data(as_text=True)
    assert "Dove donare i tuoi abiti" in client.get("/pubblico/?lang=it").get_data(as_text=True)


def test_public_pages_leak_no_internal_ids_notes_or_people(client):
    near, _far, _removed = _bins()
    near.access_notes = "Chiave nel bar di Giuseppe Verdi, tel. 333 1234567"
    staff = factories.UserFactory(role="operator", organisation=near.operator, full_name="Giuseppe Verdi")
    db.session.commit()
    pages = [
        client.get("/pubblico/?q=Milano").get_data(as_text=True),
        client.get(f"/pubblico/?lat={near.lat}&lon={near.lon}").get_data(as_text=True),  # the nearest bins
        client.get(f"/pubblico/contenitori/{near.public_code}").get_data(as_text=True),
        client.get(f"/pubblico/contenitori/{near.public_code}/grazie").get_data(as_text=True),
        client.get("/pubblico/numeri").get_data(as_text=True),
        client.get("/reports/opendata/bins.geojson").get_data(as_text=True),  # the bins' public JSON
    ]
    assert all(near.public_code in html for html in pages[1:4]) and near.code in pages[-1]
    for html in pages:
        assert "Giuseppe Verdi" not in html and "333 1234567" not in html and staff.email not in html
        assert f"/bins/{near.id}" not in html and f"bin_id={near.id}" not in html
        assert f"operator={near.operator_id}" not in html and "/collection/" not in html
        assert not re.search(r'data-(?:bin-)?id="\d+"', html) and not re.search(r'"(?:bin_)?id": ?\d+', html)


def test_the_months_numbers_suppress_a_small_count_of_households_and_link_the_open_data(client):
    html = client.get("/pubblico/numeri").get_data(as_text=True)
    assert 'data-figure="kg">0 kg' in html and "/reports/opendata" in html
    assert 'data-figure="households">0<' in html


def test_the_months_numbers_give_the_kg_collected_in_the_month(client, clock):
    from datetime import timedelta

    from app.collection.models import Pickup

    near, _far, _removed = _bins()
    db.session.add(Pickup(bin=near, collected_at=clock.now - timedelta(minutes=5), weight_kg=1234))
    db.session.commit()
    html = client.get("/pubblico/numeri").get_data(as_text=True)
    assert 'data-figure="kg">1.234 kg' in html
