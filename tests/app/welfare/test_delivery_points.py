"""A household's point (its door) is identity: every route output shows it only to the driver on the day, logged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask import Flask

from app.core.clock import local_today
from app.extensions import db, limiter
from app.rounds import sheets
from app.rounds.driver_services import route_sheet
from app.welfare import privacy
from tests.app import factories
from tests.app.conftest import login
from tests.app.welfare.test_delivery_driving import _planned

DOOR = ("9.221", "45.438")  # HouseholdFactory's lon/lat, in any number format the outputs use
GPX = "{http://www.topografix.com/GPX/1/1}"

pytestmark = pytest.mark.usefixtures("morning")  # today's rounds need the day still ahead


def _client(app: Flask, user: Any) -> Any:
    client = app.test_client()
    db.session.commit()
    limiter.reset()
    assert login(client, user.email).status_code == 302
    return client


def _reveals_door(text: str) -> bool:
    return any(part in text for part in DOOR)


def _outputs(route_id: int, plan_id: int) -> list[str]:
    return [
        f"/driver/route/{route_id}.json",
        f"/driver/route/{route_id}",
        f"/rounds/route/{route_id}.gpx",
        f"/rounds/{plan_id}",
        f"/rounds/{plan_id}/report",
    ]


def _delivery_reads(household: Any) -> list[Any]:
    return [e for e in privacy.access_log(household) if e.purpose.startswith("delivery")]


@pytest.mark.parametrize("role", ["operator", "coordinator", "admin"])
def test_staff_never_see_the_point_of_a_household_on_any_route_output(
    app, household, people, memory_notify, role
) -> None:
    trip = _planned(household, people, memory_notify)
    route = trip.plan.routes[0]
    fields = {"organisation": route.vehicle.organisation} if role == "operator" else {}
    client = _client(app, factories.UserFactory(role=role, **fields))
    for url in _outputs(route.id, trip.plan.id):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _reveals_door(response.get_data(as_text=True)), url
    row = client.get(f"/driver/route/{route.id}.json").get_json()["route"]["stops"][0]
    assert (row["lon"], row["lat"], row["nav"]) == (None, None, None)
    assert _delivery_reads(household) == []


def test_the_pdf_map_of_a_delivery_route_draws_no_door_for_staff(app, household, people, memory_notify) -> None:
    trip = _planned(household, people, memory_notify)
    route = trip.plan.routes[0]
    coordinator = people[1]
    line, stops = sheets.drawn_points(route, route_sheet(route, coordinator))
    assert stops == [] and (trip.stop.lon, trip.stop.lat) not in line
    assert not _reveals_door(repr(line))
    client = _client(app, coordinator)
    assert client.get(f"/rounds/route/{route.id}/sheet.pdf").status_code == 200


def test_the_driver_sees_no_point_before_the_service_day(app, household, people, memory_notify) -> None:
    trip = _planned(household, people, memory_notify, day=local_today() + timedelta(days=2))
    route = trip.plan.routes[0]
    client = _client(app, trip.driver)
    for url in _outputs(route.id, trip.plan.id)[:3]:
        response = client.get(url)
        assert response.status_code == 200 and not _reveals_door(response.get_data(as_text=True)), url
    line, stops = sheets.drawn_points(route, route_sheet(route, trip.driver))
    assert stops == [] and not _reveals_door(repr(line))
    assert _delivery_reads(household) == []


def test_the_driver_on_the_service_day_gets_the_point_everywhere_and_the_read_is_logged_once(
    app, household, people, memory_notify
) -> None:
    trip = _planned(household, people, memory_notify)
    route = trip.plan.routes[0]
    client = _client(app, trip.driver)
    row = client.get(f"/driver/route/{route.id}.json").get_json()["route"]["stops"][0]
    assert (row["lon"], row["lat"]) == (trip.stop.lon, trip.stop.lat) and row["nav"]["geo"].startswith("geo:45.438")
    assert "geo:45.438" in client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    gpx = ET.fromstring(client.get(f"/rounds/route/{route.id}.gpx").data)  # noqa: S314  (our own output)
    assert [w.get("lat") for w in gpx.iter(f"{GPX}wpt")] == [f"{trip.stop.lat:.6f}"]
    assert len(list(gpx.iter(f"{GPX}trkpt"))) > 2
    assert client.get(f"/rounds/route/{route.id}/sheet.pdf").status_code == 200
    _line, stops = sheets.drawn_points(route, route_sheet(route, trip.driver))
    assert [s["id"] for s in stops] == [trip.stop.id]
    reads = _delivery_reads(household)
    assert [(e.user_id, e.purpose) for e in reads] == [(trip.driver.id, f"delivery {local_today().isoformat()}")]
