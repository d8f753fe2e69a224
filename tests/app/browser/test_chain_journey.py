"""One chain end to end in a real browser: a driver's round, the plant's intake, a sorting session, the stock,
a coat collected by a family at a distribution point, and the coordinator following it back to the bins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from app.core.clock import local_today
from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, nav_to, release_db

pytestmark = [pytest.mark.browser]
KG = ("120,5", "95", "110")  # what the driver weighs at the three bins: 325,5 kg
PLANT = "Impianto di selezione Cinisello"
POINT = "Punto di distribuzione Lambrate"


@dataclass(frozen=True)
class Seeded:
    driver: str
    plant_operator: str
    warehouse_operator: str
    social_worker: str
    coordinator: str
    plate: str
    stop_ids: list[int]
    bins: list[str]
    shelf: str
    household: str


def _seed() -> Seeded:
    """A cooperative with a driver and today's round of three Milan bins, its plant, warehouse and distribution
    point; a Milan household with a boy in 8 anni and its social worker; a coordinator."""
    coop = factories.OrganisationFactory(name="Vesti Solidale")
    driver = factories.UserFactory(role="driver", full_name="Luca Ferrari", organisation=coop)
    route = factories.driver_round(driver, stops=3)
    route.end_site = factories.SortingPlantFactory(name=PLANT, organisation=coop)
    shelf = factories.StockLocationFactory(site=factories.WarehouseFactory(organisation=coop), code="B-07")
    factories.SiteFactory(name=POINT, kind="distribution_point", organisation=coop, opening_hours="mar e gio 15-18")
    household = factories.HouseholdFactory(office=factories.social_services_of(factories.MILANO))
    factories.MemberFactory(household=household, label="Figlio 1", gender="bambino", clothing_size="8 anni")
    worker = factories.UserFactory(role="social_worker", organisation=household.office)
    plant_operator = factories.UserFactory(role="operator", organisation=coop)
    warehouse_operator = factories.UserFactory(role="operator", organisation=coop)
    coordinator = factories.UserFactory(role="coordinator")
    db.session.flush()
    stops = sorted(route.stops, key=lambda s: s.sequence)
    seeded = Seeded(
        driver=driver.email,
        plant_operator=plant_operator.email,
        warehouse_operator=warehouse_operator.email,
        social_worker=worker.email,
        coordinator=coordinator.email,
        plate=route.vehicle.plate,
        stop_ids=[s.id for s in stops],
        bins=[s.bin.code for s in stops],
        shelf=shelf.label,
        household=household.code,
    )
    release_db()
    return seeded


def _as(page: Any, email: str) -> None:
    """The next person at the desk: a fresh session, logged in, on the home page."""
    # Let the last page finish its requests first (the favicon is fetched after load): a late response
    # would set the previous person's session cookie again after it was cleared.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.wait_for_url(re.compile(r"/$"))


def _driver_finishes_the_round(phone: Any, seeded: Seeded) -> None:
    log_in(phone, seeded.driver, factories.DEFAULT_PASSWORD)
    phone.goto("/driver/")
    phone.locator("#driver-routes a", has_text=seeded.plate).click()
    phone.locator("html[data-sync-idle]").wait_for(state="attached")
    for stop_id, kg in zip(seeded.stop_ids, KG, strict=True):
        card = phone.locator(f"#stop-{stop_id}")
        card.locator("summary", has_text="Fatto").click()
        card.locator("input[name=weight_kg]").fill(kg)
        card.get_by_role("button", name="Conferma fatto").click()
        card.locator(".stop-outcome", has_text=f"Fatto: {kg} kg").wait_for()
    phone.locator("#sync-status").wait_for(state="hidden")
    phone.get_by_role("button", name="Chiudi giro").click()
    assert "l'impianto lo vede in arrivo" in phone.inner_text(".alert-success")
    assert phone.locator("#route-closed").is_visible()


def _plant_takes_it_in(page: Any, seeded: Seeded) -> str:
    """From the plant's arrivals, gross and tare in one action; returns the intake's lot code."""
    _as(page, seeded.plant_operator)
    page.click("text=Impianto di selezione")
    page.click("#arrivals-link")
    row = page.locator("#arrivals tbody tr", has_text=seeded.plate)
    assert "Luca Ferrari" in row.inner_text() and "325,5" in row.inner_text()
    assert all(code in row.inner_text() for code in seeded.bins)
    row.get_by_role("link", name="Prendi in carico").click()
    assert "3 svuotamenti, 325,5 kg registrati" in page.inner_text("#arrival-pickups")
    page.fill("input[name=gross_kg]", "12.400")
    page.fill("input[name=tare_kg]", "12.080")
    page.get_by_role("button", name="Prendi in carico").click()
    assert "Scarico preso in carico." in page.inner_text(".alert-success")
    assert "alert-success" in page.get_attribute("#pickup-check", "class")  # 320 kg net: within 10 % of 325,5
    lot = page.inner_text("h1").removeprefix("Carico ").strip()
    assert lot.startswith("IN-")
    return lot


def _a_session_sorts_it(page: Any, intake_lot: str) -> str:
    """Sort the intake's 320 kg into reuse, recycling and waste; returns the session's lot code."""
    nav_to(page, "Selezione")
    page.click("text=Nuova sessione di selezione")
    page.select_option("select[name=batch_ids]", label=f"{intake_lot} · {PLANT} · 320,0 kg")
    page.get_by_role("button", name="Apri sessione").click()
    page.wait_for_selector("#balance")
    for label, kg in (("Riuso grado B (redistribuzione alle famiglie)", "160"), ("Riciclo misto", "130"),
                      ("Scarto da smaltire", "25")):  # fmt: skip
        page.select_option("select[name=kind]", label=label)
        page.fill("input[name=weight_kg]", kg)
        page.click("#fraction-form input[type=submit]")
        assert "Frazione aggiunta." in page.inner_text(".alert-success")
    assert "quadra" in page.inner_text("#bal-status")  # 5 kg of dust and damp: within 2 %
    page.click("#close-form input[type=submit]")
    assert "il bilancio di massa quadra" in page.inner_text(".alert-success")
    session = page.inner_text("h1").removeprefix("Sessione di selezione").split()[0]
    assert session.startswith("SS-")
    return session


def _coats_go_to_stock(page: Any, seeded: Seeded) -> None:
    page.locator("#fractions tr", has_text="Riuso grado B").get_by_role("link", name="Carica a magazzino").click()
    page.select_option("select[name=category]", "cappotto")
    page.select_option("select[name=age_group]", "bambino")
    page.select_option("select[name=size_system]", "children")
    page.fill("input[name=size]", "8 anni")
    page.select_option("select[name=season]", "inverno")
    page.select_option("select[name=grade]", "A")
    page.fill("input[name=quantity]", "12")
    page.select_option("select[name=location_id]", label=seeded.shelf)
    page.get_by_role("button", name="Carica a magazzino").click()
    assert "Pezzi caricati a magazzino." in page.inner_text(".alert-success")


def _the_social_worker_asks_for_a_coat(page: Any, seeded: Seeded) -> str:
    """A draft for one winter coat, collected at the distribution point, sent; returns the request's page."""
    _as(page, seeded.social_worker)
    nav_to(page, "Nuclei")
    page.get_by_role("link", name=seeded.household).click()
    page.get_by_role("link", name="Nuova richiesta di vestiti").click()
    page.select_option("select[name=lines-0-member_id]", label="Figlio 1 (8 anni)")
    page.select_option("select[name=lines-0-category]", "cappotto")
    page.select_option("select[name=lines-0-season]", "inverno")
    page.fill("input[name=lines-0-quantity]", "1")
    page.select_option("select[name=fulfilment]", "pickup")
    page.select_option("select[name=pickup_site_id]", label=POINT)
    page.get_by_role("button", name="Salva bozza").click()
    page.wait_for_url(re.compile(r"/welfare/requests/\d+$"))
    url = page.url
    page.locator("button[data-action=send]").click()
    page.locator("[data-status=inviata]").wait_for()
    return url


def _approved_prepared_and_collected(page: Any, seeded: Seeded, request_url: str) -> None:
    _as(page, seeded.coordinator)
    page.goto(request_url)
    page.locator("button[data-action=approve]").click()
    page.locator("[data-status=approvata]").wait_for()

    _as(page, seeded.warehouse_operator)
    nav_to(page, "Richieste vestiti")
    page.locator("tr", has_text=seeded.household).get_by_role("link").first.click()
    page.locator("button[data-action=allocate]").click()
    page.locator("[data-status=in_preparazione]").wait_for()
    assert page.locator("td[data-allocated]").inner_text() == "1"  # one coat reserved on the shelf
    page.locator("button[data-action=ready]").click()
    page.locator("[data-status=pronta]").wait_for()
    page.get_by_role("link", name=POINT).click()  # the counter's list of what families collect there
    waiting = page.locator("li.list-group-item", has_text=seeded.household)
    assert "1 × Cappotto 8 anni" in waiting.inner_text()
    waiting.get_by_role("button", name="Ritirata").click()
    assert "Ritiro registrato." in page.inner_text(".alert-success")
    assert page.locator("h1 [data-status]").inner_text() == "ritirata"


def _the_coordinator_follows_the_coat_back(page: Any, seeded: Seeded, intake_lot: str, session_lot: str) -> None:
    _as(page, seeded.coordinator)
    today = local_today()  # a day either side: the phone stamps the pickups with its own clock
    page.goto(f"/chain/?start={(today - timedelta(days=1)).isoformat()}&end={(today + timedelta(days=1)).isoformat()}")
    assert page.inner_text("[data-kg=bins]") == "325,5 kg"
    assert page.inner_text("[data-kg=weighed]") == "320,0 kg"
    assert page.inner_text("[data-pieces=delivered]") == "1"
    handed = page.locator("#handed-over li")
    assert handed.count() == 1
    assert "Cappotto 8 anni" in handed.inner_text() and seeded.household in handed.inner_text()
    handed.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/chain/trace/movement/\d+$"))
    assert "Milano" in page.inner_text("#trace-comuni")
    lot = page.locator("[data-receipt]")
    assert lot.count() == 1 and "dal lotto di magazzino" in lot.inner_text()
    assert session_lot in lot.inner_text()
    row = lot.locator(f"tr[data-batch='{intake_lot}']")
    assert row.count() == 1
    cells = row.inner_text()
    assert "100,0 %" in cells and "Milano" in cells
    assert all(code in cells for code in seeded.bins)


def test_a_coat_from_a_drivers_round_reaches_a_family_and_the_coordinator_traces_it_to_its_bins(
    app: Flask, page: Any, phone: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "20 per minute")  # six people, one test machine's address
    seeded = _seed()
    _driver_finishes_the_round(phone, seeded)
    intake_lot = _plant_takes_it_in(page, seeded)
    session_lot = _a_session_sorts_it(page, intake_lot)
    _coats_go_to_stock(page, seeded)
    request_url = _the_social_worker_asks_for_a_coat(page, seeded)
    _approved_prepared_and_collected(page, seeded, request_url)
    _the_coordinator_follows_the_coat_back(page, seeded, intake_lot, session_lot)
