"""An operator imports bins from a CSV with a bad row, fixes it, sees the bins on the map, logs a pickup by phone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.extensions import db
from tests.app import factories
from tests.app.bins.conftest import GOOD_ROWS, csv_bytes
from tests.app.browser.conftest import log_in, release_db

pytestmark = [pytest.mark.browser]
BAD_ROW = GOOD_ROWS[1].replace(";20099;", ";2009;")  # a CAP with four digits, on line 3


def _count(model: type) -> int:
    count = db.session.scalar(select(func.count()).select_from(model)) or 0
    release_db()
    return count


def _upload(page, content: bytes) -> None:
    page.goto("/bins/import")
    page.set_input_files(
        "input[name=file]", files=[{"name": "contenitori.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.click("text=Mostra anteprima")


def test_operator_imports_fixes_a_bad_row_sees_the_map_and_logs_a_pickup_by_phone(page, phone):
    user = factories.UserFactory(role="operator")
    db.session.commit()
    email, org_id = user.email, user.organisation_id
    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.wait_for_selector("h1[data-role=operator]")

    _upload(page, csv_bytes(GOOD_ROWS[0], BAD_ROW, GOOD_ROWS[2]))
    errors = page.inner_text("#row-errors")
    assert "3\tcap\tCAP non valido" in errors
    assert page.locator("text=Conferma importazione").count() == 0
    assert _count(Bin) == 0

    _upload(page, csv_bytes(*GOOD_ROWS))
    assert "3 contenitori nuovi" in page.inner_text(".alert-success")
    page.click("text=Conferma importazione")
    assert "3 contenitori nuovi, 0 aggiornati" in page.inner_text(".alert-success")
    assert _count(Bin) == 3

    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # offline: no tiles
    page.goto("/bins/map")
    page.wait_for_selector("#bin-map[data-loaded='3']")
    assert page.locator("#map-list li").count() == 3
    assert "OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    page.wait_for_selector("text=Sfondo della mappa non raggiungibile")

    log_in(phone, email, factories.DEFAULT_PASSWORD)
    phone.wait_for_selector("h1[data-role=operator]")
    phone.goto(f"/collection/pickups/new?code=VS-001&operator={org_id}")
    phone.fill("input[name=weight_kg]", "123,5")
    phone.check("input[name=incidents][value=overflow]")
    phone.fill("textarea[name=notes]", "Sacchi a terra")
    phone.click("text=Registra svuotamento")
    assert "Svuotamento registrato: contenitore VS-001" in phone.inner_text(".alert-success")
    pickup = db.session.scalar(select(Pickup))
    assert float(pickup.weight_kg) == 123.5 and pickup.incident_codes == ["overflow"]
    release_db()
