"""A vehicle's daily fixed cost (truck and crew) on the vehicle form and list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.fleet.models import Vehicle
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.fleet.test_fleet import _vehicle_form, _vehicle_row


@pytest.mark.parametrize(("typed", "saved", "listed"), [("1.234,5", "1234.50", "1.234,50"), ("", "0", "0,00")])
def test_daily_fixed_cost_typed_the_italian_way_is_saved_and_listed(client, login_as, typed, saved, listed):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation, fixed_cost_eur=typed))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Vehicle)).fixed_cost_eur == Decimal(saved)
    # plate, organisation, depot, kg, m³, pieces, shift, €/km, €/h, €/day
    assert _vehicle_row(client, "GD123FM")[10] == listed


def test_the_vehicle_form_shows_the_daily_fixed_cost_with_a_decimal_comma(client, login_as):
    user = login_as("coordinator")
    vehicle = factories.VehicleFactory(organisation=user.organisation, fixed_cost_eur=Decimal("250.5"))
    db.session.commit()
    page = client.get(f"/fleet/vehicles/{vehicle.id}").get_data(as_text=True)
    assert "Costo fisso giornaliero (€)" in page
    assert 'value="250,50"' in page


@pytest.mark.parametrize("typed", ["-1", "100000,01"])
def test_implausible_daily_fixed_cost_is_refused_and_nothing_saved(client, login_as, typed):
    user = login_as("coordinator")
    site = factories.SiteFactory()
    db.session.commit()
    response = post_form(client, "/fleet/vehicles/new", _vehicle_form(site, user.organisation, fixed_cost_eur=typed))
    assert response.status_code == 422
    assert "Costo fisso giornaliero non plausibile (0–100.000 €)." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0
