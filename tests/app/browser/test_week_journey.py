"""«Pianifica la settimana» end to end in a real browser: the coordinator plans two days with a fleet chosen
per day, follows the job, reviews and publishes one day, and the driver's day on a phone ends at the plant."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.bins.models import Bin
from app.core.clock import local_today
from app.extensions import db
from app.rounds import jobs
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db
from tests.app.browser.test_rounds_journey import (
    DRIVER,
    SPARE,
    TRUCK,
    Seeded,
    _seed,
)
from tests.app.conftest import FakeClock

pytestmark = [pytest.mark.browser]
PLANT = "Impianto di selezione Cinisello"


def _plan_two_days(page: Any, seeded: Seeded) -> None:
    """From the plans page: two days from tomorrow, the main truck both days and the spare one on the second."""
    page.goto("/rounds/")
    page.get_by_role("link", name="Pianifica la settimana").click()
    page.wait_for_load_state("load")  # the form's script is in: it hides the days past the horizon
    page.fill("input[name=start_date]", (local_today() + timedelta(days=1)).isoformat())
    page.fill("input[name=days]", "2")
    # only the two days to plan are offered in the grid and among the days off
    assert page.get_by_label(f"{TRUCK} · giorno 2", exact=True).is_visible()
    expect(page.get_by_label(f"{TRUCK} · giorno 3", exact=True)).not_to_be_visible()
    expect(page.locator("[data-role=off-days] input:visible")).to_have_count(2)
    page.get_by_label(f"{TRUCK} Iveco").check()
    page.get_by_label(f"{SPARE} Fiat").check()
    page.select_option(f"select[name=driver_{seeded.truck_id}]", label=DRIVER)
    for label in (f"{TRUCK} · giorno 1", f"{TRUCK} · giorno 2", f"{SPARE} · giorno 2"):
        page.get_by_label(label, exact=True).check()
    page.fill("input[name=time_limit_s]", "2")
    page.get_by_role("button", name="Pianifica la settimana").click()
    page.wait_for_url(re.compile(r"/rounds/week/jobs/\d+$"))
    assert page.get_by_role("heading", name="Pianificazione della settimana").is_visible()
    page.wait_for_url(re.compile(r"/rounds/week/\d+$"), timeout=60_000)  # the page reloads until the week is saved


def test_the_coordinator_plans_the_week_publishes_a_day_and_the_drivers_day_ends_with_the_unload(
    page: Any,
    phone: Any,
    planning_queue: jobs.JobQueue,
    clock: FakeClock,
) -> None:
    seeded = _seed()
    for bin_ in db.session.scalars(select(Bin).order_by(Bin.code).limit(6)):
        bin_.full_weight_kg = 200  # full tomorrow: emptied on the first day, the others when the week likes
    release_db()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # offline: no tiles
    log_in(page, seeded.coordinator_email, factories.DEFAULT_PASSWORD)
    _plan_two_days(page, seeded)

    rows = page.locator("[data-role=week-days] tbody tr")
    assert rows.count() == 2
    first = rows.filter(has=page.locator("td", has_text=(local_today() + timedelta(days=1)).strftime("%d/%m/%Y")))
    assert first.locator("[data-role=trucks]").inner_text() == TRUCK  # the spare truck only on day 2
    assert int(first.locator("td").nth(3).inner_text()) > 0  # bins close to full go tomorrow
    assert first.locator("[data-role=rounds]").inner_text() == "1"  # on one round, of the one truck
    assert (
        page.locator("[data-role=week-total] [data-role=km-per-t]").inner_text().endswith("km per tonnellata raccolta")
    )
    first.get_by_role("link", name=re.compile(r"Piano n\. \d+")).click()
    page.wait_for_url(re.compile(r"/rounds/\d+$"))
    routes = page.locator("details[data-route]")
    assert routes.count() == 1 and routes.first.locator("summary", has_text=DRIVER).count() == 1  # day 1: one truck
    assert page.get_by_text(SPARE).count() == 0
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Pubblica").click()
    page.locator("h1 .badge", has_text="pubblicato").wait_for()

    page.get_by_role("link", name="Torna alla settimana").click()  # the published day can no longer be re-planned
    page.wait_for_url(re.compile(r"/rounds/week/\d+$"))
    assert first.locator(".badge", has_text="pubblicato").count() == 1
    assert first.get_by_role("button", name="Ripianifica questo giorno").count() == 0
    week_url = page.url
    page.goto("/rounds/")  # the plans page leads back to the week from each of its days
    expect(page.locator("[data-role=plans] [data-role=week]")).not_to_have_count(0)
    page.locator("[data-role=plans] [data-role=week]").first.click()
    page.wait_for_url(week_url)

    clock.advance(timedelta(days=1))  # the next morning, on the driver's phone
    release_db()
    log_in(phone, seeded.driver_email, factories.DEFAULT_PASSWORD)
    phone.goto("/driver/")
    phone.locator("#driver-routes a", has_text=TRUCK).click()
    phone.wait_for_url(re.compile(r"/driver/route/\d+$"))
    stops = phone.locator("#stops > li")
    assert stops.count() >= 2
    assert stops.first.get_attribute("data-kind") == "bin"
    last = stops.last
    assert last.get_attribute("data-kind") == "reload"
    assert "Scarico finale" in last.inner_text() and PLANT in last.inner_text()
