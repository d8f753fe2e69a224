"""A social worker finds a household, sees what is in stock, is told which size is missing, edits the draft and
sends it; a coordinator rejects it with a reason, which the social worker then reads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db
from tests.app.welfare.conftest import household_of, stock_of

pytestmark = pytest.mark.browser
REASON = "Due cappotti consegnati a ottobre"


def _seed() -> tuple[str, str, str]:
    office = factories.social_services_of(factories.MILANO)
    household = household_of(office)
    household.members[0].shoe_size = ""  # Figlio 1: shoe size not known yet
    factories.HouseholdFactory(office=office)  # another household, not the one searched
    stock_of(factories.StockLocationFactory(), 2)  # two children's coats, 8 anni
    worker = factories.UserFactory(role="social_worker", organisation=office)
    coordinator = factories.UserFactory(role="coordinator")
    db.session.flush()
    found = (worker.email, coordinator.email, household.code)
    release_db()
    return found


def test_a_request_is_honest_from_the_form_to_the_rejection(new_page):
    worker_email, coordinator_email, code = _seed()
    worker = new_page(viewport={"width": 1280, "height": 800})
    log_in(worker, worker_email, factories.DEFAULT_PASSWORD)
    worker.goto("/welfare/households")
    worker.get_by_placeholder("Cerca per codice, comune, referente o via").fill(code)
    worker.get_by_role("button", name="Cerca").click()
    expect(worker.locator("tbody tr")).to_have_count(1)
    worker.get_by_role("link", name=code).click()
    worker.get_by_role("link", name="Nuova richiesta di vestiti").click()

    stock_row = worker.locator("#stock-now tr[data-category=cappotto]")
    expect(stock_row).to_contain_text("8 anni")
    expect(stock_row.locator("td.text-end")).to_have_text("2")

    worker.select_option("select[name=lines-0-member_id]", label="Figlio 1 (8 anni)")
    worker.select_option("select[name=lines-0-category]", "scarpe")
    worker.select_option("select[name=lines-0-season]", "inverno")
    worker.fill("input[name=lines-0-quantity]", "1")
    worker.get_by_role("button", name="Salva bozza").click()
    size = worker.locator("input[name=lines-0-size]")
    expect(size).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(worker.get_by_text("Riga 1: scrivi la taglia")).to_be_visible()
    size.fill("33")
    worker.get_by_role("button", name="Salva bozza").click()
    worker.wait_for_url(re.compile(r"/welfare/requests/\d+$"))
    request_url = worker.url

    worker.locator("a[data-action=edit]").click()
    expect(worker.locator("input[name=lines-0-size]")).to_have_value("33")
    worker.fill("input[name=lines-0-quantity]", "2")
    worker.get_by_role("button", name="Salva bozza").click()
    worker.get_by_text("Bozza aggiornata.").wait_for()
    worker.locator("button[data-action=send]").click()
    worker.locator("[data-status=inviata]").wait_for()
    expect(worker.locator("a[data-action=edit]")).to_have_count(0)

    coordinator = new_page(viewport={"width": 1280, "height": 800})
    log_in(coordinator, coordinator_email, factories.DEFAULT_PASSWORD)
    coordinator.goto(request_url)
    coordinator.locator("summary", has_text="Respingi").click()
    coordinator.locator("button[data-action=reject]").click()
    expect(coordinator.locator("#reject-note")).to_have_class(re.compile(r"\bis-invalid\b"))
    coordinator.locator("#reject-note").fill(REASON)
    coordinator.locator("button[data-action=reject]").click()
    coordinator.locator("[data-status=respinta]").wait_for()

    worker.reload()
    expect(worker.locator("#rejection")).to_contain_text(f"Motivo: {REASON}")
