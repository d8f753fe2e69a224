"""Property: any sequence of valid and invalid movements leaves balances equal to the accepted movements.

And the lots inside the stock follow the same sequence: per (item, location) the lot rows sum to the
balance, no lot goes below zero, draws take the oldest receipt first, and every piece that left stock
is attributed to a receipt from an existing sorting fraction.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.sorting.models import Fraction
from app.stock import lots, services
from app.stock.models import StockBalance, StockItem, StockLocation, StockLotMove, StockMovement
from tests.app import factories
from tests.app.sorting.helpers import reuse_b_fraction

SLOTS = [0, 1, 2]  # reservations addressed by the tests (a new reserve in a slot replaces the slot's last one)
OPERATIONS = st.one_of(
    st.tuples(st.just("receive"), st.integers(-1, 8), st.integers(0, 1)),
    st.tuples(st.just("adjust"), st.integers(-6, 8), st.integers(0, 1)),
    st.tuples(st.just("out"), st.integers(-1, 6), st.integers(0, 1)),
    st.tuples(st.just("reserve"), st.integers(-1, 6), st.integers(0, 2)),
    st.tuples(st.just("release"), st.integers(-1, 4), st.integers(0, 2)),
    st.tuples(st.just("issue"), st.integers(-1, 4), st.integers(0, 2)),
    st.tuples(st.just("transfer"), st.integers(-1, 6), st.integers(0, 1)),
)


class Model:
    """The expected state, computed independently of the ledger: pieces per location, reservations per slot."""

    def __init__(self) -> None:
        self.on_hand = [0, 0]
        self.held = dict.fromkeys(SLOTS, 0)  # reservations live at location 0
        self.replaced = 0  # still held by reservations no slot addresses any more
        self.lots: list[dict[int, int]] = [{}, {}]  # per location: receipt id -> pieces, in arrival order
        self.arrived: list[int | None] = [None, None]  # per location: the lot that arrived last

    def _add(self, loc: int, receipt_id: int, pieces: int) -> None:
        self.lots[loc][receipt_id] = self.lots[loc].get(receipt_id, 0) + pieces
        self.arrived[loc] = receipt_id

    def _draw(self, loc: int, quantity: int) -> list[tuple[int, int]]:
        drawn = []
        for receipt_id in sorted(self.lots[loc]):
            take = min(quantity, self.lots[loc][receipt_id])
            if take:
                drawn.append((receipt_id, take))
                self.lots[loc][receipt_id] -= take
                quantity -= take
        return drawn

    def apply_lots(self, name: str, qty: int, loc: int, receipt_id: int | None) -> None:
        """What the lots of an accepted operation become (reservations leave them alone)."""
        if name == "receive" and receipt_id is not None:
            self._add(loc, receipt_id, qty)
        elif name == "adjust" and qty > 0:
            self._add(loc, self.arrived[loc], qty)  # type: ignore[arg-type]
        elif name in ("adjust", "out"):
            self._draw(loc, abs(qty))
        elif name == "issue":
            self._draw(0, qty)
        elif name == "transfer":
            for drawn_id, pieces in self._draw(loc, qty):
                self._add(1 - loc, drawn_id, pieces)

    def reserved(self, index: int) -> int:
        return sum(self.held.values()) + self.replaced if index == 0 else 0

    def free(self, index: int) -> int:
        return self.on_hand[index] - self.reserved(index)

    def apply(self, name: str, qty: int, index: int) -> bool:
        """Apply the operation if valid; whether it was."""
        loc, ref = index % 2, SLOTS[index]
        valid = {
            "receive": qty > 0,
            "adjust": qty != 0 and self.free(loc) + qty >= 0 and (qty < 0 or self.arrived[loc] is not None),
            "out": 0 < qty <= self.free(loc),
            "reserve": 0 < qty <= self.free(0),
            "release": 0 < qty <= self.held[ref],
            "issue": 0 < qty <= self.held[ref],
            "transfer": 0 < qty <= self.free(loc),
        }[name]
        if valid:
            if name in ("receive", "adjust", "out", "transfer"):
                self.on_hand[loc] += -qty if name in ("out", "transfer") else qty
                if name == "transfer":
                    self.on_hand[1 - loc] += qty
            elif name == "reserve":
                self.replaced += self.held[ref]
                self.held[ref] = qty
            else:
                self.held[ref] -= qty
                self.on_hand[0] -= qty if name == "issue" else 0
        return valid


def _apply(item, locations, reservations, operation, fraction) -> object:
    """Run one operation through the services; what it returned, or False when it was refused."""
    name, qty, index = operation
    location, other, held = locations[index % 2], locations[1 - index % 2], reservations.get(SLOTS[index])
    calls = {
        "receive": lambda: services.receive_from_sorting(item, location, qty, fraction, None),
        "adjust": lambda: services.adjust(item, location, qty, "verifica periodica"),
        "out": lambda: services.take_out(item, location, qty, "shop", "Mercatino"),
        "reserve": lambda: services.reserve(item, locations[0], qty),
        "release": lambda: services.release(held, qty),
        "issue": lambda: services.issue_reserved(held, qty, "NF-1"),
        "transfer": lambda: services.transfer(item, location, other, qty),
    }
    if name in ("release", "issue") and held is None:
        return False
    try:
        done = calls[name]()
    except DomainError:
        return False
    if name == "reserve":
        reservations[SLOTS[index]] = done
    return done or True


def _lots_follow_the_model(item, locations, model: Model) -> None:
    for index, location in enumerate(locations):
        on_hand = lots.lot_pieces(item, location)
        assert sum(share.pieces for share in on_hand) == services.balance(item, location).on_hand
        assert {share.receipt.id: share.pieces for share in on_hand} == {
            r: p for r, p in model.lots[index].items() if p
        }
    per_lot = select(func.sum(StockLotMove.pieces)).group_by(
        StockLotMove.item_id, StockLotMove.location_id, StockLotMove.receipt_id
    )
    assert all(total >= 0 for total in db.session.scalars(per_lot))
    gone = db.session.scalars(select(StockMovement).where(StockMovement.kind.in_(("out", "issue"))))
    for movement in gone:
        shares = lots.lots_of_movement(movement)
        assert sum(share.pieces for share in shares) == -movement.on_hand_delta
        assert all(db.session.get(Fraction, share.receipt.fraction_id) for share in shares)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=25))
def test_balances_equal_the_sum_of_accepted_movements_and_never_go_negative(operations):
    for table in (StockLotMove, StockMovement, StockBalance, StockItem, StockLocation):
        db.session.query(table).delete()
    item = factories.StockItemFactory()  # 0,5 kg a piece: the fraction's 400 kg hold every receipt
    locations = [factories.StockLocationFactory(), factories.StockLocationFactory()]
    fraction = reuse_b_fraction("400")
    model, reservations = Model(), {}
    for operation in operations:
        done = _apply(item, locations, reservations, operation, fraction)
        assert bool(done) == model.apply(*operation)
        if done:
            receipt_id = done.id if operation[0] == "receive" else None
            model.apply_lots(operation[0], operation[1], operation[2] % 2, receipt_id)
        _lots_follow_the_model(item, locations, model)
        for index, location in enumerate(locations):
            cached = services.balance(item, location)
            assert cached == services.ledger_balance(item, location)
            assert cached == services.Balance(model.on_hand[index], model.reserved(index))
            assert cached.on_hand >= 0 and cached.reserved >= 0 and cached.available >= 0
    db.session.commit()
    for location in locations:
        assert services.balance(item, location) == services.ledger_balance(item, location)
