"""A citizen on a phone finds the nearest bin by their position and reports it full; the operator sees the report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.collection.models import CitizenReport, FillReading
from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, release_db

pytestmark = [pytest.mark.browser]


def test_a_citizen_finds_the_nearest_bin_by_position_reports_it_full_and_the_operator_sees_it(phone_at, page):
    near = factories.BinFactory(code="VS-0101", lon=9.2160, lat=45.4850, service_hours="07:00-21:00")
    factories.BinFactory(code="VS-0102", lon=9.2330, lat=45.5350)
    operator = factories.UserFactory(role="operator", organisation=near.operator)
    db.session.commit()
    email, code, address, public_code = operator.email, near.code, near.address, near.public_code
    release_db()

    phone = phone_at(45.4851, 9.2159)
    phone.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # offline tiles
    phone.goto("/pubblico/")
    phone.click("#locate")
    phone.wait_for_selector("#near-bins")
    first = phone.locator(".near-bin").first
    assert address in first.inner_text() and "07:00-21:00" in first.inner_text()
    phone.wait_for_selector("#where-map[data-loaded='2']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone

    first.locator("h3 a").click()
    phone.check("input[name=kind][value=full]")
    phone.click("text=Invia la segnalazione")
    assert "Grazie!" in phone.inner_text("[role=status]")
    assert phone.url.endswith(f"/pubblico/contenitori/{public_code}/grazie")  # the QR code, not the id
    report = db.session.scalar(select(CitizenReport))
    assert report.kind == "full" and db.session.scalar(select(FillReading)).fill_percent == 100
    release_db()

    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.wait_for_selector("h1[data-role=operator]")
    page.goto("/collection/citizen-reports")
    row = page.locator("tr[data-report-kind=full]")
    assert code in row.inner_text() and "Contenitore pieno" in row.inner_text()
    row.locator("button[value=handled]").click()
    assert "gestita" in page.inner_text(".alert-success")
    assert db.session.scalar(select(CitizenReport)).status == "handled"
    release_db()
