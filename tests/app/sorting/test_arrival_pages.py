"""Round → plant pages: the driver closes the round, the plant sees it waiting and takes it in with one action."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.collection.models import Pickup
from app.core.clock import utcnow
from app.extensions import db
from app.sorting.models import IntakeBatch
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.sorting.helpers import driven_round


def _batches() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(IntakeBatch))


def _weights(gross: str = "1.200", tare: str = "1.000", **more: str) -> dict[str, str]:
    return {"gross_kg": gross, "tare_kg": tare, "received_at": "2026-11-20T08:30", "eer_code": "20 01 10", **more}


def test_the_driver_cannot_close_a_round_with_pending_stops_and_is_told_which(client, login_as):
    driver = login_as("driver")
    route = driven_round("BBB", driver=driver, done=1)
    db.session.commit()
    page = f"/driver/route/{route.id}"
    assert "Chiudi giro" in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/close", {}, form_url=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    codes = [s.bin.code for s in route.stops[1:]]
    assert f"Fermate ancora da registrare: n. 2 {codes[0]}, n. 3 {codes[1]}." in html
    db.session.refresh(route)
    assert route.closed_at is None


def test_a_closed_round_waits_at_the_plant_and_takes_no_more_stop_reports(client, login_as):
    driver = login_as("driver")
    route = driven_round("BB", driver=driver)
    db.session.commit()
    page = f"/driver/route/{route.id}"
    post_form(client, f"{page}/close", {}, form_url=page)
    html = client.get(page).get_data(as_text=True)
    assert "Giro chiuso il" in html and "Chiudi giro" not in html
    db.session.refresh(route)
    assert route.closed_by_id == driver.id


def test_the_plant_sees_each_unload_of_its_rounds_and_takes_one_in_with_one_action(client, login_as):
    operator = login_as("operator")
    plant = factories.SortingPlantFactory(organisation=operator.organisation)
    route = driven_round("BBRB", kg=100, plant=plant)
    foreign = driven_round("BR")  # another organisation's plant: not listed
    db.session.commit()
    assert "Arrivi dai giri" in client.get("/sorting/").get_data(as_text=True)
    html = client.get("/sorting/arrivals").get_data(as_text=True)
    assert route.vehicle.plate in html and route.driver.full_name in html and "200,0" in html
    assert foreign.vehicle.plate not in html
    url = f"/sorting/arrivals/{route.id}/unloads/{route.stops[2].id}"
    response = post_form(client, url, _weights("1.205", "1.000"))
    assert response.status_code == 302, response.get_data(as_text=True)
    batch = db.session.scalar(select(IntakeBatch))
    assert response.headers["Location"].endswith(f"/sorting/intake/{batch.id}")
    assert batch.unload_stop_id == route.stops[2].id and len(batch.pickups) == 2
    assert "scarico n. 3" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert route.vehicle.plate not in client.get("/sorting/arrivals").get_data(as_text=True)
    again = client.get(url)
    assert again.status_code == 409 and batch.lot_code in again.get_data(as_text=True)
    assert _batches() == 1


def test_a_difference_over_tolerance_is_shown_and_needs_a_reason_shown_on_the_batch(client, login_as):
    operator = login_as("operator")
    route = driven_round("BR", kg=100, plant=factories.SortingPlantFactory(organisation=operator.organisation))
    db.session.commit()
    url = f"/sorting/arrivals/{route.id}/unloads/{route.stops[1].id}"
    refused = post_form(client, url, _weights("1.150", "1.000"))
    assert refused.status_code == 422
    assert "differisce di 50,0 kg (50,0 %)" in refused.get_data(as_text=True)
    assert _batches() == 0
    done = post_form(client, url, _weights("1.150", "1.000", difference_reason="sacchi bagnati"))
    assert done.status_code == 302
    assert "Motivo della differenza: sacchi bagnati" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_an_operator_cannot_take_in_another_organisations_unload(client, login_as):
    login_as("operator")
    route = driven_round("BR")
    db.session.commit()
    url = f"/sorting/arrivals/{route.id}/unloads/{route.stops[1].id}"
    assert client.get(url).status_code == 403
    assert _batches() == 0


def test_hand_entered_pickups_are_ticked_from_the_vehicles_list_never_typed(client, login_as):
    operator = login_as("operator")
    plant = factories.SortingPlantFactory(organisation=operator.organisation)
    vehicle = factories.VehicleFactory(organisation=operator.organisation)
    bin_ = factories.BinFactory(operator=operator.organisation)
    pickup = Pickup(bin=bin_, collected_at=utcnow() - timedelta(hours=3), weight_kg=300, vehicle_id=vehicle.id)
    db.session.add(pickup)
    db.session.commit()
    html = client.get("/sorting/intake/new").get_data(as_text=True)
    assert "separati da virgola" not in html and vehicle.plate in html and bin_.code not in html
    url = f"/sorting/intake/new?vehicle={vehicle.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in html and f'value="{pickup.id}"' in html and bin_.code in html
    form = {"site_id": plant.id, "source": "round", "pickup_ids": [str(pickup.id)], **_weights("1.300", "1.000")}
    assert post_form(client, url, form).status_code == 302
    batch = db.session.scalar(select(IntakeBatch))
    assert [p.id for p in batch.pickups] == [pickup.id]
    assert bin_.code not in client.get(url).get_data(as_text=True)  # taken in: no longer listed
    again = post_form(client, url, form)
    assert again.status_code == 422 and _batches() == 1
