"""The stock ledger: reservations, issues, transfers, adjustments, counts, and the sizes of garments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.sorting import ledger as kg_ledger
from app.sorting import outbound
from app.stock import items, services, sizes
from app.stock.models import StockMovement
from tests.app import factories
from tests.app.sorting.helpers import reuse_b_fraction


@pytest.fixture
def stocked():
    """An item with 10 pieces received from a grade-B fraction."""
    item, location = factories.StockItemFactory(), factories.StockLocationFactory()
    services.receive_from_sorting(item, location, 10, reuse_b_fraction(), None)
    return item, location


def _movements() -> int:
    return db.session.scalar(select(func.count()).select_from(StockMovement))


def test_pieces_received_from_sorting_take_their_estimated_kilos_from_the_fraction(stocked):
    item, location = stocked
    receipt = db.session.scalar(select(StockMovement))
    fraction = receipt.fraction
    assert receipt.kg_entry.kind == "to_stock" and receipt.kg_entry.delta_kg == Decimal(-5)
    assert receipt.kg_entry.fraction_id == fraction.id
    assert services.balance(item, location) == services.Balance(10, 0)
    assert kg_ledger.fraction_balance_kg(fraction.id) == Decimal(195)  # 200 kg − 10 × 0,5 kg
    assert outbound.reconcile().closes


def test_only_reuse_fractions_become_stock():
    fraction = reuse_b_fraction()
    recycling = next(f for f in fraction.session.fractions if f.kind == "recycle_mixed")
    with pytest.raises(ValidationError):
        services.receive_from_sorting(
            factories.StockItemFactory(), factories.StockLocationFactory(), 1, recycling, None
        )


def test_reserve_then_issue_to_a_household(stocked):
    item, location = stocked
    reservation = services.reserve(item, location, 4)
    assert services.balance(item, location).available == 6
    issued = services.issue_reserved(reservation, 3, counterparty="NF-00042")
    assert services.balance(item, location) == services.Balance(7, 1)
    released = services.release(reservation)
    assert released.reserved_delta == -1
    assert issued.reservation_id == released.reservation_id == reservation.id
    assert services.release(reservation) is None
    assert services.balance(item, location) == services.ledger_balance(item, location) == services.Balance(7, 0)


def test_reserving_more_than_available_is_refused_with_not_enough_stock(stocked):
    item, location = stocked
    services.reserve(item, location, 8)
    with pytest.raises(ConflictError, match="Scorte insufficienti"):
        services.reserve(item, location, 3)


def test_moving_reserved_stock_is_refused_and_nothing_changes(stocked):
    item, location = stocked
    services.reserve(item, location, 8)
    before = _movements()
    with pytest.raises(ConflictError, match="riservati"):
        services.take_out(item, location, 5, "shop", "Mercatino Isola")
    with pytest.raises(ConflictError, match="riservati"):
        services.transfer(item, location, factories.StockLocationFactory(), 3)
    assert _movements() == before and services.balance(item, location) == services.Balance(10, 8)


def test_issuing_more_than_the_reservation_holds_is_refused(stocked):
    item, location = stocked
    first = services.reserve(item, location, 2)
    services.reserve(item, location, 5)
    with pytest.raises(ConflictError, match="solo 2 pezzi"):
        services.issue_reserved(first, 3, counterparty="NF-1")


def test_only_a_reserve_movement_can_be_settled(stocked):
    receipt = db.session.scalar(select(StockMovement))
    with pytest.raises(ValidationError, match="prenotazione"):
        services.release(receipt)


def test_transfer_moves_pieces_between_locations(stocked):
    item, location = stocked
    target = factories.StockLocationFactory()
    out, into = services.transfer(item, location, target, 4)
    assert services.balance(item, location).on_hand == 6 and services.balance(item, target).on_hand == 4
    assert into.transfer_out_id == out.id and out.transfer_out_id is None


@pytest.mark.parametrize("reason", ["", "  ", "x"])
def test_adjustments_need_a_reason(stocked, reason):
    item, location = stocked
    with pytest.raises(ValidationError, match="motivazione"):
        services.adjust(item, location, -1, reason)


def test_adjustment_cannot_go_below_zero(stocked):
    item, location = stocked
    with pytest.raises(ConflictError, match="Scorte insufficienti"):
        services.adjust(item, location, -11, "capi rovinati dall'umidità")


@pytest.mark.parametrize("quantity", [0, -1, 2.5, True])
def test_quantities_must_be_positive_whole_pieces(stocked, quantity):
    item, location = stocked
    with pytest.raises(ValidationError):
        services.take_out(item, location, quantity, "household", "NF-1")


def test_a_count_writes_one_movement_per_difference_with_who_and_why(stocked):
    item, location = stocked
    other = factories.StockItemFactory()
    services.receive_from_sorting(other, location, 1, reuse_b_fraction(), None)
    user = factories.UserFactory(role="coordinator")
    moves = services.count(location, {item.id: 7, other.id: 3}, "inventario di fine mese", user)
    assert [(m.item_id, m.on_hand_delta, m.kind) for m in moves] == [(item.id, -3, "count"), (other.id, 2, "count")]
    assert all(m.user_id == user.id and m.reason == "inventario di fine mese" for m in moves)
    assert moves[0].count_id == moves[1].count_id and moves[0].count.location_id == location.id
    assert services.count(location, {item.id: 7}, "ricontrollo", user) == []


def test_sizes_must_belong_to_the_chosen_system():
    data = items.ItemData("maglione", "donna", "letters", "xl", "inverno", "B")
    assert items.find_or_create_item(data).size == "XL"
    with pytest.raises(ValidationError, match="non esiste"):
        items.find_or_create_item(items.ItemData("maglione", "donna", "letters", "44", "inverno", "B"))
    with pytest.raises(ValidationError, match="non esiste"):
        items.find_or_create_item(items.ItemData("scarpe", "bambino", "shoes_eu", "50", "tutto", "B"))


def test_size_systems_and_adjacent_sizes():
    assert sizes.sizes("letters") == ("XS", "S", "M", "L", "XL", "XXL", "XXXL")
    assert sizes.sizes("it")[0] == "38" and sizes.sizes("it")[-1] == "60"
    assert sizes.sizes("children")[0] == "0-3m" and sizes.sizes("children")[-1] == "14 anni"
    assert sizes.sizes("shoes_eu")[0] == "16" and sizes.sizes("shoes_eu")[-1] == "48"
    assert sizes.adjacent_sizes("letters", "M") == ["S", "L"]
    assert sizes.adjacent_sizes("shoes_eu", "16", steps=2) == ["17", "18"]
    assert sizes.adjacent_sizes("children", "2 anni") == ["18-24m", "3 anni"]


def test_pieces_weighing_more_than_the_fraction_holds_are_refused_and_nothing_is_written():
    fraction = reuse_b_fraction("10")  # 10 kg: at most 20 pieces of 0,5 kg
    item, location = factories.StockItemFactory(), factories.StockLocationFactory()
    with pytest.raises(ConflictError, match="solo 10,0 kg"):
        services.receive_from_sorting(item, location, 21, fraction, None)
    assert _movements() == 0 and services.balance(item, location) == services.Balance(0, 0)
