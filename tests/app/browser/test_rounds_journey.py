"""Collection rounds end to end in a real browser: the driver works offline and nothing is counted twice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.collection.models import Pickup
from app.extensions import db
from app.rounds.driver_services import local_today
from app.rounds.models import RouteStop
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db


def _pickups() -> int:
    count = db.session.scalar(select(func.count()).select_from(Pickup).where(Pickup.source == "round"))
    release_db()
    return count


def _statuses(route_id: int) -> list[str]:
    query = select(RouteStop.status).where(RouteStop.route_id == route_id).order_by(RouteStop.sequence)
    statuses = list(db.session.scalars(query))
    release_db()
    return statuses


def _mark_done(phone: Any, stop_id: int, field: str, value: str) -> None:
    card = phone.locator(f"#stop-{stop_id}")
    card.locator("summary", has_text="Fatto").click()
    card.locator(f"input[name={field}]").fill(value)
    card.get_by_role("button", name="Conferma fatto").click()


def _skip(phone: Any, stop_id: int, reason: str) -> None:
    card = phone.locator(f"#stop-{stop_id}")
    card.locator("summary", has_text="Salta").click()
    card.locator("select[name=reason]").select_option(reason)
    card.get_by_role("button", name="Conferma salto").click()


def test_driver_marks_stops_offline_and_they_sync_exactly_once(phone: Any) -> None:
    driver = factories.UserFactory(role="driver")
    route = factories.driver_round(driver, stops=4, service_date=local_today())
    route_id, stop_ids, email = route.id, [s.id for s in route.stops], driver.email
    log_in(phone, email, factories.DEFAULT_PASSWORD)
    phone.goto("/driver/")
    phone.locator("#driver-routes a").first.click()
    phone.wait_for_url(f"**/driver/route/{route_id}")
    phone.wait_for_function("document.documentElement.dataset.offlineReady === 'true'")  # sheet cached
    phone.wait_for_function("document.documentElement.dataset.syncIdle")

    phone.context.set_offline(True)
    phone.reload()  # the sheet comes from the service worker's cache
    phone.locator(f"#stop-{stop_ids[0]}").wait_for()
    _mark_done(phone, stop_ids[0], "weight_kg", "120,5")
    _mark_done(phone, stop_ids[1], "fill_percent", "80")
    _skip(phone, stop_ids[2], "no_time")
    assert phone.locator("#sync-count").inner_text() == "3"
    assert phone.locator("#sync-status").is_visible()
    assert phone.locator(f"#stop-{stop_ids[0]} .stop-status").inner_text() == "In attesa di invio"
    assert _pickups() == 0

    phone.context.set_offline(False)
    phone.locator("#sync-status").wait_for(state="hidden")
    assert phone.locator(f"#stop-{stop_ids[0]} .stop-outcome").inner_text() == "Fatto: 120,5 kg"
    assert _pickups() == 2
    assert _statuses(route_id) == ["done", "done", "skipped", "pending"]

    phone.reload()  # a second sync pass (page load) finds nothing to send
    phone.wait_for_function("document.documentElement.dataset.syncIdle")
    assert phone.locator(f"#stop-{stop_ids[2]} .stop-status").inner_text() == "Saltato"
    assert _pickups() == 2


@pytest.mark.xfail(reason="coordinator half pending: the planning pages (/rounds/plan/new, review) are not ready yet")
def test_coordinator_plans_tomorrow_moves_a_stop_and_publishes(page: Any) -> None:
    coordinator = factories.UserFactory(role="coordinator")
    email = coordinator.email
    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.goto("/rounds/plan/new")
    page.get_by_role("button", name="Pianifica").click()
    page.get_by_role("button", name="Pubblica").click()
    assert db.session.scalar(select(func.count()).select_from(RouteStop)) > 0
