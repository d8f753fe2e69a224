"""Driver mode: today's routes, the phone sheet, and idempotent done/skip actions that become pickups."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.collection.models import Pickup
from app.core.clock import local_today
from app.extensions import db
from app.rounds.models import RouteStop, StopPhoto
from tests.app import factories
from tests.app.conftest import csrf_token


def _post(client: FlaskClient, url: str, body: Any, key: str | None = None, raw: str | None = None) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4()), "Accept": "application/json"}
    headers["X-CSRFToken"] = csrf_token(client, "/account")
    if raw is not None:
        return client.post(url, data=raw, headers=headers, content_type="application/json")
    return client.post(url, json=body, headers=headers)


def _done(client: FlaskClient, stop: RouteStop, body: Any, key: str | None = None) -> Any:
    return _post(client, f"/driver/api/stops/{stop.id}/done", body, key)


def _pickups() -> int:
    return db.session.scalar(select(func.count()).select_from(Pickup))


def _driver_and_round(login_as: Any, stops: int = 3, **fields: Any) -> tuple[Any, Any]:
    driver = login_as("driver")
    route = factories.driver_round(driver, stops=stops, service_date=local_today(), **fields)
    db.session.commit()
    return driver, route


def test_driver_home_lists_todays_and_tomorrows_published_routes_of_that_driver(
    client: FlaskClient, login_as: Any
) -> None:
    driver, route = _driver_and_round(login_as)
    factories.driver_round(driver, status="draft", service_date=local_today())
    tomorrow = factories.driver_round(driver, service_date=local_today() + timedelta(days=1))
    factories.driver_round(driver, service_date=local_today() + timedelta(days=2))
    factories.driver_round(factories.UserFactory(role="driver"), service_date=local_today())
    db.session.commit()
    html = client.get("/driver/").get_data(as_text=True)
    today_part, tomorrow_part = html.split('id="driver-routes-tomorrow"')
    assert today_part.count("list-group-item-action") == 1 and f"/driver/route/{route.id}" in today_part
    assert tomorrow_part.count("list-group-item-action") == 1 and f"/driver/route/{tomorrow.id}" in tomorrow_part
    assert "/driver/" in client.get("/").get_data(as_text=True)


def test_tomorrows_route_is_read_only(client: FlaskClient, login_as: Any) -> None:
    driver = login_as("driver")
    route = factories.driver_round(driver, stops=2, service_date=local_today() + timedelta(days=1))
    db.session.commit()
    html = client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert "js-done" not in html and "Chiudi giro" not in html
    assert client.get(f"/driver/route/{route.id}.json").get_json()["can_act"] is False
    response = _done(client, route.stops[0], {"weight_kg": 80})
    assert response.status_code == 409 and "si può solo consultare" in response.get_json()["error"]["message"]
    assert _pickups() == 0


def test_phone_sheet_shows_stops_in_order_with_address_code_kg_notes_and_navigation(
    client: FlaskClient, login_as: Any
) -> None:
    _, route = _driver_and_round(login_as)
    html = client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    codes = [stop.bin.code for stop in route.stops]
    assert [html.index(code) for code in codes] == sorted(html.index(code) for code in codes)
    assert "Via Pantano 2" in html and "Cortile interno, citofono portineria" in html
    assert "geo:45.459620,9.191780" in html
    assert "openstreetmap.org/directions" in html and "google.com/maps/dir/" in html
    assert "previsti 150 kg" in html


def test_sheet_json_has_the_stops_and_a_csrf_token_for_the_offline_cache(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as)
    data = client.get(f"/driver/route/{route.id}.json").get_json()
    assert [s["sequence"] for s in data["route"]["stops"]] == [1, 2, 3]
    assert data["can_act"] is True and data["csrf_token"]
    assert data["route"]["stops"][0]["nav"]["geo"].startswith("geo:")


def test_done_with_kg_creates_one_round_pickup_and_marks_the_stop(client: FlaskClient, login_as: Any) -> None:
    driver, route = _driver_and_round(login_as)
    stop = route.stops[0]
    response = _done(client, stop, {"weight_kg": 182.5, "incidents": ["overflow"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stop"]["status"] == "done"
    pickup = db.session.scalars(select(Pickup)).one()
    assert (pickup.bin_id, float(pickup.weight_kg), pickup.source) == (stop.bin_id, 182.5, "round")
    assert pickup.incident_codes == ["overflow"] and pickup.recorded_by_id == driver.id
    db.session.refresh(stop)
    assert (stop.status, stop.actual_kg, stop.pickup_id) == ("done", 182.5, pickup.id)


def test_done_with_fill_percent_only_is_accepted(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as)
    response = _done(client, route.stops[1], {"fill_percent": 80})
    assert response.status_code == 200
    assert db.session.scalars(select(Pickup)).one().fill_percent == 80


def test_replayed_offline_action_returns_the_first_answer_and_no_second_pickup(
    client: FlaskClient, login_as: Any
) -> None:
    _, route = _driver_and_round(login_as)
    key = str(uuid.uuid4())
    first = _done(client, route.stops[0], {"weight_kg": 120}, key)
    again = _done(client, route.stops[0], {"weight_kg": 120}, key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _pickups() == 1


def test_same_key_with_a_different_body_is_a_conflict(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as)
    key = str(uuid.uuid4())
    _done(client, route.stops[0], {"weight_kg": 120}, key)
    response = _done(client, route.stops[0], {"weight_kg": 121}, key)
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "Idempotency-Key"
    assert _pickups() == 1


def test_a_second_action_with_a_new_key_on_a_done_stop_changes_nothing(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as)
    _done(client, route.stops[0], {"weight_kg": 120})
    response = _post(client, f"/driver/api/stops/{route.stops[0].id}/skip", {"reason": "no_time"})
    assert response.status_code == 409
    db.session.refresh(route.stops[0])
    assert route.stops[0].status == "done" and _pickups() == 1


def test_a_driver_acting_on_another_drivers_round_gets_403_and_nothing_changes(
    client: FlaskClient, login_as: Any
) -> None:
    login_as("driver", organisation=(org := factories.OrganisationFactory()))
    other = factories.driver_round(factories.UserFactory(role="driver", organisation=org), service_date=local_today())
    db.session.commit()
    response = _done(client, other.stops[0], {"weight_kg": 100})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"/driver/route/{other.id}").status_code == 403
    db.session.refresh(other.stops[0])
    assert other.stops[0].status == "pending" and _pickups() == 0


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_stop_actions_on_an_unpublished_or_closed_plan_are_refused(
    client: FlaskClient, login_as: Any, status: str
) -> None:
    _, route = _driver_and_round(login_as, status=status)
    response = _done(client, route.stops[0], {"weight_kg": 100})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "round_not_open"
    assert _pickups() == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"weight_kg": NaN}', "weight_kg"),
        ('{"weight_kg": -5}', "weight_kg"),
        ('{"weight_kg": 99999}', "weight_kg"),
        ('{"weight_kg": "tanti"}', "weight_kg"),
        ('{"fill_percent": 400}', "fill_percent"),
        ("{}", "weight_kg"),
        ('{"bin_id": 3, "weight_kg": 10}', "bin_id"),
    ],
)
def test_bad_kg_is_a_clear_json_error_naming_the_field(
    client: FlaskClient, login_as: Any, raw: str, field: str
) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    response = _post(client, f"/driver/api/stops/{route.stops[0].id}/done", None, raw=raw)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"]
    db.session.refresh(route.stops[0])
    assert route.stops[0].status == "pending" and _pickups() == 0


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        ('{"weight_kg": 10, "notes": "a\\u0000b"}', 422, "notes"),
        ('{"weight_kg": 10, "notes": "\\ud800"}', 422, "notes"),
        ('{"weight_kg": 10, "collected_at": "0001-01-01T00:00:00+23:59"}', 422, "collected_at"),
        ("[" * 100_000 + "]" * 100_000, 400, "body"),
    ],
    ids=["nul", "lone-surrogate", "year-one", "deep"],
)
def test_hostile_json_is_a_clear_json_error_and_the_stop_stays_pending(
    client: FlaskClient, login_as: Any, raw: str, status: int, field: str
) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    response = _post(client, f"/driver/api/stops/{route.stops[0].id}/done", None, raw=raw)
    assert response.status_code == status
    assert response.get_json()["error"]["field"] == field
    db.session.refresh(route.stops[0])
    assert route.stops[0].status == "pending" and _pickups() == 0


def test_a_skip_without_a_reason_code_is_refused(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    response = _post(client, f"/driver/api/stops/{route.stops[0].id}/skip", {"notes": "chiuso"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "reason"
    unknown = _post(client, f"/driver/api/stops/{route.stops[0].id}/skip", {"reason": "pigrizia"})
    assert unknown.status_code == 422


def test_skip_no_time_records_the_reason_and_no_pickup(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    response = _post(client, f"/driver/api/stops/{route.stops[0].id}/skip", {"reason": "no_time"})
    assert response.get_json()["stop"] == response.get_json()["stop"] | {"status": "skipped", "skip_reason": "no_time"}
    assert _pickups() == 0


def test_skip_because_the_bin_is_missing_logs_a_visit_with_the_incident_and_no_kg(
    client: FlaskClient, login_as: Any
) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    _post(client, f"/driver/api/stops/{route.stops[0].id}/skip", {"reason": "not_found"})
    pickup = db.session.scalars(select(Pickup)).one()
    assert pickup.incident_codes == ["missing"] and pickup.weight_kg is None


def test_actions_need_the_csrf_header_and_an_idempotency_key(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    url = f"/driver/api/stops/{route.stops[0].id}/done"
    no_csrf = client.post(url, json={"weight_kg": 5}, headers={"Idempotency-Key": "k1", "Accept": "application/json"})
    assert no_csrf.status_code == 400
    token = csrf_token(client, "/account")
    no_key = client.post(url, json={"weight_kg": 5}, headers={"X-CSRFToken": token})
    assert no_key.status_code in (400, 422)  # the API's idempotency module decides which
    assert no_key.get_json()["error"]["field"] == "Idempotency-Key"
    assert _pickups() == 0


def test_coordinator_sees_any_sheet_read_only_and_operator_only_its_organisation(
    client: FlaskClient, login_as: Any
) -> None:
    route = factories.driver_round(factories.UserFactory(role="driver"), service_date=local_today())
    login_as("coordinator")
    html = client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert route.stops[0].bin.code in html and "js-done" not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login_as("operator")
    assert client.get(f"/driver/route/{route.id}").status_code == 403


def test_service_worker_is_served_for_the_driver_scope(client: FlaskClient) -> None:
    response = client.get("/driver/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/driver/"
    assert "javascript" in response.mimetype


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def _data_url(data: bytes, kind: str = "image/jpeg") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _photos() -> list[StopPhoto]:
    return list(db.session.scalars(select(StopPhoto)))


def test_a_photo_with_done_is_stored_once_even_when_the_phone_resends(client: FlaskClient, login_as: Any) -> None:
    driver, route = _driver_and_round(login_as, stops=1)
    body, key = {"weight_kg": 80, "photo": _data_url(JPEG)}, str(uuid.uuid4())
    assert _done(client, route.stops[0], body, key).status_code == 200
    again = _done(client, route.stops[0], body, key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    (photo,) = _photos()
    assert (photo.route_stop_id, photo.content_type, photo.data) == (route.stops[0].id, "image/jpeg", JPEG)
    assert (photo.size_bytes, photo.taken_by_id) == (len(JPEG), driver.id)
    shown = client.get(f"/rounds/stops/{route.stops[0].id}/photo")
    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/jpeg", JPEG)
    assert "no-store" in shown.headers["Cache-Control"]


@pytest.mark.parametrize(
    "photo",
    [
        _data_url(b"%PDF-1.7 not an image"),
        "data:image/jpeg;base64,@@not-base64@@",
        "http://example.org/photo.jpg",
        _data_url(JPEG + b"\x00" * (2 * 1024 * 1024)),
        123,
    ],
    ids=["pdf", "bad-base64", "not-a-data-url", "over-2mb", "number"],
)
def test_a_non_image_or_oversized_photo_is_refused_and_nothing_is_written(
    client: FlaskClient, login_as: Any, photo: Any
) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    response = _done(client, route.stops[0], {"weight_kg": 80, "photo": photo})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "photo" and response.get_json()["error"]["message"]
    db.session.refresh(route.stops[0])
    assert route.stops[0].status == "pending" and _pickups() == 0 and _photos() == []


def test_another_driver_cannot_fetch_a_stops_photo_but_the_coordinator_sees_it_on_the_report(
    client: FlaskClient, login_as: Any
) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    _done(client, route.stops[0], {"weight_kg": 80, "photo": _data_url(JPEG)})
    url = f"/rounds/stops/{route.stops[0].id}/photo"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login_as("driver")
    assert client.get(url).status_code in (403, 404)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login_as("coordinator")
    assert client.get(url).status_code == 200
    assert url in client.get(f"/rounds/{route.plan_id}/report").get_data(as_text=True)


def test_the_done_form_offers_an_optional_camera_photo(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    html = client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert 'type="file"' in html and 'accept="image/*"' in html and 'capture="environment"' in html


def test_logout_clears_the_browser_cache_and_every_page_loads_the_outbox_guard(
    client: FlaskClient, login_as: Any
) -> None:
    _, route = _driver_and_round(login_as, stops=1)
    html = client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert 'id="logout-form"' in html and "/static/logout.js" in html and "azioni non sincronizzate" in html
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache"'


def _undo(client: FlaskClient, stop: RouteStop) -> Any:
    return _post(client, f"/driver/api/stops/{stop.id}/undo", {})


def test_done_can_be_undone_within_the_window_and_its_pickup_no_longer_counts(
    client: FlaskClient, login_as: Any
) -> None:
    _, route = _driver_and_round(login_as)
    stop = route.stops[0]
    done = _done(client, stop, {"weight_kg": 120})
    assert done.get_json()["stop"]["undo_until"]
    pickup_id = done.get_json()["stop"]["pickup_id"]
    undone = _undo(client, stop)
    assert undone.status_code == 200
    state = undone.get_json()["stop"]
    assert (state["status"], state["pickup_id"], state["actual_kg"]) == ("pending", None, None)
    assert db.session.get(Pickup, pickup_id).superseded  # kept, audited, out of every count
    assert _undo(client, stop).status_code == 409  # nothing left to undo
    again = _done(client, stop, {"weight_kg": 95})
    assert again.status_code == 200 and again.get_json()["stop"]["actual_kg"] == 95


def test_undo_is_refused_once_the_window_has_passed(
    client: FlaskClient, login_as: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DRIVER_UNDO_MINUTES", 0)
    _, route = _driver_and_round(login_as)
    stop = route.stops[0]
    assert _done(client, stop, {"weight_kg": 120}).get_json()["stop"]["undo_until"]
    refused = _undo(client, stop)
    assert refused.status_code == 409 and "Troppo tardi" in refused.get_json()["error"]["message"]
    db.session.refresh(stop)
    assert stop.status == "done"


def test_undo_is_refused_for_a_pickup_already_taken_in_at_a_plant(client: FlaskClient, login_as: Any) -> None:
    from app.core.clock import utcnow
    from app.sorting import services as sorting

    _driver, route = _driver_and_round(login_as)
    stop = route.stops[0]
    pickup_id = _done(client, stop, {"weight_kg": 120}).get_json()["stop"]["pickup_id"]
    plant = factories.SortingPlantFactory()
    data = sorting.IntakeData(plant.id, "round", utcnow(), "120", "0", pickup_ids=(pickup_id,))
    sorting.record_intake(data, factories.UserFactory(role="coordinator"))
    db.session.commit()
    refused = _undo(client, stop)
    assert refused.status_code == 409
    assert "già stato preso in carico in impianto" in refused.get_json()["error"]["message"]
    db.session.refresh(stop)
    assert stop.status == "done" and not db.session.get(Pickup, pickup_id).superseded


def test_progress_and_the_unload_show_what_is_on_board(client: FlaskClient, login_as: Any) -> None:
    _driver, route = _driver_and_round(login_as, stops=3)
    plant = factories.SortingPlantFactory()
    factories.RouteStopFactory(route=route, sequence=4, kind="reload", site=plant, bin=None)
    db.session.commit()
    _done(client, route.stops[0], {"weight_kg": 120})
    _done(client, route.stops[1], {"weight_kg": 85.5})
    html = client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert "2 di 4" in html and "Vai alla prossima" in html
    assert "A bordo: 206 kg raccolti" in html


def test_dates_on_the_driver_pages_are_day_month_year(client: FlaskClient, login_as: Any) -> None:
    _, route = _driver_and_round(login_as)
    day = local_today().strftime("%d/%m/%Y")
    assert day in client.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert day in client.get("/driver/").get_data(as_text=True)
    assert local_today().isoformat() not in client.get(f"/driver/route/{route.id}").get_data(as_text=True)
