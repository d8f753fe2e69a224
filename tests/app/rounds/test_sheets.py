"""Route sheets: GPX for navigators, the printable PDF (map, QR codes), and access to both."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from flask.testing import FlaskClient

from app.core.clock import local_today
from app.extensions import db
from app.rounds import sheets
from tests.app import factories

GPX = "{http://www.topografix.com/GPX/1/1}"


def _parse(data: bytes | str) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314  (our own output, as a navigator would read it)


def _route(login_as: Any, stops: int = 4) -> Any:
    driver = login_as("driver")
    route = factories.driver_round(driver, stops=stops, service_date=local_today())
    db.session.commit()
    return route


def test_gpx_parses_with_one_waypoint_per_stop_in_visiting_order(client: FlaskClient, login_as: Any) -> None:
    route = _route(login_as)
    response = client.get(f"/rounds/route/{route.id}.gpx")
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    root = _parse(response.data)
    names = [w.findtext(f"{GPX}name") for w in root.iter(f"{GPX}wpt")]
    assert names == [f"{s.sequence} {s.bin.code}" for s in route.stops]
    assert root.find(f"{GPX}wpt/{GPX}desc").text == route.stops[0].bin.address
    assert root.attrib["version"] == "1.1"


def test_gpx_track_follows_the_saved_road_geometry(client: FlaskClient, login_as: Any) -> None:
    route = _route(login_as, stops=2)
    path = [[9.2475, 45.488], [9.21, 45.47], [9.19178, 45.45962], [9.19771, 45.45611], [9.2155, 45.555]]
    route.geometry_json = json.dumps({"type": "LineString", "coordinates": path})
    db.session.commit()
    root = _parse(client.get(f"/rounds/route/{route.id}.gpx").data)
    points = [(float(p.get("lon")), float(p.get("lat"))) for p in root.iter(f"{GPX}trkpt")]
    assert points == [tuple(p) for p in path]


def test_gpx_track_is_straight_lines_through_the_stops_without_geometry(login_as: Any) -> None:
    route = _route(login_as, stops=3)
    root = _parse(sheets.route_gpx(route))
    assert len(list(root.iter(f"{GPX}trkpt"))) == 3 + 2  # depot, stops, plant


def test_pdf_sheet_is_a_pdf_with_the_stops(client: FlaskClient, login_as: Any) -> None:
    route = _route(login_as, stops=3)
    response = client.get(f"/rounds/route/{route.id}/sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")


def test_sheet_html_has_map_attribution_a_qr_per_bin_and_signature(app: Any, login_as: Any) -> None:
    route = _route(login_as, stops=3)
    sheet = sheets.services.route_sheet(route)
    with app.test_request_context():
        html = sheets.render_template(
            "rounds/sheet.html", sheet=sheet, map_png=sheets.overview_map_png(route, sheet), qr={1: "data:x"}
        )
    assert html.count("data:image/png;base64,") == 1
    assert "© OpenStreetMap contributors" in html and "Firma autista" in html
    assert all(stop.bin.code in html for stop in route.stops)


def test_qr_code_opens_the_pickup_form_of_the_bin(login_as: Any) -> None:
    route = _route(login_as, stops=1)
    row = sheets.services.route_sheet(route)["stops"][0]
    url = sheets.pickup_form_url("https://fitmi.example/", row)
    bin_ = route.stops[0].bin
    assert url == f"https://fitmi.example/collection/pickups/new?code={bin_.code}&operator={bin_.operator_id}"
    assert sheets.qr_png(url).startswith("data:image/png;base64,")


def test_sheets_are_refused_to_another_driver(client: FlaskClient, login_as: Any) -> None:
    other = factories.driver_round(factories.UserFactory(role="driver"), service_date=local_today())
    login_as("driver")
    assert client.get(f"/rounds/route/{other.id}.gpx").status_code == 403
    assert client.get(f"/rounds/route/{other.id}/sheet.pdf").status_code == 403
