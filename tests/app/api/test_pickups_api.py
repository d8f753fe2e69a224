"""POST /api/v1/pickups: idempotent submissions, validation with field paths, authentication."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.collection.models import Pickup
from app.core.clock import utcnow
from app.extensions import db
from tests.app.conftest import csrf_token

URL = "/api/v1/pickups"


def _count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Pickup)) or 0


def _body(**fields):
    when = (utcnow() - timedelta(hours=1)).isoformat()
    return {"bin_code": "VS-0123", "collected_at": when, "weight_kg": 84.5, "incidents": ["overflow"], **fields}


def test_a_pickup_is_created_with_a_token(api, bin_):
    response = api(URL, _body())
    assert response.status_code == 201
    assert response.get_json()["pickup"]["weight_kg"] == 84.5
    assert response.get_json()["pickup"]["source"] == "api"
    assert _count() == 1


def test_a_resent_submission_is_acknowledged_with_the_first_answer_and_counted_once(api, bin_):
    body = _body()
    first = api(URL, body, key="invio-42")
    again = api(URL, body, key="invio-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count() == 1


def test_the_same_key_with_a_different_body_is_a_conflict(api, bin_):
    api(URL, _body(weight_kg=84.5), key="invio-43")
    response = api(URL, _body(weight_kg=90), key="invio-43")
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "Idempotency-Key"
    assert _count() == 1


def test_a_missing_idempotency_key_is_a_400_in_json(api, bin_):
    response = api(URL, _body(), key=None)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "Idempotency-Key"
    assert _count() == 0


@pytest.mark.parametrize(
    ("raw_weight", "status", "field"),
    [("NaN", 422, "weight_kg"), ("Infinity", 422, "weight_kg"), ("-1", 422, "weight_kg"), ("99999", 422, "weight_kg")],
    ids=["nan", "infinity", "negative", "absurd"],
)
def test_impossible_weights_are_refused_with_the_field_and_nothing_written(
    client, token, bin_, raw_weight, status, field
):
    raw = '{"bin_code": "VS-0123", "weight_kg": ' + raw_weight + "}"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1", "Content-Type": "application/json"}
    response = client.post(URL, data=raw, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"] == {**response.get_json()["error"], "code": "validation_error", "field": field}
    assert _count() == 0


def test_a_future_time_is_refused(api, bin_):
    response = api(URL, _body(collected_at=(utcnow() + timedelta(hours=2)).isoformat()))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "collected_at"
    assert _count() == 0


def test_an_unknown_bin_code_is_a_404_naming_the_field(api, bin_):
    response = api(URL, _body(bin_code="XX-0001"))
    assert response.status_code == 404
    assert response.get_json()["error"]["field"] == "code"


def test_a_failed_submission_can_be_resent_fixed_with_the_same_key(api, bin_):
    assert api(URL, _body(weight_kg=-1), key="invio-44").status_code == 422
    assert api(URL, _body(weight_kg=12), key="invio-44").status_code == 201


def test_notes_with_html_are_stored_as_typed(api, bin_):
    response = api(URL, _body(notes="<b>sacchi</b> a terra"))
    assert response.get_json()["pickup"]["notes"] == "<b>sacchi</b> a terra"


def test_an_invalid_token_is_a_401(client, bin_):
    response = client.post(URL, json=_body(), headers={"Authorization": "Bearer nope", "Idempotency-Key": "k"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_post_without_any_credentials_is_a_401_as_documented(client, bin_):
    response = client.post(URL, json=_body(), headers={"Idempotency-Key": "k"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert _count() == 0


def test_a_browser_session_needs_the_csrf_header(client, login_as):
    login_as("driver")
    assert client.post(URL, json=_body(), headers={"Idempotency-Key": "k"}).status_code == 400
    token = csrf_token(client, "/collection/pickups/new")
    response = client.post(URL, json=_body(bin_code="XX-1"), headers={"Idempotency-Key": "k", "X-CSRFToken": token})
    assert response.status_code == 404  # past the CSRF check: the bin is unknown


def test_two_identical_submissions_at_once_create_one_pickup(app, token, bin_):
    barrier, results = threading.Barrier(2), []
    body = _body()

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "simultaneo"}
        results.append(client.post(URL, json=body, headers=headers))

    db.session.commit()
    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 201]
    assert results[0].get_json() == results[1].get_json()
    assert _count() == 1


def test_a_pickup_names_the_vehicle_carrying_it_only_of_the_drivers_organisation(api, bin_, driver):
    from tests.app.factories import VehicleFactory

    own, other = VehicleFactory(organisation=driver.organisation), VehicleFactory()
    db.session.commit()
    for vehicle_id, field in ((other.id, "vehicle_id"), (9_999_999, "vehicle_id"), (2**63, "vehicle_id")):
        refused = api(URL, _body(vehicle_id=vehicle_id))
        assert refused.status_code == 422 and refused.get_json()["error"]["field"] == field
    assert _count() == 0
    response = api(URL, _body(vehicle_id=own.id))
    assert response.status_code == 201 and response.get_json()["pickup"]["vehicle_id"] == own.id
