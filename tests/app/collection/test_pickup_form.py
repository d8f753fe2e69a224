"""The phone pickup form: logging, refusals with Italian messages and nothing written, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.collection.models import Pickup
from app.core.clock import local_now
from app.extensions import db
from tests.app.conftest import post_form
from tests.app.factories import BinFactory

URL = "/collection/pickups/new"


def _count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Pickup)) or 0


def _when(hours_ago: float = 1) -> str:
    return (local_now() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def driver_bin(login_as):
    driver = login_as("driver")
    return BinFactory(code="VS-0123", operator=driver.organisation)


def _submit(client, **fields):
    data = {"code": "VS-0123", "weight_kg": "120,5", "collected_at": _when(), **fields}
    return post_form(client, URL, data)


def test_the_qr_address_opens_the_form_with_the_bin_code(client, driver_bin):
    html = client.get(f"{URL}?code=VS-0123&operator={driver_bin.operator_id}").get_data(as_text=True)
    assert 'value="VS-0123"' in html
    assert "Registra svuotamento" in html


def test_a_driver_logs_a_pickup_in_italian_decimals_and_reads_a_confirmation(client, driver_bin):
    response = _submit(client, weight_kg="120,5", incidents=["overflow"])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Svuotamento registrato: contenitore VS-0123, 120,5 kg." in page
    pickup = db.session.scalar(select(Pickup))
    assert float(pickup.weight_kg) == 120.5
    assert pickup.incident_codes == ["overflow"]
    assert pickup.source == "web"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weight_kg": "NaN"}, "Numero non valido"),
        ({"weight_kg": "-3"}, "Il peso non può essere negativo."),
        ({"weight_kg": "5000"}, "Peso non plausibile: al massimo 700 kg per questo contenitore."),
        ({"code": "XX-9999"}, "Contenitore sconosciuto: XX-9999."),
        ({"weight_kg": "9" * 5000}, "Numero troppo grande."),
        ({"weight_kg": "1e999"}, "Numero troppo grande."),
        ({"weight_kg": "", "fill_percent": "200"}, "Riempimento tra 0 e 150%."),
        ({"weight_kg": "", "fill_percent": "-1"}, "Riempimento tra 0 e 150%."),
    ],
    ids=["nan", "negative", "absurd", "unknown-bin", "5000-digits", "1e999", "fill-200", "fill-negative"],
)
def test_bad_input_is_refused_with_an_italian_message_and_nothing_saved(client, driver_bin, fields, message):
    response = _submit(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0


def test_a_pickup_in_the_future_is_refused(client, driver_bin):
    response = _submit(client, collected_at=_when(hours_ago=-3))
    assert response.status_code == 422
    assert "non può essere nel futuro" in response.get_data(as_text=True)
    assert _count() == 0


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "0001-01-01T12:00", "1999-12-31T23:59"])
def test_a_pickup_dated_before_2000_is_refused_with_an_italian_message(client, driver_bin, when):
    response = _submit(client, collected_at=when)
    assert response.status_code == 422
    assert "non può essere prima del 2000" in response.get_data(as_text=True)
    assert _count() == 0


def test_an_inactive_bin_takes_no_pickups(client, driver_bin):
    driver_bin.status = "removed"
    response = _submit(client)
    assert "non è attivo" in response.get_data(as_text=True)
    assert _count() == 0


def test_html_in_notes_is_shown_escaped(client, driver_bin):
    _submit(client, notes="<script>alert('x')</script> sacchi a terra")
    page = client.get("/collection/pickups").get_data(as_text=True)
    assert "&lt;script&gt;" in page
    assert "<script>alert" not in page


def test_a_social_worker_cannot_log_pickups(client, login_as):
    login_as("social_worker")
    assert client.get(URL).status_code == 403


def test_an_operator_cannot_log_a_pickup_for_another_organisations_bin(client, login_as):
    login_as("operator")
    BinFactory(code="VS-0777")  # another cooperative's bin
    response = _submit(client, code="VS-0777")
    assert "Contenitore sconosciuto: VS-0777." in response.get_data(as_text=True)
    assert _count() == 0


def test_the_pickup_list_shows_only_the_organisations_pickups(client, driver_bin):
    _submit(client)
    BinFactory(code="VS-0999")
    page = client.get("/collection/pickups").get_data(as_text=True)
    assert "VS-0123" in page
    assert "VS-0999" not in page


def test_a_hand_entered_pickup_may_name_a_vehicle_of_the_organisation(client, driver_bin):
    from tests.app.factories import VehicleFactory

    own, other = VehicleFactory(organisation=driver_bin.operator), VehicleFactory()
    db.session.commit()
    html = client.get(URL).get_data(as_text=True)
    assert own.plate in html and other.plate not in html
    assert _submit(client, vehicle_id=str(other.id)).status_code == 422
    assert _count() == 0
    assert _submit(client, vehicle_id=str(own.id)).status_code == 302
    assert db.session.scalar(select(Pickup)).vehicle_id == own.id
