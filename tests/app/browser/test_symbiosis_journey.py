"""The symbiosis marketplace in a real browser: a firm's offer meets a cooperative's need, both accept, the
pickup is planned in a collection round and done on the driver's phone, and the kg reach the KPI page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.core.clock import local_today
from app.extensions import db
from app.rounds.models import RouteStop, StopKind
from app.symbiosis.models import Match
from tests.app import factories
from tests.app.browser.conftest import log_in, plan_on_the_page, publish_on_the_page, release_db
from tests.app.conftest import FakeClock
from tests.app.symbiosis.conftest import Market, market  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser]


def _post(page: Any, fields: dict[str, str], selects: dict[str, str]) -> None:
    page.goto("/simbiosi/annunci/nuovo")
    for name, value in selects.items():
        page.select_option(f"select[name={name}]", value)
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.get_by_role("button", name="Pubblica").click()
    page.get_by_text("Annuncio pubblicato").wait_for()


def _answer(page: Any, code: str) -> None:
    page.goto("/simbiosi/")
    page.locator("#matches a", has_text=code).click()
    page.get_by_role("button", name="Accetta").click()
    page.get_by_text("Abbinamento accettato.").wait_for()


def _symbiosis_stop() -> tuple[int, int]:
    """The pickup stop the published plan has, and its route."""
    stop = db.session.scalar(select(RouteStop).where(RouteStop.kind == StopKind.SYMBIOSIS))
    stop_id, route_id = stop.id, stop.route_id
    release_db()
    return stop_id, route_id


def _signed_in(page: Any, email: str) -> None:
    """Log in and wait until the login has gone through (before the next page is opened)."""
    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.wait_for_url(lambda url: "/login" not in url, wait_until="commit")


def _log_out(page: Any) -> None:
    page.get_by_role("button", name="Esci").click()
    page.locator("input[name=email]").wait_for()


@pytest.fixture
def second_page(chromium: Any, live_server: str) -> Iterator[Any]:
    """The cooperative's own browser."""
    context = chromium.new_context(base_url=live_server, locale="it-IT", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_a_firms_offer_is_matched_accepted_picked_up_and_counted(
    page: Any,
    second_page: Any,
    phone: Any,
    market: Market,  # noqa: F811  (the fixture imported above)
    clock: FakeClock,
    planning_queue: Any,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "20 per minute")  # five people log in from one address
    operator = factories.OrganisationFactory(name="Vesti Solidale")
    plant = factories.SortingPlantFactory(
        name="Impianto di selezione Pantano", organisation=operator, lon=9.1914543, lat=45.4600464
    )
    vehicle = factories.VehicleFactory(organisation=operator, home_site=plant, plate="EZ482KM")
    driver = factories.UserFactory(role="driver", organisation=operator, full_name="Luca Ferrari")
    coordinator = factories.UserFactory(role="coordinator")
    worker = factories.UserFactory(role="operator", organisation=operator)  # the plant's staff
    emails = market.firm.user.email, market.coop.user.email, driver.email, coordinator.email, worker.email
    vehicle_id = vehicle.id
    firm_site, firm_secret = str(market.firm.site.id), market.firm.profile.contact_email
    coop_secret = market.coop.profile.contact_email
    release_db()

    log_in(page, emails[0], factories.DEFAULT_PASSWORD)
    offer = {"title": "Popeline di cotone bianco", "quantity": "120", "weight_kg": "30", "fibre_cotton": "100"}
    _post(
        page,
        offer,
        {"side": "offer", "category": "deadstock", "unit": "m", "site_id": firm_site, "waste_status": "by_product"},
    )

    coop = second_page
    log_in(coop, emails[1], factories.DEFAULT_PASSWORD)
    _post(
        coop,
        {"title": "Cotone per borse", "quantity": "80", "fibre_cotton": "100"},
        {"side": "need", "category": "deadstock", "unit": "m"},
    )
    code = coop.locator("#matches a").first.inner_text()
    _answer(coop, code)
    assert firm_secret not in coop.locator("#contacts").inner_text()  # the firm has not accepted yet

    _answer(page, code)
    assert coop_secret in page.locator("#contacts").inner_text()
    tomorrow = local_today() + timedelta(days=1)
    page.select_option("select[name=fulfilment]", "pickup")
    page.fill("input[name=pickup_date]", tomorrow.isoformat())
    page.fill("input[name=window_start]", "08:00")
    page.fill("input[name=window_end]", "12:00")
    page.check("input[name=required]")
    page.get_by_role("button", name="Conferma il ritiro").click()
    page.get_by_text("Ritiro organizzato.").wait_for()

    _log_out(page)  # the firm's browser, then the coordinator's: tomorrow's round, planned on the page
    _signed_in(page, emails[3])
    plan_on_the_page(page, tomorrow, ("EZ482KM",), {vehicle_id: "Luca Ferrari"})
    assert page.locator("tbody tr[data-stop]", has_text=f"Ritiro simbiosi {code}").count() == 1
    publish_on_the_page(page)
    stop_id, route_id = _symbiosis_stop()
    _log_out(page)

    clock.advance(timedelta(days=1))  # the service day
    log_in(phone, emails[2], factories.DEFAULT_PASSWORD)
    phone.goto(f"/driver/route/{route_id}")
    stop = phone.locator(f"#stop-{stop_id}")
    assert f"Ritiro simbiosi {code}" in stop.inner_text()
    stop.locator("summary", has_text="Fatto").click()
    stop.locator("input[name=weight_kg]").fill("28,5")
    stop.get_by_role("button", name="Conferma fatto").click()
    phone.locator("#sync-status").wait_for(state="hidden")
    stop.locator(".stop-outcome", has_text="28,5 kg").wait_for()

    _signed_in(page, emails[4])  # the plant's staff: the load is with the round's arrivals
    page.goto("/sorting/arrivals")
    page.locator("#other-loads tr", has_text=code).get_by_role("link", name="Prendi in carico").click()
    page.fill("input[name=gross_kg]", "1.028,5")
    page.fill("input[name=tare_kg]", "1.000")
    page.get_by_role("button", name="Prendi in carico in impianto").click()
    page.get_by_text("Preso in carico come").wait_for()
    page.goto("/sorting/arrivals")
    assert page.locator("#other-loads").count() == 0  # taken in once: nothing left waiting

    _log_out(page)
    _signed_in(page, emails[3])
    today = local_today()  # a day either side: the phone stamps «Fatto» with its own clock
    page.goto(f"/reports/kpi?start={today - timedelta(days=1)}&end={today}")
    assert page.locator("[data-kpi=symbiosis_kg]").inner_text() == "28,5 kg"
    release_db()
    assert db.session.scalar(select(Match.intake_batch_id)) is not None
    release_db()
