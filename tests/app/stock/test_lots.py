"""Lots inside the stock: each piece keeps the receipt (and so the sorting fraction) it came from."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.sorting import services as sorting
from app.sorting.models import KgEntry
from app.stock import lots, services
from app.stock.models import StockBalance, StockLotMove, StockMovement
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.sorting.helpers import closed_session, intake, reuse_b_fraction

RECEIVE_FORM = {"category": "maglione", "age_group": "donna", "size_system": "letters", "size": "M",
                "season": "inverno", "grade": "B", "quantity": "4"}  # fmt: skip


def _rows() -> tuple[int, int, int]:
    """Movements, lot rows and kg ledger rows: what a refused receipt must leave as it was."""
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (StockMovement, StockLotMove, KgEntry))


@pytest.fixture
def two_lots():
    """5 pieces from a first fraction, then 3 from a second one, on the same shelf."""
    item, shelf = factories.StockItemFactory(), factories.StockLocationFactory()
    first = services.receive_from_sorting(item, shelf, 5, reuse_b_fraction(), None)
    second = services.receive_from_sorting(item, shelf, 3, reuse_b_fraction(), None)
    return item, shelf, first, second


def test_pieces_leave_oldest_receipt_first_and_a_transfer_carries_its_lots(two_lots):
    item, shelf, first, second = two_lots
    out = services.take_out(item, shelf, 4, "shop", "Mercatino Isola")
    assert lots.lots_of_movement(out) == [(first, 4)]
    moved_out, moved_in = services.transfer(item, shelf, factories.StockLocationFactory(), 3)
    assert lots.lots_of_movement(moved_out) == lots.lots_of_movement(moved_in) == [(first, 1), (second, 2)]
    assert lots.lot_pieces(item, shelf) == [(second, 1)]
    assert lots.lot_pieces(item, moved_in.location) == [(first, 1), (second, 2)]


def test_issued_pieces_come_from_the_lots_on_hand_when_they_are_issued(two_lots):
    item, shelf, first, second = two_lots
    reservation = services.reserve(item, shelf, 6)
    issue = services.issue_reserved(reservation, 6, "NF-00042")
    assert lots.lots_of_movement(issue) == [(first, 5), (second, 1)]
    assert lots.lots_of_movement(reservation) == []  # a reservation moves no piece


def test_a_positive_correction_goes_to_the_lot_that_arrived_last(two_lots):
    item, shelf, _first, second = two_lots
    services.take_out(item, shelf, 8, "recycler", "Tessile Riciclo Prato")
    found = services.adjust(item, shelf, 2, "trovati dietro lo scaffale")
    assert lots.lots_of_movement(found) == [(second, 2)] and lots.lot_pieces(item, shelf) == [(second, 2)]


def test_a_positive_correction_where_no_lot_ever_arrived_is_refused_and_nothing_changes():
    item, shelf = factories.StockItemFactory(), factories.StockLocationFactory()
    before = _rows()
    with pytest.raises(ConflictError, match="Nessun lotto noto") as refused:
        services.adjust(item, shelf, 5, "carico a mano")
    with pytest.raises(ConflictError, match="Nessun lotto noto"):
        services.count(shelf, {item.id: 3}, "inventario di fine mese")
    db.session.rollback()
    assert refused.value.field == "quantity" and _rows() == before
    assert services.ledger_balance(item, shelf) == services.Balance(0, 0)


def test_a_receipt_without_a_source_lot_is_refused():
    item, shelf = factories.StockItemFactory(), factories.StockLocationFactory()
    before = _rows()
    with pytest.raises(ValidationError, match="Indica il lotto") as refused:
        services.receive_from_sorting(item, shelf, 4, None, None)
    assert refused.value.field == "fraction_id" and _rows() == before


def _open_reuse_fraction():
    batch = intake()
    session = sorting.open_session(batch.site_id, [batch.id], None)
    return sorting.add_fraction(session.id, "reuse_b", "300", None)


def _exhausted_fraction():
    fraction = reuse_b_fraction("2")  # 4 pieces of 0,5 kg take all of it
    services.receive_from_sorting(factories.StockItemFactory(), factories.StockLocationFactory(), 4, fraction, None)
    return fraction


@pytest.mark.parametrize(
    ("make_fraction", "message"),
    [
        (lambda: closed_session({"recycle_mixed": "1000"}).fractions[0], "Solo le frazioni di riuso"),
        (_open_reuse_fraction, "non è ancora chiusa"),
        (_exhausted_fraction, "è esaurito"),
    ],
    ids=["recycling", "session-open", "no-kg-left"],
)
def test_the_receive_page_refuses_a_fraction_that_is_not_a_source_lot(client, login_as, make_fraction, message):
    login_as("coordinator")
    fraction, location = make_fraction(), factories.StockLocationFactory()
    db.session.commit()
    before = _rows()
    form = {**RECEIVE_FORM, "location_id": location.id}
    response = post_form(client, f"/stock/receive/{fraction.id}", form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _rows() == before


def test_the_receive_page_of_a_missing_fraction_is_not_found(client, login_as):
    login_as("coordinator")
    assert client.get("/stock/receive/999999").status_code == 404


def test_the_pages_refuse_pieces_found_where_no_lot_ever_arrived(client, login_as):
    login_as("coordinator")
    item, shelf = factories.StockItemFactory(), factories.StockLocationFactory()
    db.session.add(StockBalance(item=item, location=shelf, on_hand=0, reserved=0))  # a row older than lots
    db.session.commit()
    before = _rows()
    form = {"kind": "adjust", "location_id": shelf.id, "quantity": "3", "target_location_id": 0,
            "destination_kind": "household", "counterparty": "", "reason": "trovati in magazzino"}  # fmt: skip
    response = post_form(client, f"/stock/items/{item.id}", form)
    assert response.status_code == 422 and "Nessun lotto noto" in response.get_data(as_text=True)
    url = f"/stock/locations/{shelf.id}/count"
    response = post_form(client, url, {f"count-{item.id}": "2", "reason": "inventario"})
    assert response.status_code == 422 and "Nessun lotto noto" in response.get_data(as_text=True)
    assert _rows() == before


def test_item_and_location_pages_list_the_lots_on_hand_and_what_each_movement_drew(client, login_as, two_lots):
    item, shelf, first, second = two_lots
    services.take_out(item, shelf, 6, "shop", "Mercatino Isola")
    login_as("coordinator")
    for url in (f"/stock/items/{item.id}", f"/stock/locations/{shelf.id}"):
        page = client.get(url).get_data(as_text=True)
        lots_table = page[page.index("data-lots") : page.index("</table>", page.index("data-lots"))]
        assert first.fraction.lot_code not in lots_table  # all five of the first lot are gone
        assert second.fraction.lot_code in lots_table and second.fraction.session.lot_code in lots_table
        assert '<td class="text-end">2</td>' in lots_table
        history = page[page.index('id="movements"') :]
        drawn = history[history.index("Mercatino Isola") :]
        assert f"{first.fraction.lot_code}</a> · {first.fraction.session.lot_code} × 5" in drawn
        assert f"{second.fraction.lot_code}</a> · {second.fraction.session.lot_code} × 1" in drawn
