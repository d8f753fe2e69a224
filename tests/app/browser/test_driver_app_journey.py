"""The driver's app on a phone: today's and tomorrow's rounds, progress, «Fatto» taken back, the kg on board."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.collection.models import Pickup
from app.core.clock import local_today
from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db

pytestmark = [pytest.mark.browser]


def _seed() -> tuple[str, int, list[int], int]:
    """A driver with a round of three bins and an unload today, and a round tomorrow."""
    driver = factories.UserFactory(role="driver", full_name="Luca Ferrari")
    route = factories.driver_round(driver, stops=3, service_date=local_today())
    factories.RouteStopFactory(route=route, sequence=4, kind="reload", site=factories.SortingPlantFactory(), bin=None)
    tomorrow = factories.driver_round(driver, stops=2, service_date=local_today() + timedelta(days=1))
    db.session.commit()
    found = driver.email, route.id, [s.id for s in route.stops], tomorrow.id
    release_db()
    return found


def test_driver_follows_progress_undoes_a_stop_and_sees_the_kg_on_board(phone: Any) -> None:
    email, route_id, stop_ids, tomorrow_id = _seed()
    log_in(phone, email, factories.DEFAULT_PASSWORD)
    phone.goto("/driver/")
    assert phone.locator("#driver-routes-tomorrow a").count() == 1
    assert (local_today() + timedelta(days=1)).strftime("%d/%m/%Y") in phone.locator(
        "#driver-routes-tomorrow"
    ).inner_text()

    phone.locator("#driver-routes-tomorrow a").click()  # tomorrow: to read, not to act
    phone.wait_for_url(f"**/driver/route/{tomorrow_id}")
    assert phone.locator(".js-done").count() == 0

    phone.goto(f"/driver/route/{route_id}")
    phone.locator("html[data-sync-idle]").wait_for(state="attached")
    assert phone.locator("#progress-text").inner_text() == "0 di 4"
    phone.locator("#next-stop").click()
    assert phone.url.endswith(f"#stop-{stop_ids[0]}")

    first = phone.locator(f"#stop-{stop_ids[0]}")
    first.locator("summary", has_text="Fatto").click()
    first.locator("input[name=weight_kg]").fill("120,5")
    first.get_by_role("button", name="Conferma fatto").click()
    first.locator(".stop-outcome", has_text="Fatto: 120,5 kg").wait_for()
    assert phone.locator("#progress-text").inner_text() == "1 di 4"
    assert phone.locator("#next-stop").get_attribute("href") == f"#stop-{stop_ids[1]}"

    first.get_by_role("button", name="Annulla").click()  # a wrong stop: taken back within minutes
    first.locator(".stop-status", has_text="Da fare").wait_for()
    phone.locator("#sync-status").wait_for(state="hidden")
    assert phone.locator("#progress-text").inner_text() == "0 di 4"
    release_db()
    assert db.session.scalars(select(Pickup.superseded)).all() == [True]
    release_db()

    second = phone.locator(f"#stop-{stop_ids[1]}")
    second.locator("summary", has_text="Fatto").click()
    second.locator("input[name=weight_kg]").fill("80")
    second.get_by_role("button", name="Conferma fatto").click()
    phone.locator("#sync-status").wait_for(state="hidden")
    phone.reload()
    assert "A bordo: 80 kg raccolti" in phone.locator(f"#stop-{stop_ids[3]}").inner_text()
    assert phone.locator("#progress-text").inner_text() == "1 di 4"
