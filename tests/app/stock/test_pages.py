"""Stock pages: receiving from a fraction, availability with filters, movements, counts, labels, roles."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.stock import services
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.sorting.helpers import reuse_b_fraction


@pytest.fixture
def stock_row():
    item = factories.StockItemFactory(category="cappotto", size_system="it", size="44", age_group="donna")
    location = factories.StockLocationFactory()
    services.receive_from_sorting(item, location, 6, reuse_b_fraction(), None)
    db.session.commit()
    return item, location


@pytest.fixture
def coordinator_stock(login_as, stock_row):
    login_as("coordinator")
    return stock_row


def test_pieces_from_a_grade_b_fraction_are_received_into_stock(client, login_as):
    login_as("coordinator")
    fraction, location = reuse_b_fraction(), factories.StockLocationFactory()
    db.session.commit()
    form = {"category": "maglione", "age_group": "bambina", "size_system": "children", "size": "6 ANNI",
            "season": "inverno", "grade": "B", "quantity": "12", "location_id": location.id}  # fmt: skip
    response = post_form(client, f"/stock/receive/{fraction.id}", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/stock/?category=maglione").get_data(as_text=True)
    assert "6 anni" in page and ">12<" in page


def test_a_size_outside_the_chosen_system_is_refused_on_the_form(client, login_as):
    login_as("coordinator")
    fraction, location = reuse_b_fraction(), factories.StockLocationFactory()
    db.session.commit()
    form = {"category": "maglione", "age_group": "donna", "size_system": "letters", "size": "46",
            "season": "inverno", "grade": "B", "quantity": "3", "location_id": location.id}  # fmt: skip
    response = post_form(client, f"/stock/receive/{fraction.id}", form)
    assert response.status_code == 422 and "non esiste nel sistema scelto" in response.get_data(as_text=True)


def test_stock_filters_by_category_and_size(client, coordinator_stock):
    item, _ = coordinator_stock
    assert f"/stock/items/{item.id}" in client.get("/stock/?category=cappotto&size=44").get_data(as_text=True)
    assert f"/stock/items/{item.id}" not in client.get("/stock/?category=cappotto&size=46").get_data(as_text=True)


def test_social_workers_see_availability_but_not_movements(client, login_as, stock_row):
    item, location = stock_row
    login_as("social_worker")
    page = client.get("/stock/").get_data(as_text=True)
    assert "Nessun capo disponibile" not in page and ">6<" in page and f"/stock/items/{item.id}" not in page
    assert client.get(f"/stock/items/{item.id}").status_code == 403
    assert client.get(f"/stock/locations/{location.id}").status_code == 403


def test_an_adjustment_without_reason_is_refused_on_the_page(client, coordinator_stock):
    item, location = coordinator_stock
    form = {"kind": "adjust", "location_id": location.id, "quantity": "-2", "target_location_id": 0,
            "destination_kind": "household", "counterparty": "", "reason": ""}  # fmt: skip
    response = post_form(client, f"/stock/items/{item.id}", form)
    assert response.status_code == 422 and "motivazione" in response.get_data(as_text=True)
    assert services.balance(item, location).on_hand == 6


def test_taking_out_more_than_available_says_not_enough_stock(client, coordinator_stock):
    item, location = coordinator_stock
    form = {"kind": "out", "location_id": location.id, "quantity": "7", "target_location_id": 0,
            "destination_kind": "shop", "counterparty": "Mercatino Isola", "reason": ""}  # fmt: skip
    response = post_form(client, f"/stock/items/{item.id}", form)
    assert response.status_code == 422 and "Scorte insufficienti" in response.get_data(as_text=True)


def test_a_count_on_the_page_records_the_difference(client, coordinator_stock):
    item, location = coordinator_stock
    url = f"/stock/locations/{location.id}/count"
    response = post_form(client, url, {f"count-{item.id}": "4", "reason": "inventario di novembre"})
    assert response.status_code == 302
    assert services.balance(item, location).on_hand == 4
    history = client.get(f"/stock/locations/{location.id}").get_data(as_text=True)
    assert "inventario di novembre" in history and "-2" in history


@pytest.mark.parametrize("count", ["²", "-1", "4,5", "9" * 5000, "2147483648"])
def test_a_count_that_is_not_a_whole_number_is_refused_and_changes_nothing(client, coordinator_stock, count):
    item, location = coordinator_stock
    url = f"/stock/locations/{location.id}/count"
    response = post_form(client, url, {f"count-{item.id}": count, "reason": "inventario"})
    assert response.status_code == 422
    assert "Le quantità contate devono essere numeri interi non negativi." in response.get_data(as_text=True)
    assert services.balance(item, location).on_hand == 6


def test_location_label_has_a_qr_code(client, coordinator_stock):
    _, location = coordinator_stock
    page = client.get(f"/stock/locations/{location.id}/label").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and location.code in page


def test_stock_csv_uses_semicolons_and_decimal_commas(client, coordinator_stock):
    text = client.get("/stock/export.csv").get_data(as_text=True)
    assert text.startswith("\ufeffCategoria;") and "Cappotto;Donna;44;" in text and ";3,000" in text
