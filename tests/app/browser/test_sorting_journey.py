"""An operator takes a load from the weighbridge to sorting and into stock, in a real browser."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in

pytestmark = [pytest.mark.browser]


def test_operator_weighs_a_load_sorts_it_with_a_live_balance_and_sees_the_new_stock(page):
    user = factories.UserFactory(role="operator")
    factories.SortingPlantFactory(organisation=user.organisation)
    location = factories.StockLocationFactory(site=factories.WarehouseFactory(organisation=user.organisation))
    db.session.commit()
    email, location_label = user.email, location.label
    log_in(page, email, factories.DEFAULT_PASSWORD)
    page.wait_for_selector("h1[data-role=operator]")

    page.click("text=Impianto di selezione")
    page.click("text=Nuovo carico in ingresso")
    page.fill("input[name=gross_kg]", "4.200")
    page.fill("input[name=tare_kg]", "3.200")
    page.click("input[type=submit][value='Registra carico']")  # the other button lists a vehicle's pickups
    assert "Carico registrato." in page.inner_text(".alert-success")

    page.click("text=Nuova sessione di selezione")
    page.select_option("select[name=batch_ids]", index=0)
    page.click("input[type=submit]")
    page.wait_for_selector("#balance")
    page.select_option("select[name=kind]", "reuse_b")
    page.fill("input[name=weight_kg]", "400")
    page.click("#fraction-form input[type=submit]")
    page.select_option("select[name=kind]", "recycle_mixed")
    page.fill("input[name=weight_kg]", "500")
    assert "non quadra" in page.inner_text("#bal-status")  # 100 kg missing: beyond 2 %
    page.fill("input[name=weight_kg]", "590")
    assert page.inner_text("#bal-diff") == "10,0" and "quadra:" in page.inner_text("#bal-status")
    page.click("#fraction-form input[type=submit]")
    page.click("#close-form input[type=submit]")
    assert "il bilancio di massa quadra" in page.inner_text(".alert-success")

    page.click("#fractions >> text=Carica a magazzino")
    page.select_option("select[name=category]", "giacca")
    page.select_option("select[name=age_group]", "uomo")
    page.select_option("select[name=size_system]", "it")
    page.fill("input[name=size]", "50")
    page.fill("input[name=quantity]", "20")
    page.select_option("select[name=location_id]", label=location_label)
    page.click("input[type=submit]")
    assert "Pezzi caricati a magazzino." in page.inner_text(".alert-success")
    page.click("text=Vedi le scorte")
    row = page.inner_text("#stock tbody tr")
    assert "Giacca" in row and "50" in row and "20" in row
