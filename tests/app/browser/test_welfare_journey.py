"""Redistribution end to end in a real browser: from the social worker's request to the doorstep, and privacy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.clock import local_today
from app.extensions import db
from app.stock import services as stock
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db
from tests.app.sorting.helpers import reuse_b_fraction
from tests.app.welfare.conftest import SESTO, memory_notify, morning  # noqa: F401  (the SMS outbox, the clock)

NAME = "Giulia Fumagalli"
STREET = "Via dei Cinquecento"


@dataclass(frozen=True)
class People:
    worker: str
    other_worker: str
    coordinator: str
    driver: str


def _seed() -> People:
    """Two offices (Milano, Sesto), a coordinator, winter children's clothes on a warehouse shelf, a van, a driver."""
    worker = factories.UserFactory(role="social_worker", organisation=factories.social_services_of(factories.MILANO))
    other = factories.UserFactory(role="social_worker", organisation=factories.social_services_of(SESTO))
    coordinator = factories.UserFactory(role="coordinator")
    shelf = factories.StockLocationFactory()
    for category, group, size, pieces in (("cappotto", "bambino", "8 anni", 2), ("maglione", "bambina", "5 anni", 4)):
        item = factories.StockItemFactory(
            category=category, age_group=group, size_system="children", size=size, season="inverno", grade="A"
        )
        stock.receive_from_sorting(item, shelf, pieces, reuse_b_fraction(), None)
    van = factories.VehicleFactory(plate="FW123DL", home_site=shelf.site, capacity_pieces=300)
    driver = factories.UserFactory(role="driver", full_name="Luca Brambilla", organisation=van.organisation)
    db.session.flush()
    people = People(worker.email, other.email, coordinator.email, driver.email)
    release_db()
    return people


def _register_household(page: Any) -> str:
    page.goto("/welfare/households/new")
    for label, value in (
        ("Nome e cognome del referente", NAME),
        ("Telefono (per gli SMS)", "+39 333 765 4321"),
        ("Indirizzo (via e nome)", STREET),
        ("Numero civico", "18"),
        ("CAP", "20139"),
        ("Longitudine", "9,221"),
        ("Latitudine", "45,438"),
    ):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Il nucleo ha dato il consenso al trattamento dei dati").check()
    page.get_by_role("button", name="Salva").click()
    page.wait_for_url(re.compile(r"/welfare/households/\d+$"))
    for label, band, gender, size in (
        ("Figlio 1", "6-10", "bambino", "8 anni"),
        ("Figlia 2", "3-5", "bambina", "5 anni"),
    ):
        page.get_by_label("Etichetta (es. «Figlio 1», mai il nome)").fill(label)
        page.get_by_label("Fascia d'età").select_option(band)
        page.get_by_label("Genere").select_option(gender)
        page.get_by_label("Sistema di taglie").select_option("children")
        page.get_by_label("Taglia abiti").fill(size)
        page.get_by_role("button", name="Aggiungi componente").click()
        page.get_by_text(f"{label} ·").wait_for()
        page.locator("details summary", has_text="Aggiungi componente").click()
    return page.url


def _request_winter_clothes(page: Any, household_url: str) -> str:
    page.goto(household_url)
    page.get_by_role("link", name="Nuova richiesta di vestiti").click()
    for row, (member, category, quantity) in enumerate((("Figlio 1", "cappotto", "1"), ("Figlia 2", "maglione", "2"))):
        page.select_option(
            f"select[name=lines-{row}-member_id]", label=f"{member} ({'8 anni' if row == 0 else '5 anni'})"
        )
        page.select_option(f"select[name=lines-{row}-category]", category)
        page.select_option(f"select[name=lines-{row}-season]", "inverno")
        page.fill(f"input[name=lines-{row}-quantity]", quantity)
    page.select_option("select[name=fulfilment]", "delivery")
    page.fill("input[name=window_start]", "09:00")
    page.fill("input[name=window_end]", "13:00")
    page.get_by_role("button", name="Salva bozza").click()
    page.wait_for_url(re.compile(r"/welfare/requests/\d+$"))
    page.locator("button[data-action=send]").click()
    page.locator("[data-status=inviata]").wait_for()
    return page.url


def _approve_allocate_and_plan(page: Any, request_url: str) -> None:
    page.goto(request_url)
    for action, status in (("approve", "approvata"), ("allocate", "in_preparazione"), ("ready", "pronta")):
        page.locator(f"button[data-action={action}]").click()
        page.locator(f"[data-status={status}]").wait_for()
    assert page.locator("td[data-allocated]").all_inner_texts() == ["1", "2"]  # reserved on the shelf
    page.goto("/welfare/deliveries")
    page.get_by_label("Giorno di consegna").fill(local_today().isoformat())
    page.get_by_label("Tempo di calcolo (secondi)").fill("1")
    page.get_by_label(re.compile("FW123DL .*300 capi")).check()
    page.get_by_label("Autista").select_option(label="Luca Brambilla")
    page.get_by_role("button", name="Pianifica").click()
    page.wait_for_url(re.compile(r"/rounds/\d+$"))  # the job page opens the plan when the calculation ends
    page.locator("#plan-map, .leaflet-container").first.wait_for()
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Pubblica").click()
    page.locator("h1 .badge", has_text="pubblicato").wait_for()


def _handover(phone: Any, code: str) -> None:
    card = phone.locator(".stop[data-kind=delivery]")
    card.locator("input[name=code]").fill(code)
    card.get_by_role("button", name="Conferma fatto").click()


def _deliver(phone: Any, sms: list[Any]) -> None:
    """On the phone: a wrong code typed offline is refused after the sync, then the right code delivers."""
    code = re.search(r"\b(\d{6})\b", next(m.body for m in sms if m.channel == "sms")).group(1)  # type: ignore[union-attr]
    phone.goto("/driver/")
    phone.locator("#driver-routes a").first.click()
    card = phone.locator(".stop[data-kind=delivery]")
    assert STREET in card.inner_text()
    phone.locator("html[data-sync-idle]").wait_for(state="attached")
    card.locator("summary").get_by_text("Consegnata", exact=True).click()
    phone.context.set_offline(True)
    _handover(phone, "000000" if code != "000000" else "111111")
    assert card.locator(".stop-status").inner_text() == "In attesa di invio"
    phone.context.set_offline(False)
    card.locator(".stop-error", has_text="Codice di consegna errato").wait_for()
    card.locator(".stop-status", has_text="Da fare").wait_for()  # the sheet shows the server state again
    _handover(phone, code)
    card.locator(".stop-outcome", has_text="Consegnata").wait_for()
    phone.locator("#sync-status").wait_for(state="hidden")


def test_a_household_gets_winter_clothes_delivered_and_only_its_comune_sees_it(
    new_page: Any,
    memory_notify: list[Any],  # noqa: F811
    morning: Any,  # noqa: F811  (today's round needs the day still ahead)
    planning_queue: Any,  # the delivery plan is computed by the embedded consumer, as in production
) -> None:
    people = _seed()
    real_now = datetime.now(UTC)
    worker = new_page(viewport={"width": 1280, "height": 800})
    log_in(worker, people.worker, factories.DEFAULT_PASSWORD)
    household_url = _register_household(worker)
    request_url = _request_winter_clothes(worker, household_url)

    coordinator = new_page(viewport={"width": 1280, "height": 800})
    coordinator.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # no tiles offline
    log_in(coordinator, people.coordinator, factories.DEFAULT_PASSWORD)
    _approve_allocate_and_plan(coordinator, request_url)
    morning.set(real_now)  # planned this morning; the phone below stamps the handover with the real time

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, people.driver, factories.DEFAULT_PASSWORD)
    _deliver(phone, memory_notify)

    # the social worker comes back later: her morning session may have expired by the real time of the day
    worker = new_page(viewport={"width": 1280, "height": 800})
    log_in(worker, people.worker, factories.DEFAULT_PASSWORD)
    worker.wait_for_url(re.compile(r"/$"))
    worker.goto(request_url)
    assert worker.locator("h1 [data-status]").inner_text() == "consegnata"
    assert worker.locator("[data-delivery-status=delivered]").count() == 1

    outsider = new_page(viewport={"width": 1280, "height": 800})
    log_in(outsider, people.other_worker, factories.DEFAULT_PASSWORD)
    outsider.wait_for_url(re.compile(r"/$"))
    household_id = household_url.rsplit("/", 1)[1]
    for url in (household_url, f"{household_url}/identity", f"{household_url}/requests/new", request_url):
        response = outsider.goto(url)
        assert response.status in (403, 404), url
        assert NAME not in outsider.content() and STREET not in outsider.content()
    outsider.goto("/welfare/households")
    assert f"/welfare/households/{household_id}" not in outsider.content()
