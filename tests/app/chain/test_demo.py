"""The demo month: rounds → intake → sorting → outbound → stock → families, balanced, one explained difference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.chain import balance
from app.chain.flow import Scope, follow
from app.chain.pieces import follow_pieces
from app.core.clock import local_today
from app.extensions import db
from app.sorting import outbound
from app.sorting.models import IntakeBatch, OutboundLeg, OutboundPartner, SortingSession
from app.stock.models import StockMovement
from tests.app.conftest import run_cli


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _last_month() -> Scope:
    first = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    return Scope(first, local_today().replace(day=1) - timedelta(days=1))


def test_the_demo_month_flows_through_the_chain_balanced_and_once(app, clock):
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # on the 1st, yesterday's rounds would still be waiting
    assert run_cli(app, "demo").exit_code == 0
    counts = [_count(m) for m in (IntakeBatch, SortingSession, StockMovement, OutboundLeg, OutboundPartner)]
    assert counts[0] > 100 and counts[1] >= 20 and counts[3] >= 8 and counts[4] == 5
    assert db.session.scalar(select(func.count()).where(SortingSession.status == "open")) == 0
    assert outbound.reconcile().closes

    flow = follow(_last_month())
    pieces = follow_pieces(flow)
    hops = {h.key: h for h in balance.hops(flow, pieces)}
    assert len(flow.pickups) > 3000 and flow.in_transit_kg == 0 and flow.other_sources_kg > 0
    reuse = sum(kg for kind, kg in flow.fractions_kg.items() if kind.startswith("reuse") or kind.startswith("shoes"))
    recycling = sum(kg for kind, kg in flow.fractions_kg.items() if kind.startswith("recycle"))
    assert 0.50 < reuse / flow.sorted_kg < 0.60 and 0.30 < recycling / flow.sorted_kg < 0.40
    assert hops["weighed"].status == "explained" and hops["weighed"].unexplained == []
    (rain,) = hops["weighed"].explained
    assert "Pioggia" in rain.reason
    assert hops["sorted"].status == "ok" and hops["out"].difference_kg == 0 and hops["pieces"].difference_kg == 0
    assert flow.outbound_kg > 0 and pieces.received > 0 and pieces.delivered > 0

    # yesterday's rounds wait at the plant; run again, nothing is added
    assert run_cli(app, "demo").exit_code == 0
    assert [_count(m) for m in (IntakeBatch, SortingSession, StockMovement, OutboundLeg, OutboundPartner)] == counts
    leg = db.session.scalar(select(OutboundLeg).where(OutboundLeg.eer_code == "191208"))
    assert leg.is_demo and leg.destination.is_demo and leg.destination.authorisation_number
    assert leg.carrier.albo_number and leg.rd_operation == "R3" and len(leg.lines) >= 4
