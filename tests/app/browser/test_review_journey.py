"""The coordinator's review of a plan in a real browser (desktop): what is left out, routes that collapse,
a publication that asks first and refuses a route without a driver, and a plan frozen once published."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.rounds import jobs
from app.rounds.models import RoundPlan, UnassignedStop
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db
from tests.app.browser.test_rounds_journey import (
    SPARE,
    SPARE_DRIVER,
    _move_last_stop_to_the_spare_truck,
    _plan_tomorrow,
    _seed,
)
from tests.app.conftest import FakeClock

pytestmark = [pytest.mark.browser]
REASON = "Obbligatorio ma senza capacità o tempo residuo nei turni dei veicoli scelti"


def _leave_out_two_bins() -> None:
    """Two required bins the plan could not take (as a plan for a full day records them)."""
    plan = db.session.scalars(select(RoundPlan)).one()
    org = plan.routes[0].vehicle.organisation
    for code in ("VS-901", "VS-902"):
        bin_ = factories.BinFactory(code=code, operator=org)
        db.session.flush()
        plan.unassigned.append(UnassignedStop(bin_id=bin_.id, required=True, planned_kg=240, reason=REASON))
    db.session.commit()
    release_db()


def test_the_coordinator_reviews_what_is_left_out_and_publishes_only_with_drivers_and_confirmation(
    page: Any,
    planning_queue: jobs.JobQueue,
    clock: FakeClock,
) -> None:
    seeded = _seed()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    log_in(page, seeded.coordinator_email, factories.DEFAULT_PASSWORD)
    _plan_tomorrow(page, seeded)
    _leave_out_two_bins()
    page.reload()

    summary = page.locator("[data-role=summary]")
    assert "2 contenitori obbligatori lasciati fuori" in summary.inner_text()
    assert "480 kg" in summary.inner_text() and "senza capacità o tempo residuo" in summary.inner_text()
    assert page.locator("#plan-map").is_visible()

    section = page.locator("details[data-route]").first
    table = section.locator("table")
    assert table.is_visible()
    section.locator("summary").click()
    assert not table.is_visible()  # collapsed
    section.locator("summary").click()
    assert table.is_visible()

    _move_last_stop_to_the_spare_truck(page)  # the spare truck, without a driver, now has work
    page.get_by_role("button", name="Pubblica").click()  # not ticked: the browser holds the form back
    assert page.locator("input[name=confirm]").evaluate("e => e.validity.valueMissing")
    assert page.locator("h1 .badge").inner_text() == "bozza"

    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Pubblica").click()
    refusal = page.locator(".alert", has_text="Non si può pubblicare")
    refusal.wait_for()
    assert SPARE in refusal.inner_text()
    assert page.locator("h1 .badge").inner_text() == "bozza"

    spare = page.locator("details[data-route]", has_text=f"{SPARE} Fiat Ducato")
    spare.locator("select[name=driver_id]").select_option(label=SPARE_DRIVER)
    spare.get_by_role("button", name="Assegna").click()
    page.get_by_text("Autista assegnato.").wait_for()
    assert "Senza autista" not in page.locator("[data-role=publish-warnings]").inner_text()
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Pubblica").click()
    page.locator("h1 .badge", has_text="pubblicato").wait_for()

    assert page.locator("[data-role=edit-form]").count() == 0 and page.locator("[data-role=driver-form]").count() == 0
    assert page.get_by_role("button", name="Ripianifica da adesso").is_visible()
    token = page.locator("[data-role=read-only] input[name=csrf_token]").get_attribute("value")
    plan_url = page.url
    stop_id = page.locator("tr[data-stop]").first.get_attribute("data-stop")
    refused = page.request.post(
        plan_url + "/edit", form={"csrf_token": token, "version": "99", "stop_id": stop_id, "action": "lock"}
    )
    assert refused.status == 409
