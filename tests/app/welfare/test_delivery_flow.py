"""From approval to the shelf: allocation through the ledger, partial fulfilment, cancellation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.stock import lots
from app.stock import services as stock
from app.welfare import allocation, workflow
from app.welfare.models import GarmentRequest
from tests.app.welfare.conftest import approved, stock_of


def test_allocation_takes_exact_size_then_adjacent_and_keeps_the_rest_open(household, people):
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 1, size="8 anni")
    stock_of(shelf, 5, category="maglione", age_group="bambina", size="5 anni", season="estate")  # wrong season
    near = stock_of(shelf, 1, category="maglione", age_group="bambina", size="6 anni")
    request = approved(household, worker, coordinator)
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
    request = approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    workflow.cancel(request, worker)
    db.session.commit()
    assert stock.balance(coat, shelf).reserved == 0 and stock.ledger_balance(coat, shelf).reserved == 0
    assert request.status == "annullata"


def test_the_last_piece_goes_to_exactly_one_of_two_requests(household, people):
    worker, coordinator, operator, shelf = people
    coat = stock_of(shelf, 1)
    first, second = approved(household, worker, coordinator), approved(household, worker, coordinator)
    assert allocation.allocate(first, operator).allocated == 1
    db.session.commit()
    with pytest.raises(Exception, match="Nessun capo disponibile"):
        allocation.allocate(second, operator)
    db.session.rollback()
    assert stock.balance(coat, shelf).reserved == 1
    assert db.session.get(GarmentRequest, second.id).status == "approvata"


def test_a_delivered_piece_traces_back_to_its_fraction_session_and_intake(household, people):
    worker, coordinator, operator, shelf = people
    stock_of(shelf, 1)
    request = approved(household, worker, coordinator)
    allocation.allocate(request, operator)
    allocation.issue_all(request, operator)
    db.session.commit()
    (given,) = [a for line in request.lines for a in line.allocations]
    assert given.issue.kind == "issue" and given.issue.reservation_id == given.reservation_id
    ((receipt, pieces),) = lots.lots_of_movement(given.issue)
    session = receipt.fraction.session
    assert pieces == 1 and receipt.kind == "in" and receipt.fraction.kind == "reuse_b"
    assert session.status == "closed" and len(session.inputs) == 1 and session.inputs[0].batch.net_kg > 0


def test_the_stock_match_says_how_many_pieces_are_missing_and_nothing_found_is_refused(client, household, people):
    from tests.app.conftest import csrf_token, login

    worker, coordinator, operator, shelf = people
    request = approved(household, worker, coordinator)
    db.session.commit()
    login(client, operator.email)
    url = f"/welfare/requests/{request.id}"
    nothing = client.post(f"{url}/allocate", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    page = nothing.get_data(as_text=True)
    assert "Nessun capo disponibile" in page and "eseguito" not in page
    db.session.refresh(request)
    assert request.status == "approvata"  # nothing reserved: not «in preparazione», so «Pronta» is not offered
    stock_of(shelf, 1, size="8 anni")
    db.session.commit()
    partial = client.post(f"{url}/allocate", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "Abbinamento parziale: riservati 1 su 3, mancano 2 capi." in partial.get_data(as_text=True)
