"""The demo adds a few weeks of intake, sorting and stock that reconcile, once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.sorting import outbound
from app.sorting.models import IntakeBatch, OutboundLeg, OutboundPartner, SortingSession
from app.stock.models import StockMovement
from tests.app.conftest import run_cli


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_builds_a_reconciled_chain_and_is_idempotent(app):
    assert run_cli(app, "demo").exit_code == 0
    batches, sessions, movements = _count(IntakeBatch), _count(SortingSession), _count(StockMovement)
    assert batches >= 8 and sessions >= 4 and movements > 0
    assert db.session.scalar(select(func.count()).where(SortingSession.status == "open")) == 0
    assert outbound.reconcile().closes
    legs, partners = _count(OutboundLeg), _count(OutboundPartner)
    assert legs == sessions and partners == 2  # one FIR leg of the recycling lots per session
    leg = db.session.scalar(select(OutboundLeg))
    assert leg.is_demo and leg.destination.is_demo and leg.destination.authorisation_number
    assert leg.carrier.albo_number and len(leg.lines) == 4 and leg.eer_code == "191208"
    assert run_cli(app, "demo").exit_code == 0
    assert (_count(IntakeBatch), _count(SortingSession), _count(StockMovement)) == (batches, sessions, movements)
    assert (_count(OutboundLeg), _count(OutboundPartner)) == (legs, partners)
