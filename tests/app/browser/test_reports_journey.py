"""The coordinator's reports in a real browser: the dashboard, the KPI page, a filter, an export, the monthly PDF."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.collection.models import Pickup
from app.core.clock import utcnow
from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, nav_to

pytestmark = [pytest.mark.browser]
SESTO = "015209"


def _seed() -> tuple[str, int]:
    """Today's published round with one stop done; 120,5 kg at a Milano bin and 80 kg at a Sesto bin this month."""
    coordinator = factories.UserFactory(role="coordinator")
    route = factories.driver_round(factories.UserFactory(role="driver"), stops=2)
    route.stops[0].status = "done"
    earlier = utcnow() - timedelta(hours=2)
    db.session.add(Pickup(bin=factories.BinFactory(code="MI-J1"), collected_at=earlier, weight_kg=Decimal("120.5")))
    sesto = factories.BinFactory(code="SS-J1", comune_code=SESTO)
    db.session.add(Pickup(bin=sesto, collected_at=earlier, weight_kg=Decimal("80")))
    db.session.commit()
    return coordinator.email, route.id


def test_the_coordinator_reads_the_dashboard_filters_the_kpis_exports_and_downloads_the_monthly_pdf(page: Any):
    email, route_id = _seed()
    log_in(page, email, factories.DEFAULT_PASSWORD)

    page.wait_for_selector("h1[data-role=coordinator]")
    assert page.inner_text(f"#todays-rounds tr[data-route='{route_id}']").count("1 di 2") == 1
    assert "200,5 kg" in page.inner_text("#month-kg")

    nav_to(page, "Indicatori")
    page.wait_for_selector("#kpi-summary")
    assert page.inner_text("[data-kpi=kg]").startswith("200,5")

    page.select_option("#kpi-filters select[name=comune_code]", label="Milano")
    page.click("#kpi-filters button[type=submit]")
    page.wait_for_url("**comune_code=015146**")
    assert page.inner_text("[data-kpi=kg]").startswith("120,5")

    with page.expect_download() as csv:
        page.click("#kpi-comuni >> text=CSV")
    text = Path(csv.value.path()).read_text(encoding="utf-8-sig")
    assert "Milano" in text and "120,5" in text and "Sesto San Giovanni" not in text

    with page.expect_download() as pdf:
        page.click("text=Rapporto mensile (PDF)")
    assert pdf.value.suggested_filename.startswith("fitmi_rapporto_mensile_")
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
