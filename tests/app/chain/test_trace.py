"""Pieces handed to a household traced back to their lots, sessions, intakes, bins and comuni."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.chain import balance, trace
from app.chain.flow import follow
from app.chain.pieces import follow_pieces
from app.extensions import db
from app.sorting import services
from app.stock import services as stock
from app.welfare import allocation
from app.welfare.models import Delivery
from tests.app import factories
from tests.app.chain.test_flow import NOVEMBER, SESTO, intake, pickup
from tests.app.welfare.conftest import approved, household_of


@pytest.fixture
def delivered(clock):
    """Coats sorted from 300 kg of Milano and 100 kg of Sesto; one coat and two jumpers handed to a household."""
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    plant = factories.SortingPlantFactory()
    batch = intake(
        plant, [pickup(factories.BinFactory(), "300"), pickup(factories.BinFactory(comune_code=SESTO), "100")], "400"
    )
    session = services.open_session(plant.id, [batch.id], None)
    reuse = services.add_fraction(session.id, "reuse_b", "100", None)
    services.add_fraction(session.id, "recycle_mixed", "296", None)
    services.close_session(session.id, None)
    household = household_of(factories.social_services_of(factories.MILANO))
    worker = factories.UserFactory(role="social_worker", organisation=household.office)
    coordinator, operator = factories.UserFactory(role="coordinator"), factories.UserFactory(role="operator")
    shelf = factories.StockLocationFactory(site__organisation=operator.organisation)
    coat = factories.StockItemFactory(
        category="cappotto", age_group="bambino", size_system="children", size="8 anni", season="inverno"
    )
    jumper = factories.StockItemFactory(
        category="maglione", age_group="bambina", size_system="children", size="5 anni", season="inverno"
    )
    stock.receive_from_sorting(coat, shelf, 10, reuse, None)
    stock.receive_from_sorting(jumper, shelf, 6, reuse, None)
    request = approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    allocation.issue_all(request, operator)
    request.status = "consegnata"  # as the driver's handover leaves it
    delivery = Delivery(request=request, status="delivered")
    db.session.add(delivery)
    db.session.commit()
    return delivery, batch, worker


def test_delivered_pieces_trace_back_to_the_bins_and_comuni(delivered):
    delivery, batch, _ = delivered
    traces = trace.trace_request(delivery.request)
    assert sorted(abs(t.movement.on_hand_delta) for _, t in traces) == [1, 2]
    for _, t in traces:
        (lot,) = t.lots
        assert lot.fraction.kind == "reuse_b" and [b.batch.id for b in lot.batches] == [batch.id]
        assert lot.batches[0].comuni == {"Milano": Decimal("0.75"), "Sesto San Giovanni": Decimal("0.25")}
    comuni = trace.comuni_of([t for _, t in traces])
    assert list(comuni) == ["Milano", "Sesto San Giovanni"] and comuni["Milano"] == 3 * comuni["Sesto San Giovanni"]


def test_the_chain_counts_pieces_received_delivered_and_left(delivered):
    flow = follow(NOVEMBER)
    pieces = follow_pieces(flow)
    assert (pieces.received, pieces.delivered, pieces.in_stock, pieces.out, pieces.adjusted) == (16, 3, 13, 0, 0)
    hop = balance.hops(flow, pieces)[-1]
    assert hop.key == "pieces" and hop.difference_kg == 0 and hop.status == "pending"
    milano = follow_pieces(follow(NOVEMBER.__class__(NOVEMBER.start, NOVEMBER.end, comune_code=factories.MILANO)))
    assert milano.delivered == pytest.approx(2.25)


def test_the_coordinator_follows_a_delivery_back_on_a_page_and_as_data(client, login_as, delivered):
    delivery, batch, _ = delivered
    login_as("coordinator")
    page = client.get(f"/chain/trace/delivery/{delivery.id}", follow_redirects=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert batch.lot_code in text and "Sesto San Giovanni" in text and "VS-" in text
    data = client.get(f"/chain/trace/request/{delivery.request_id}?format=json").get_json()
    assert {m["lots"][0]["batches"][0]["lot"] for m in data["movements"]} == {batch.lot_code}
    assert set(data["comuni_kg"]) == {"Milano", "Sesto San Giovanni"}


def test_the_households_social_worker_may_follow_it_back(client, delivered):
    from tests.app.conftest import login

    delivery, _, worker = delivered
    login(client, worker.email)
    assert "/chain/trace/request/" in client.get(f"/welfare/requests/{delivery.request_id}").get_data(as_text=True)
    assert client.get(f"/chain/trace/request/{delivery.request_id}").status_code == 200


def test_a_social_worker_of_another_comune_may_not(client, login_as, delivered):
    delivery, _, _ = delivered
    login_as("social_worker", organisation=factories.social_services_of(SESTO))
    assert client.get(f"/chain/trace/request/{delivery.request_id}").status_code == 404
    assert client.get("/chain/").status_code == 403


def test_the_chain_page_lists_the_pieces_handed_over_and_follows_one_back(client, login_as, delivered):
    _, batch, _ = delivered
    login_as("coordinator")
    page = client.get("/chain/?start=2026-11-01&end=2026-11-30").get_data(as_text=True)
    links = [part.split('"')[0] for part in page.split('href="/chain/trace/movement/')[1:]]
    assert len(links) == 2 and 'data-hop="pieces"' in page
    followed = client.get(f"/chain/trace/movement/{links[0]}").get_data(as_text=True)
    assert batch.lot_code in followed and "Milano" in followed
