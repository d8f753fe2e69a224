"""Households, bins and sites are placed on a map (address search, pin, position), not by typed coordinates."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import post_form

HOUSEHOLD = {
    "name": "Famiglia Bianchi Demo",
    "street": "Via Padova",
    "civic": "120",
    "cap": "20132",
    "consent": "y",
}


@pytest.mark.parametrize(
    ("role", "url", "street"),
    [
        ("social_worker", "/welfare/households/new", "street"),
        ("admin", "/bins/new", "street_name"),
        ("admin", "/fleet/sites/new", "street"),
    ],
)
def test_each_place_form_has_the_picker_with_its_address_fields(client, login_as, role, url, street):
    login_as(role)
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert 'id="place-picker"' in html and f'data-street="{street}"' in html
    assert 'data-places-url="/geo/places"' in html and 'data-comune-url="/geo/comune"' in html
    assert "Usa la mia posizione" in html and 'id="place-map"' in html
    assert "/vendor/leaflet/leaflet.js" in html and "/static/geo/place_picker.js" in html
    assert "<script>" not in html.replace("<script src=", "") and " onclick=" not in html  # the CSP's rules


def test_a_point_outside_the_metro_area_is_refused_with_the_map_highlighted(client, login_as):
    login_as("social_worker")
    response = post_form(client, "/welfare/households/new", HOUSEHOLD | {"lon": "12,4964", "lat": "41,9028"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "fuori dall&#39;area servita" in html
    assert re.search(r'class="place-picker[^"]*border-danger', html)
    assert re.search(r'id="place-search" class="form-control is-invalid"', html)


def test_a_household_without_a_point_is_asked_for_one(client, login_as):
    login_as("social_worker")
    response = post_form(client, "/welfare/households/new", HOUSEHOLD | {"lon": "", "lat": ""})
    assert response.status_code == 422 and "border-danger" in response.get_data(as_text=True)
