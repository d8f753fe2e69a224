"""A social worker places a household by its address (a recorded geocoder), drags the pin and sees the comune;
on a phone, «Usa la mia posizione» puts the pin where the phone is. Offline: no map tile is fetched."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db
from tests.app.geo.recorded import recorded_geocoder

pytestmark = pytest.mark.browser


@pytest.fixture
def nominatim(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server's geocoder answers from recorded Nominatim responses (no network)."""
    monkeypatch.setitem(app.extensions, "geocoder", recorded_geocoder("nominatim"))


def _worker(*comuni: str) -> str:
    office = factories.social_services_of(factories.MILANO, *comuni)
    worker = factories.UserFactory(role="social_worker", organisation=office)
    db.session.flush()
    email = worker.email
    release_db()
    return email


def _lon(page: Any) -> float:
    return float(page.get_by_label("Longitudine", exact=True).input_value().replace(",", "."))


def test_a_household_is_placed_by_typing_its_address_and_dragging_the_pin(page, nominatim):
    log_in(page, _worker(), factories.DEFAULT_PASSWORD)
    page.goto("/welfare/households/new")
    page.get_by_label("Nome e cognome del referente").fill("Giulia Fumagalli")
    search = page.get_by_placeholder("Cerca l'indirizzo: via, numero civico, comune")
    search.fill("Via Padova 21, Milano")
    search.press("Enter")  # searches, does not submit the form
    page.locator("#place-comune", has_text="Comune: Milano").wait_for()
    assert page.get_by_label("Indirizzo (via e nome)").input_value() == "Via Padova"
    assert page.get_by_label("Numero civico").input_value() == "21"
    assert page.get_by_label("CAP").input_value() == "20127"
    assert round(_lon(page), 4) == 9.218

    before = page.get_by_label("Longitudine", exact=True).input_value()
    pin = page.locator(".leaflet-marker-icon")
    pin.scroll_into_view_if_needed()
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 10, steps=5)
    page.mouse.move(x + 60, y + 20, steps=5)
    page.mouse.up()
    expect(page.get_by_label("Longitudine", exact=True)).not_to_have_value(before)
    page.locator("#place-comune", has_text="Comune: Milano").wait_for()
    assert _lon(page) > 9.2181  # dragged east: the longitude followed the pin

    page.get_by_label("Il nucleo ha dato il consenso al trattamento dei dati").check()
    page.get_by_role("button", name="Salva").click()
    page.wait_for_url(re.compile(r"/welfare/households/\d+$"))
    page.get_by_text("Milano").first.wait_for()


def test_the_search_takes_the_address_already_typed_in_the_form(page, nominatim):
    log_in(page, _worker(), factories.DEFAULT_PASSWORD)
    page.goto("/welfare/households/new")
    page.get_by_label("Indirizzo (via e nome)").fill("Via Padova")
    page.get_by_label("Numero civico").fill("21")
    page.get_by_label("CAP").fill("20127")
    page.get_by_role("button", name="Cerca", exact=True).click()
    page.locator("#place-comune", has_text="Comune: Milano").wait_for()
    assert round(_lon(page), 4) == 9.218


def test_a_point_outside_the_area_says_so_before_saving(page, nominatim):
    log_in(page, _worker(), factories.DEFAULT_PASSWORD)
    page.goto("/welfare/households/new")
    page.get_by_label("Longitudine", exact=True).fill("12,4964")
    page.get_by_label("Latitudine", exact=True).fill("41,9028")
    page.get_by_label("Latitudine", exact=True).press("Tab")
    page.locator("#place-comune", has_text="fuori dall'area servita").wait_for()


def test_on_a_phone_use_my_position_puts_the_pin_where_the_phone_is(phone_at, nominatim):
    email = _worker("015182")  # Rho as well
    phone = phone_at(45.5283, 9.0403)  # Rho, piazza San Vittore
    log_in(phone, email, factories.DEFAULT_PASSWORD)
    phone.goto("/welfare/households/new")
    phone.get_by_role("button", name="Usa la mia posizione").click()
    phone.locator("#place-comune", has_text="Comune: Rho").wait_for()
    assert round(_lon(phone), 4) == 9.0403
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the map fits the phone
