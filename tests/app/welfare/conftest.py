"""Fixtures of the redistribution tests: offices of Milano and Sesto, a household with two children."""

from __future__ import annotations

from datetime import time
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


def household_of(office: Any) -> Any:
    """A household of the office with two children: a boy in 8 anni, a girl in 5 anni."""
    household = factories.HouseholdFactory(office=office)
    factories.MemberFactory(household=household, label="Figlio 1", gender="bambino", clothing_size="8 anni")
    factories.MemberFactory(household=household, label="Figlia 2", gender="bambina", clothing_size="5 anni")
    return household


@pytest.fixture
def household(office_a: Any) -> Any:
    household = household_of(office_a)
    db.session.commit()
    return household


def stock_of(location: Any, quantity: int, **item: Any) -> StockItem:
    """Put ``quantity`` pieces of an item on a shelf (through the ledger, as sorting would)."""
    from app.stock import services as stock
    from tests.app.sorting.helpers import reuse_b_fraction

    defaults = {
        "category": "cappotto",
        "age_group": "bambino",
        "size_system": "children",
        "size": "8 anni",
        "season": "inverno",
        "grade": "A",
    }
    stock_item = factories.StockItemFactory(**(defaults | item))
    stock.receive_from_sorting(stock_item, location, quantity, reuse_b_fraction(), None)
    db.session.flush()
    return stock_item


@pytest.fixture
def memory_notify(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Messages to households and workers kept in memory (the handover code is read from the SMS)."""
    from app.welfare.notify import outbox

    monkeypatch.setitem(app.config, "NOTIFY_BACKEND", "memory")
    outbox(app).clear()
    return outbox(app)


@pytest.fixture
def people(household: Any) -> tuple[Any, Any, Any, Any]:
    """A social worker of the household's office, a coordinator, a warehouse operator and a shelf."""
    worker = factories.UserFactory(role="social_worker", organisation=household.office)
    coordinator = factories.UserFactory(role="coordinator")
    operator = factories.UserFactory(role="operator")
    shelf = factories.StockLocationFactory(site__organisation=operator.organisation)
    db.session.commit()
    return worker, coordinator, operator, shelf


def approved(household: Any, worker: Any, coordinator: Any, **fields: Any) -> Any:
    """A sent and approved request: a winter coat for the boy, two jumpers for the girl, at home 9–13."""
    from app.welfare import requests

    boy, girl = household.members
    lines = [requests.LineData(boy.id, "cappotto", "inverno", 1), requests.LineData(girl.id, "maglione", "inverno", 2)]
    data = requests.RequestData(**({"lines": lines, "window_start": time(9, 0), "window_end": time(13, 0)} | fields))
    request = requests.create_request(household, data, worker)
    requests.send(request, worker)
    requests.approve(request, coordinator)
    db.session.commit()
    return request


@pytest.fixture
def morning(clock: Any) -> Any:
    """Today at 08:00 in Milan: a plan for today starts from now, so today's rounds need the day still ahead."""
    from datetime import UTC, time

    from app.core.clock import local_datetime, local_today

    clock.set(local_datetime(local_today(), time(8)).astimezone(UTC))
    return clock
