"""Fixtures of the redistribution tests: offices of Milano and Sesto, a household with two children."""

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from app.stock.models import StockItem
from tests.app import factories

SESTO = "015209"


@pytest.fixture
def office_a() -> Any:
    return factories.social_services_of(factories.MILANO)


@pytest.fixture
def office_b() -> Any:
    return factories.social_services_of(SESTO)


@pytest.fixture
def household(office_a: Any) -> Any:
    household = factories.HouseholdFactory(office=office_a)
    factories.MemberFactory(household=household, label="Figlio 1", gender="bambino", clothing_size="8 anni")
    factories.MemberFactory(household=household, label="Figlia 2", gender="bambina", clothing_size="5 anni")
    db.session.commit()
    return household


def stock_of(location: Any, quantity: int, **item: Any) -> StockItem:
    """Put ``quantity`` pieces of an item on a shelf (through the ledger, as sorting would)."""
    from app.stock import services as stock

    defaults = {
        "category": "cappotto",
        "age_group": "bambino",
        "size_system": "children",
        "size": "8 anni",
        "season": "inverno",
        "grade": "A",
    }
    stock_item = factories.StockItemFactory(**(defaults | item))
    stock.adjust(stock_item, location, quantity, "carico iniziale di prova")
    db.session.flush()
    return stock_item
