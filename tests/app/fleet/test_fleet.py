"""Sites and vehicles are validated and placed in their comune."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.fleet.models import Site, Vehicle
from tests.app import factories
from tests.app.conftest import post_form

SITE = {
    "name": "Deposito Bovisa",
    "kind": "depot",
    "organisation_id": 0,
    "street": "Via Giovanni Durando",
    "civic_number": "10",
    "cap": "20158",
    "lon": "9,16190",
    "lat": "45,50370",
    "active": "y",
}


def test_site_typed_with_decimal_commas_is_placed_in_milano(client, login_as):
    login_as("coordinator")
    response = post_form(client, "/fleet/sites/new", SITE)
    assert response.status_code == 302, response.get_data(as_text=True)
    site = db.session.scalar(select(Site))
    assert site.comune_code == "015146"
    assert site.lon == pytest.approx(9.1619) and site.lat == pytest.approx(45.5037)


def test_site_outside_the_metro_area_is_refused_and_not_saved(client, login_as):
    login_as("coordinator")
    response = post_form(client, "/fleet/sites/new", {**SITE, "lon": "9,6700", "lat": "45,6980"})
    assert response.status_code == 422
    assert "fuori dall&#39;area servita" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Site)) == 0


def test_unparseable_coordinates_get_an_italian_message(client, login_as):
    login_as("coordinator")
    response = post_form(client, "/fleet/sites/new", {**SITE, "lat": "quarantacinque"})
    assert response.status_code == 422
    assert "Numero non valido" in response.get_data(as_text=True)


def _vehicle_form(site, org, **changes):
    data = {
        "plate": "gd 123 fm",
        "label": "Furgone",
        "organisation_id": org.id,
        "home_site_id": site.id,
        "capacity_kg": "3000",
        "capacity_m3": "18,5",
        "shift_start": "06:00",
        "shift_end": "14:00",
        "cost_per_km_eur": "0,42",
        "cost_per_hour_eur": "32",
        "service_weekdays": ["0", "1", "2", "3", "4"],
        "active": "y",
    }
    data.update(changes)
    return data


def test_vehicle_is_saved_with_normalised_plate_and_italian_decimals(client, login_as):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation))
    assert response.status_code == 302, response.get_data(as_text=True)
    vehicle = db.session.scalar(select(Vehicle))
    assert vehicle.plate == "GD123FM"
    assert float(vehicle.capacity_m3) == 18.5 and float(vehicle.cost_per_km_eur) == 0.42


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"plate": "MI 123456"}, "Targa non valida"),
        ({"shift_end": "05:00"}, "Il turno deve finire dopo l&#39;inizio."),
        ({"capacity_kg": "-5"}, "Valore non plausibile."),
        ({"cost_per_km_eur": "-1"}, "I costi non possono essere negativi."),
        ({"cost_per_km_eur": "2147483648"}, "Costo per km non plausibile (0–1.000 €)."),
        ({"cost_per_hour_eur": "1.000.000"}, "Costo orario non plausibile (0–10.000 €)."),
        ({"service_weekdays": []}, "Scegli almeno un giorno di servizio (da lunedì a domenica)."),
        ({"service_weekdays": ["7"]}, "Scelta non valida"),
    ],
)
def test_invalid_vehicle_is_refused_with_a_message(client, login_as, changes, message):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0


def _vehicle_row(client, plate):
    """The cells (tags stripped) of the vehicle list row of ``plate``."""
    page = client.get("/fleet/vehicles").get_data(as_text=True)
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if f">{plate}</a>" in row]
    assert len(rows) == 1, page
    return [re.sub(r"<[^>]+>", "", cell).split()[0] for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)]


@pytest.mark.parametrize(("typed", "saved", "listed"), [("350", 350, "350"), ("1200", 1200, "1.200"), ("", None, "—")])
def test_new_vehicle_pieces_capacity_is_saved_and_listed(client, login_as, typed, saved, listed):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation, capacity_pieces=typed))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Vehicle)).capacity_pieces == saved
    # plate, organisation, depot, kg, m³, pieces, ...
    assert _vehicle_row(client, "GD123FM")[3:6] == ["3.000", "18,5", listed]


def test_edited_pieces_capacity_is_shown_changed_and_cleared(client, login_as):
    user = login_as("coordinator")
    vehicle = factories.VehicleFactory(organisation=user.organisation, capacity_pieces=300, plate="GD123FM")
    db.session.commit()
    url = f"/fleet/vehicles/{vehicle.id}"
    assert re.search(r'name="capacity_pieces"[^>]*value="300"', client.get(url).get_data(as_text=True))

    response = post_form(client, url, _vehicle_form(vehicle.home_site, user.organisation, capacity_pieces="1500"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _vehicle_row(client, "GD123FM")[5] == "1.500"

    response = post_form(client, url, _vehicle_form(vehicle.home_site, user.organisation, capacity_pieces=""))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Vehicle, vehicle.id).capacity_pieces is None
    assert _vehicle_row(client, "GD123FM")[5] == "—"


PIECES_REFUSED = "Capienza in capi non plausibile (1–20.000, vuoto = nessun limite)."


@pytest.mark.parametrize("pieces", ["0", "-5", "20001"])
def test_implausible_pieces_capacity_is_refused_and_nothing_saved(client, login_as, pieces):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation, capacity_pieces=pieces))
    assert response.status_code == 422
    assert PIECES_REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0


def test_implausible_pieces_capacity_leaves_an_edited_vehicle_unchanged(client, login_as):
    user = login_as("coordinator")
    vehicle = factories.VehicleFactory(organisation=user.organisation, capacity_pieces=300, plate="GD123FM")
    db.session.commit()
    url = f"/fleet/vehicles/{vehicle.id}"
    response = post_form(client, url, _vehicle_form(vehicle.home_site, user.organisation, capacity_pieces="0"))
    assert response.status_code == 422
    assert PIECES_REFUSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Vehicle, vehicle.id).capacity_pieces == 300
    assert _vehicle_row(client, "GD123FM")[5] == "300"


def test_service_days_are_ticked_from_monday_to_friday_for_a_new_vehicle_saved_and_listed(client, login_as):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    form = client.get("/fleet/vehicles/new").get_data(as_text=True)
    ticked = re.findall(r'<input[^>]*name="service_weekdays"[^>]*>', form)
    assert len(ticked) == 7 and [("checked" in box) for box in ticked] == [True] * 5 + [False] * 2
    assert "lunedì" in form and "domenica" in form

    days = {"service_weekdays": ["0", "1", "2", "3", "4", "5"]}
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation, **days))

    assert response.status_code == 302, response.get_data(as_text=True)
    vehicle = db.session.scalar(select(Vehicle))
    assert vehicle.service_days == 0b0111111 and vehicle.service_weekdays == [0, 1, 2, 3, 4, 5]
    page = client.get("/fleet/vehicles").get_data(as_text=True)
    assert '<td data-role="service-days">lun–sab</td>' in page
    edit = client.get(f"/fleet/vehicles/{vehicle.id}").get_data(as_text=True)
    assert [("checked" in box) for box in re.findall(r'<input[^>]*name="service_weekdays"[^>]*>', edit)] == [
        True
    ] * 6 + [False]
    changed = {"service_weekdays": ["0", "2", "6"], "works_holidays": "y"}
    assert post_form(client, f"/fleet/vehicles/{vehicle.id}", _vehicle_form(site, user.organisation, **changed))
    db.session.refresh(vehicle)
    assert vehicle.service_days == 0b1000101 and vehicle.works_holidays
    listed = client.get("/fleet/vehicles").get_data(as_text=True)
    assert '<td data-role="service-days">lun, mer, dom · anche festivi</td>' in listed
