"""An operator triages on a phone: the fullest bins first, the map's list following the zoom, a pickup found by its
code and corrected at once, no pickup offered at an inaccessible bin; then imports a file with 330,5 at a desk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.bins.models import BinStatus
from app.collection import services
from app.extensions import db
from tests.app import factories
from tests.app.bins.conftest import GOOD_ROWS, csv_bytes
from tests.app.browser.conftest import log_in, release_db

pytestmark = [pytest.mark.browser]
RHO = "015182"
SESTO = "015209"


def _operator_with_bins() -> tuple[str, dict[str, int]]:
    user = factories.UserFactory(role="operator")
    org = user.organisation
    places = {
        "VS-001": (factories.MILANO, 9.1905, 45.4640, "20122", 40),
        "VS-002": (RHO, 9.0400, 45.5290, "20017", 130),
        "VS-003": (SESTO, 9.2340, 45.5355, "20099", 75),
    }
    ids = {}
    for code, (comune, lon, lat, cap, percent) in places.items():
        bin_ = factories.BinFactory(code=code, operator=org, comune_code=comune, lon=lon, lat=lat, cap=cap)
        services.record_fill_reading(bin_.id, percent, user)
        ids[code] = bin_.id
    closed = factories.BinFactory(
        code="VS-009", operator=org, status=BinStatus.INACCESSIBLE, lon=9.1890, lat=45.4660, cap="20121"
    )
    ids["VS-009"] = closed.id
    db.session.commit()
    email = user.email
    release_db()
    return email, ids


def _list_codes(page: Any) -> list[str]:
    return [c.strip() for c in page.locator("#bins tbody tr td:first-child a").all_inner_texts()]


def test_operator_triages_on_a_phone(phone: Any) -> None:
    email, ids = _operator_with_bins()
    log_in(phone, email, factories.DEFAULT_PASSWORD)
    phone.wait_for_selector("h1[data-role=operator]")

    phone.goto("/bins/")
    phone.click("a[data-sort=fill]")
    phone.wait_for_selector("th[aria-sort=descending] a[data-sort=fill]")
    assert _list_codes(phone)[:3] == ["VS-002", "VS-003", "VS-001"]
    fill = phone.locator("#bins tbody tr:first-child .fill-cell").bounding_box()
    assert fill is not None and fill["x"] + fill["width"] <= 390  # on screen without scrolling sideways
    assert phone.locator("#bins tbody tr:first-child .over-capacity").inner_text() == "oltre la capienza"

    phone.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # offline: no tiles
    phone.goto("/bins/map?comune=Rho")
    phone.wait_for_selector("#bin-map[data-loaded='1']")
    phone.goto("/bins/map")
    phone.wait_for_selector("#bin-map[data-loaded='4']")
    phone.wait_for_selector("#map-list[data-in-view='4']", state="attached")
    zoom = int(phone.get_attribute("#bin-map", "data-zoom") or "0")
    for step in (1, 2):  # each step waited for: the list is then of the settled view
        phone.click(".leaflet-control-zoom-in")
        phone.wait_for_selector(f"#bin-map[data-zoom='{zoom + step}']", state="attached")
    # the bins at the edges of the first view leave it, and the list with them
    phone.wait_for_selector("#map-list:not([data-in-view='4'])", state="attached")
    in_view = int(phone.get_attribute("#map-list", "data-in-view") or "-1")
    assert 0 <= in_view < 4 and phone.locator("#map-list li").count() == in_view
    said = "Un contenitore" if in_view == 1 else f"{in_view} contenitori"
    assert f"{said} nella vista" in phone.inner_text("#map-list-count")

    phone.goto(f"/bins/{ids['VS-009']}")
    assert phone.locator("text=Registra svuotamento").count() == 0
    assert "non si registrano svuotamenti" in phone.inner_text("#no-pickup")

    phone.goto("/collection/pickups/new")
    phone.locator("#code").press_sequentially("vs-00")
    phone.wait_for_selector("#bin-suggestions option[value='VS-001']", state="attached")
    phone.fill("#code", "VS-002")
    phone.wait_for_selector("#bin-found:has-text('Rho')")
    scan = phone.locator("#scan-start")
    assert scan.is_visible() or "scrivi il codice" in phone.inner_text("#scan-status")
    phone.fill("input[name=weight_kg]", "98,5")
    phone.click("input[type=submit]")
    assert "Svuotamento registrato: contenitore VS-002" in phone.inner_text(".alert-success")
    phone.click("#last-saved >> text=Correggi")
    phone.wait_for_selector("h1:has-text('Correggi svuotamento')")
    assert phone.input_value("input[name=weight_kg]") == "98,5"


def test_operator_imports_with_a_decimal_comma_and_the_template(page: Any, tmp_path: Path) -> None:
    user = factories.UserFactory(role="operator")
    db.session.commit()
    email = user.email
    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.wait_for_selector("h1[data-role=operator]")

    page.goto("/bins/import")
    with page.expect_download() as download:
        page.click("#template-link")
    saved = tmp_path / "modello.csv"
    download.value.save_as(saved)
    assert saved.read_bytes().decode("utf-8-sig").startswith("codice;operatore;flusso;")

    bad = GOOD_ROWS[1].replace(";riuso;", ";tessuti;")
    _upload(page, csv_bytes(GOOD_ROWS[0].replace(";2000;250;", ";2000;330,5;"), bad))
    assert "scrivi uno di «riuso», «recupero_materia»" in page.inner_text("#row-errors")

    _upload(page, csv_bytes(GOOD_ROWS[0].replace(";2000;250;", ";2000;330,5;")))
    assert "1 contenitore nuovo" in page.inner_text(".alert-success")
    assert "arrotondato a 331" in page.inner_text("#rows")
    assert "Milano" in page.inner_text("#rows td.comune")


def _upload(page: Any, content: bytes) -> None:
    page.goto("/bins/import")
    page.set_input_files(
        "input[name=file]", files=[{"name": "contenitori.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.click("text=Mostra anteprima")
