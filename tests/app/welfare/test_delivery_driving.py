"""Delivery rounds in the rounds' driver mode: planned, published by the rounds, handed over with the code."""

from __future__ import annotations

import base64
import re
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.clock import local_today, utcnow
from app.extensions import db
from app.rounds import services as rounds
from app.rounds.models import RoundPlan, RouteStop, StopPhoto
from app.stock import services as stock
from app.welfare import allocation, delivery_planning, privacy, workflow
from app.welfare.models import Delivery, GarmentRequest
from tests.app import factories
from tests.app.conftest import csrf_token, login
from tests.app.welfare.conftest import approved, stock_of

ADDRESS = "Via dei Cinquecento"

pytestmark = pytest.mark.usefixtures("morning")  # today's rounds need the day still ahead


@dataclass
class Round:
    plan: RoundPlan
    stop: RouteStop
    delivery: Delivery
    request: GarmentRequest
    code: str
    driver: Any
    worker: Any
    coat: Any
    shelf: Any


def _planned(household: Any, people: Any, outbox: list[Any], publish: bool = True, day: date | None = None) -> Round:
    """A ready request of the household on a delivery round of ``day`` (today), published with the rounds' publish."""
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 3)
    request = approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    workflow.mark_ready(request, operator)
    driver = factories.UserFactory(role="driver")
    vehicle = factories.VehicleFactory(home_site=shelf.site)
    db.session.commit()
    params = delivery_planning.DeliveryPlanParams(
        day or local_today(), shelf.site_id, (vehicle.id,), {vehicle.id: driver.id}, 1.0
    )
    plan = delivery_planning.plan_deliveries(params, coordinator)
    if publish:
        rounds.publish_plan(plan, plan.version)
    db.session.commit()
    sms = [m.body for m in outbox if m.channel == "sms"]
    code = re.search(r"\b(\d{6})\b", sms[0]).group(1) if sms else ""  # type: ignore[union-attr]
    stop = plan.routes[0].stops[0]
    return Round(plan, stop, db.session.scalar(select(Delivery)), request, code, driver, worker, coat, shelf)


def _act(client: FlaskClient, stop: RouteStop, action: str, body: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4()), "X-CSRFToken": csrf_token(client, "/account")}
    return client.post(f"/driver/api/stops/{stop.id}/{action}", json=body, headers=headers)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_rounds_publish_accepts_a_delivery_plan_loaded_at_the_warehouse(household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    db.session.refresh(trip.plan)
    assert trip.plan.status == "published"
    assert trip.stop.kind == "delivery" and trip.stop.load_after_kg == 0 and trip.stop.planned_kg > 0


def test_the_driver_sees_the_address_on_the_service_day_and_the_read_is_logged(
    client, household, people, memory_notify
):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    html = client.get(f"/driver/route/{trip.stop.route_id}").get_data(as_text=True)
    assert ADDRESS in html and "Codice di consegna (6 cifre)" in html and "Nessuno in casa" in html
    assert f"Consegna {household.code}" in html and "1 capo" in html
    purposes = [entry.purpose for entry in privacy.access_log(household)]
    assert f"delivery {local_today().isoformat()}" in purposes


def test_no_address_for_another_driver_a_coordinator_or_before_publication(
    app, client, household, people, memory_notify
):
    trip = _planned(household, people, memory_notify, publish=False)
    login(client, trip.driver.email)
    assert ADDRESS not in client.get(f"/driver/route/{trip.stop.route_id}").get_data(as_text=True)
    for role in ("driver", "coordinator"):
        other = app.test_client()
        login(other, factories.UserFactory(role=role).email)
        db.session.commit()
        assert ADDRESS not in other.get(f"/driver/route/{trip.stop.route_id}.json").get_data(as_text=True)


def test_a_wrong_code_is_refused_counted_and_a_resend_gets_the_same_answer(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    key = str(uuid.uuid4())
    first = _act(client, trip.stop, "done", {"proof_kind": "code", "code": _wrong(trip.code)}, key)
    assert first.status_code == 422
    assert "Codice di consegna errato" in first.get_json()["error"]["message"]
    assert first.get_json()["stop"]["status"] == "pending"
    again = _act(client, trip.stop, "done", {"proof_kind": "code", "code": _wrong(trip.code)}, key)
    assert again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["error"] == first.get_json()["error"]
    db.session.refresh(trip.delivery)
    assert trip.delivery.code_attempts == 1 and trip.delivery.status == "scheduled"
    assert stock.balance(trip.coat, trip.shelf).on_hand == 3


def test_the_right_code_delivers_issues_the_pieces_and_tells_the_social_worker(
    client, household, people, memory_notify
):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    response = _act(client, trip.stop, "done", {"proof_kind": "code", "code": trip.code})
    assert response.status_code == 200 and response.get_json()["stop"]["status"] == "done"
    db.session.refresh(trip.request)
    assert trip.request.status == "consegnata"
    assert stock.balance(trip.coat, trip.shelf).on_hand == 2 and stock.balance(trip.coat, trip.shelf).reserved == 0
    assert any("consegnata" in m.body and m.to == trip.worker.email for m in memory_notify)


def _png(width: int, height: int) -> str:
    """A white PNG of that size, as the phone's canvas sends it."""
    row = b"\x00" + b"\xff\xff\xff" * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_a_signature_replaces_the_code_only_with_a_stated_reason_and_a_drawn_png(
    client, household, people, memory_notify
):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    drawn = _png(600, 220)
    typed = _act(client, trip.stop, "done", {"proof_kind": "signature", "proof_note": "Maria R."})
    assert typed.status_code == 422 and typed.get_json()["error"]["field"] == "signature"
    no_reason = _act(client, trip.stop, "done", {"proof_kind": "signature", "signature": drawn})
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["field"] == "no_code_reason"
    tiny = {"proof_kind": "signature", "signature": _png(10, 10), "no_code_reason": "no_phone"}
    assert _act(client, trip.stop, "done", tiny).get_json()["error"]["field"] == "signature"
    jpeg = {"proof_kind": "signature", "signature": "data:image/png;base64,/9j/4AAQ", "no_code_reason": "no_phone"}
    assert _act(client, trip.stop, "done", jpeg).get_json()["error"]["field"] == "signature"
    db.session.refresh(trip.delivery)
    assert trip.delivery.status == "scheduled"
    body = {"proof_kind": "signature", "signature": drawn, "no_code_reason": "no_phone"}
    assert _act(client, trip.stop, "done", body).status_code == 200
    db.session.refresh(trip.delivery)
    assert (trip.delivery.status, trip.delivery.proof_kind) == ("delivered", "signature")
    assert trip.delivery.signature_png == base64.b64decode(drawn.split(",", 1)[1])
    assert trip.delivery.proof_note == "Il nucleo non ha un telefono"


def test_a_delivery_stop_lists_the_items_to_hand_over_and_the_signature_rule(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    items = client.get(f"/driver/route/{trip.stop.route_id}.json").get_json()["route"]["stops"]
    delivery = next(s for s in items if s["kind"] == "delivery")
    assert delivery["items"] == [{"category": "Cappotto", "size": trip.coat.size, "pieces": 1}]
    html = client.get(f"/driver/route/{trip.stop.route_id}").get_data(as_text=True)
    assert "handover-items" in html and "signature-pad" in html
    assert "solo se il nucleo non ha un telefono" in html


def test_a_handover_cannot_be_undone_from_the_phone(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    assert _act(client, trip.stop, "done", {"proof_kind": "code", "code": trip.code}).status_code == 200
    undo = _act(client, trip.stop, "undo", {})
    assert undo.status_code == 409 and "non si annulla" in undo.get_json()["error"]["message"]
    db.session.refresh(trip.request)
    assert trip.request.status == "consegnata"


def test_not_at_home_is_a_failed_delivery_to_plan_again(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    assert _act(client, trip.stop, "skip", {"reason": "no_time"}).status_code == 422  # a bin reason
    response = _act(client, trip.stop, "skip", {"reason": "not_home"})
    assert response.status_code == 200 and response.get_json()["stop"]["skip_reason"] == "not_home"
    db.session.refresh(trip.delivery)
    assert trip.delivery.status == "failed" and trip.delivery.failure_reason == "not_home"
    assert [d.id for d in delivery_planning.due_deliveries()] == [trip.delivery.id]


def test_another_driver_cannot_hand_over(app, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    intruder = app.test_client()
    login(intruder, factories.UserFactory(role="driver").email)
    db.session.commit()
    response = _act(intruder, trip.stop, "done", {"proof_kind": "signature", "proof_note": "Mario"})
    assert response.status_code == 403
    db.session.refresh(trip.request)
    assert trip.request.status == "pronta"


def test_the_old_driver_page_leads_to_the_driver_mode(client, login_as):
    login_as("driver")
    response = client.get("/welfare/driver")
    assert response.status_code == 302 and response.headers["Location"].endswith("/driver/")


def test_delivery_plans_open_on_the_rounds_map_without_addresses(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify, publish=False)
    login(client, people[1].email)
    listing = client.get("/welfare/deliveries").get_data(as_text=True)
    assert f"/rounds/{trip.plan.id}" in listing
    review = client.get(f"/rounds/{trip.plan.id}")
    assert review.status_code == 200
    assert ADDRESS not in review.get_data(as_text=True)


def test_a_photo_is_itself_the_photo_proof_of_a_delivery(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    jpeg = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 32).decode()
    assert _act(client, trip.stop, "done", {"proof_kind": "photo", "photo": jpeg}).status_code == 200
    db.session.refresh(trip.delivery)
    assert (trip.delivery.status, trip.delivery.proof_kind) == ("delivered", "photo")
    assert db.session.scalar(select(StopPhoto.route_stop_id)) == trip.stop.id


def test_a_refused_handover_code_keeps_no_photo(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    jpeg = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 32).decode()
    refused = _act(client, trip.stop, "done", {"proof_kind": "code", "code": _wrong(trip.code), "photo": jpeg})
    assert refused.status_code == 422
    assert db.session.scalar(select(StopPhoto.id)) is None


def test_the_reason_and_note_of_a_failed_delivery_reach_the_social_worker(
    app, client, household, people, memory_notify
):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    body = {"reason": "wrong_address", "notes": "Citofono senza nome, scala C"}
    assert _act(client, trip.stop, "skip", body).status_code == 200
    worker = app.test_client()
    login(worker, trip.worker.email)
    page = worker.get(f"/welfare/requests/{trip.request.id}").get_data(as_text=True)
    assert "Indirizzo errato" in page and "«Citofono senza nome, scala C»" in page


def test_a_handover_synced_after_midnight_counts_for_its_day_but_not_days_later(
    app, household, people, memory_notify, clock
):
    trip = _planned(household, people, memory_notify)
    handed_at = utcnow()
    body = {"proof_kind": "code", "code": trip.code, "collected_at": handed_at.isoformat()}

    def sync_at(moment):  # the phone syncs its outbox then, in a new login (the old session has expired)
        clock.set(moment)
        phone = app.test_client()
        login(phone, trip.driver.email)
        return _act(phone, trip.stop, "done", body)

    too_late = sync_at(handed_at + timedelta(days=3))
    assert too_late.status_code == 422 and too_late.get_json()["error"]["field"] == "collected_at"
    assert sync_at(handed_at - timedelta(hours=1)).status_code == 422  # an hour in the phone's future
    response = sync_at(handed_at + timedelta(days=1))
    assert response.status_code == 200 and response.get_json()["stop"]["status"] == "done"
    db.session.refresh(trip.request)
    assert trip.request.status == "consegnata"


def test_route_sheet_refreshes_log_the_driver_reading_an_address_once_a_day(client, household, people, memory_notify):
    trip = _planned(household, people, memory_notify)
    login(client, trip.driver.email)
    for _refresh in range(3):
        assert ADDRESS in client.get(f"/driver/route/{trip.stop.route_id}.json").get_data(as_text=True)
    reads = [e for e in privacy.access_log(household) if e.purpose.startswith("delivery")]
    assert [(e.user_id, e.purpose) for e in reads] == [(trip.driver.id, f"delivery {local_today().isoformat()}")]
