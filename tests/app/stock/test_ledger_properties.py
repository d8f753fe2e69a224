"""Property: any sequence of valid and invalid movements leaves balances equal to the accepted movements."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import DomainError
from app.extensions import db
from app.stock import services
from app.stock.models import StockBalance, StockItem, StockLocation, StockMovement
from tests.app import factories

SLOTS = [0, 1, 2]  # reservations addressed by the tests (a new reserve in a slot replaces the slot's last one)
OPERATIONS = st.one_of(
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

    def reserved(self, index: int) -> int:
        return sum(self.held.values()) + self.replaced if index == 0 else 0

    def free(self, index: int) -> int:
        return self.on_hand[index] - self.reserved(index)

    def apply(self, name: str, qty: int, index: int) -> bool:
        """Apply the operation if valid; whether it was."""
        loc, ref = index % 2, SLOTS[index]
        valid = {
            "adjust": qty != 0 and self.free(loc) + qty >= 0,
            "out": 0 < qty <= self.free(loc),
            "reserve": 0 < qty <= self.free(0),
            "release": 0 < qty <= self.held[ref],
            "issue": 0 < qty <= self.held[ref],
            "transfer": 0 < qty <= self.free(loc),
        }[name]
        if valid:
            if name in ("adjust", "out", "transfer"):
                self.on_hand[loc] += -qty if name != "adjust" else qty
                if name == "transfer":
                    self.on_hand[1 - loc] += qty
            elif name == "reserve":
                self.replaced += self.held[ref]
                self.held[ref] = qty
            else:
                self.held[ref] -= qty
                self.on_hand[0] -= qty if name == "issue" else 0
        return valid


def _apply(item, locations, reservations, operation) -> bool:
    """Run one operation through the services; whether it was accepted."""
    name, qty, index = operation
    location, other, held = locations[index % 2], locations[1 - index % 2], reservations.get(SLOTS[index])
    calls = {
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
    return True


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=25))
def test_balances_equal_the_sum_of_accepted_movements_and_never_go_negative(operations):
    for model in (StockMovement, StockBalance, StockItem, StockLocation):
        db.session.query(model).delete()
    item = factories.StockItemFactory()
    locations = [factories.StockLocationFactory(), factories.StockLocationFactory()]
    model, reservations = Model(), {}
    for operation in operations:
        assert _apply(item, locations, reservations, operation) == model.apply(*operation)
        for index, location in enumerate(locations):
            cached = services.balance(item, location)
            assert cached == services.ledger_balance(item, location)
            assert cached == services.Balance(model.on_hand[index], model.reserved(index))
            assert cached.on_hand >= 0 and cached.reserved >= 0 and cached.available >= 0
    db.session.commit()
    for location in locations:
        assert services.balance(item, location) == services.ledger_balance(item, location)
