"""From approval to the doorstep: allocation through the ledger, a delivery round, the handover code."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.stock import services as stock
from app.welfare import allocation, delivery, requests, workflow
from app.welfare.models import Delivery, GarmentRequest
from app.welfare.notify import outbox
from tests.app import factories
from tests.app.conftest import login, post_form
from tests.app.welfare.conftest import stock_of

pytestmark = pytest.mark.usefixtures("comuni_loaded")


@pytest.fixture
def memory_notify(app, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_BACKEND", "memory")
    outbox(app).clear()
    return outbox(app)


def _approved(household, worker, coordinator, **fields):
    boy, girl = household.members
    data = requests.RequestData(
        lines=[
            requests.LineData(boy.id, "cappotto", "inverno", 1),
            requests.LineData(girl.id, "maglione", "inverno", 2),
        ],
        window_start=time(9, 0),
        window_end=time(13, 0),
        **fields,
    )
    request = requests.create_request(household, data, worker)
    requests.send(request, worker)
    requests.approve(request, coordinator)
    db.session.commit()
    return request


@pytest.fixture
def people(household):
    worker = factories.UserFactory(role="social_worker", organisation=household.office)
    coordinator = factories.UserFactory(role="coordinator")
    operator = factories.UserFactory(role="operator")
    shelf = factories.StockLocationFactory(site__organisation=operator.organisation)
    db.session.commit()
    return worker, coordinator, operator, shelf


def test_allocation_takes_exact_size_then_adjacent_and_keeps_the_rest_open(household, people):
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 1, size="8 anni")
    stock_of(shelf, 5, category="maglione", age_group="bambina", size="5 anni", season="estate")  # wrong season
    near = stock_of(shelf, 1, category="maglione", age_group="bambina", size="6 anni")
    request = _approved(household, worker, coordinator)
    result = allocation.allocate(request, operator)
    db.session.commit()
    assert (result.allocated, result.missing) == (2, 1)
    assert request.status == "in_preparazione"
    assert stock.balance(coat, shelf).reserved == 1 and stock.balance(near, shelf).reserved == 1
    assert [a.match for line in request.lines for a in line.allocations] == ["exact", "adjacent"]
    rows = allocation.pick_list(shelf.site, operator)
    assert {(r.category, r.size, r.quantity) for r in rows} == {("cappotto", "8 anni", 1), ("maglione", "6 anni", 1)}
    workflow.mark_ready(request, operator)
    db.session.commit()
    rest = db.session.scalar(select(GarmentRequest).where(GarmentRequest.parent_id == request.id))
    assert rest.status == "approvata" and [(line.category, line.quantity) for line in rest.lines] == [("maglione", 1)]


def test_cancelling_gives_the_reserved_pieces_back(household, people):
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 2)
    request = _approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    workflow.cancel(request, worker)
    db.session.commit()
    assert stock.balance(coat, shelf).reserved == 0 and stock.ledger_balance(coat, shelf).reserved == 0
    assert request.status == "annullata"


def test_the_last_piece_goes_to_exactly_one_of_two_requests(household, people):
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 1)
    first, second = _approved(household, worker, coordinator), _approved(household, worker, coordinator)
    assert allocation.allocate(first, operator).allocated == 1
    db.session.commit()
    with pytest.raises(Exception, match="Nessun capo disponibile"):
        allocation.allocate(second, operator)
    db.session.rollback()
    assert stock.balance(coat, shelf).reserved == 1
    assert db.session.get(GarmentRequest, second.id).status == "approvata"


def test_delivery_round_code_and_handover(app, client, household, people, memory_notify):
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 3)
    request = _approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    workflow.mark_ready(request, operator)
    driver = factories.UserFactory(role="driver")
    vehicle = factories.VehicleFactory(home_site=shelf.site)
    db.session.commit()
    params = delivery.DeliveryPlanParams(date.today(), shelf.site_id, (vehicle.id,), {vehicle.id: driver.id}, 1.0)
    plan = delivery.plan_deliveries(params, coordinator)
    db.session.commit()
    the_delivery = db.session.scalar(select(Delivery))
    assert the_delivery.status == "scheduled" and [s.reference for s in plan.routes[0].stops] == [
        the_delivery.reference
    ]
    sms = next(m for m in memory_notify if m.channel == "sms")
    assert sms.to == "+39 333 123 4567" and "Codice di consegna" in sms.body
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    delivery.publish_delivery_plan(plan, plan.version, coordinator)
    db.session.commit()
    login(client, driver.email)
    page = client.get("/welfare/driver").get_data(as_text=True)
    assert "Via dei Cinquecento" in page
    url = f"/welfare/deliveries/{the_delivery.id}/handover"
    wrong = "000000" if code != "000000" else "111111"
    assert post_form(client, url, {"proof_kind": "code", "code": wrong}, "/welfare/driver").status_code == 303
    assert "Codice di consegna errato" in client.get("/welfare/driver").get_data(as_text=True)
    db.session.refresh(request)
    assert request.status == "pronta" and stock.balance(coat, shelf).on_hand == 3
    assert post_form(client, url, {"proof_kind": "code", "code": code}, "/welfare/driver").status_code == 302
    db.session.refresh(request)
    assert request.status == "consegnata"
    assert stock.balance(coat, shelf).on_hand == 2 and stock.balance(coat, shelf).reserved == 0
    assert any("consegnata" in m.body and m.to == worker.email for m in memory_notify)


def test_another_driver_sees_no_address_and_cannot_hand_over(app, client, household, people, memory_notify):
    worker, coordinator, operator, shelf = people
    stock_of(shelf, 1)
    request = _approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    workflow.mark_ready(request, operator)
    vehicle = factories.VehicleFactory(home_site=shelf.site)
    driver, intruder = factories.UserFactory(role="driver"), factories.UserFactory(role="driver")
    db.session.commit()
    params = delivery.DeliveryPlanParams(date.today(), shelf.site_id, (vehicle.id,), {vehicle.id: driver.id}, 1.0)
    plan = delivery.plan_deliveries(params, coordinator)
    delivery.publish_delivery_plan(plan, plan.version, coordinator)
    the_delivery = db.session.scalar(select(Delivery))
    login(client, intruder.email)
    assert "Cinquecento" not in client.get("/welfare/driver").get_data(as_text=True)
    url = f"/welfare/deliveries/{the_delivery.id}/handover"
    response = post_form(client, url, {"proof_kind": "signature", "proof_note": "Mario"}, "/welfare/driver")
    assert response.status_code == 303
    db.session.refresh(request)
    assert request.status == "pronta"
