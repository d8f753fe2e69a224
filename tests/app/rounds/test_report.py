"""The round report: planned against actual km, time and kg, and the skipped stops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from app.core.clock import local_today
from app.extensions import db
from app.rounds import sheets
from app.rounds.driver_services import mark_done, mark_skipped
from tests.app import factories


def test_report_compares_planned_and_actual_and_lists_skipped_stops(client: FlaskClient, login_as: Any) -> None:
    driver = factories.UserFactory(role="driver")
    route = factories.driver_round(driver, stops=3, service_date=local_today() - timedelta(days=1))
    first, second, third = route.stops
    mark_done(first.id, {"weight_kg": 120.5, "collected_at": first.arrival_at.isoformat()}, driver)
    mark_done(second.id, {"fill_percent": 50, "collected_at": second.arrival_at.isoformat()}, driver)
    mark_skipped(third.id, {"reason": "no_time", "collected_at": third.arrival_at.isoformat()}, driver)
    db.session.commit()
    (report,) = sheets.plan_report(route.plan)
    assert report.actual_kg == 120.5 and report.estimated_kg == 0.5 * second.bin.full_weight_kg
    assert report.done == 2 and [item["stop"].id for item in report.skipped] == [third.id]
    assert report.actual_min == 60  # 06:00 start, last stop recorded at 07:00
    assert report.actual_km is not None and report.actual_km > 0
    login_as("coordinator")
    html = client.get(f"/rounds/{route.plan_id}/report").get_data(as_text=True)
    assert "Tempo esaurito" in html and "120,5" in html and third.bin.code in html


def test_report_of_a_plan_with_nothing_done_shows_dashes(client: FlaskClient, login_as: Any) -> None:
    driver = login_as("driver")
    route = factories.driver_round(driver, stops=2, service_date=local_today())
    db.session.commit()
    response = client.get(f"/rounds/{route.plan_id}/report")
    assert response.status_code == 200
    assert "2 fermate non registrate" in response.get_data(as_text=True)


def test_report_is_refused_to_a_driver_of_another_plan(client: FlaskClient, login_as: Any) -> None:
    route = factories.driver_round(factories.UserFactory(role="driver"), service_date=local_today())
    login_as("driver")
    assert client.get(f"/rounds/{route.plan_id}/report").status_code == 403
    assert client.get(f"/rounds/{route.plan_id + 999}/report").status_code == 404
