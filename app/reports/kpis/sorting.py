"""What the plants made of the clothes: the reuse / recycling / disposal split of the closed sorting sessions,
pieces put in stock and pieces handed to households, by category.

Filtered by comune or stream, a session counts for the share of its input that came from those bins: each
batch by the share of its pickups' kg from them, the session by its batches' net kg (as the chain balance
attributes kilos). Batches of other sources (drop-offs, drives, firms) have no bin, so they drop out then.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.sql import Select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.extensions import db
from app.fleet.models import Site
from app.reports.kpis.scope import KpiFilter, bin_conditions, pickup_kg_tenths
from app.sorting.models import Fraction as SortedFraction
from app.sorting.models import FractionKind, IntakeBatch, SessionInput, SessionStatus, SortingSession, batch_pickup
from app.stock.models import MovementKind, StockItem, StockLocation, StockMovement
from app.welfare.models import Allocation, GarmentRequest, Household, RequestLine

ZERO = Decimal(0)
REUSE, RECYCLING, DISPOSAL, LOSS = "reuse", "recycling", "disposal", "loss"
OUTCOMES = (REUSE, RECYCLING, DISPOSAL, LOSS)
OUTCOME_OF_KIND = {
    FractionKind.REUSE_A: REUSE,
    FractionKind.REUSE_B: REUSE,
    FractionKind.REUSE_EXPORT: REUSE,
    FractionKind.SHOES_ACCESSORIES: REUSE,
    FractionKind.RECYCLE_COTTON: RECYCLING,
    FractionKind.RECYCLE_WOOL: RECYCLING,
    FractionKind.RECYCLE_SYNTHETIC: RECYCLING,
    FractionKind.RECYCLE_MIXED: RECYCLING,
    FractionKind.CONTAMINANTS: DISPOSAL,
    FractionKind.DISPOSAL: DISPOSAL,
}


@dataclass
class Split:
    """Kg of the sessions closed in the period, by outcome and by fraction kind (losses: declared)."""

    sessions: int = 0
    by_outcome: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, ZERO))
    by_kind: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    @property
    def kg(self) -> Decimal:
        return sum(self.by_outcome.values(), ZERO)

    def share(self, outcome: str) -> Decimal | None:
        return self.by_outcome[outcome] / self.kg if self.kg else None


@dataclass
class Pieces:
    """Pieces put in stock from sorting and pieces handed to households, by garment category."""

    to_stock: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    to_households: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def categories(self) -> list[str]:
        return sorted(set(self.to_stock) | set(self.to_households))


def _closed_sessions(scope: KpiFilter) -> Select[Any]:
    low, high = scope.bounds
    query = select(SortingSession.id).where(
        SortingSession.status == SessionStatus.CLOSED, SortingSession.closed_at >= low, SortingSession.closed_at < high
    )
    if scope.operator_id:
        query = query.join(Site, Site.id == SortingSession.site_id).where(Site.organisation_id == scope.operator_id)
    return query


def session_factors(scope: KpiFilter, sessions: Select[Any]) -> dict[int, Decimal] | None:
    """Each session's share that came from the filtered bins; None when no comune or stream is chosen."""
    if not scope.by_origin:
        return None
    tenths = pickup_kg_tenths()
    matching = and_(*bin_conditions(scope, with_operator=False))
    rows = db.session.execute(
        select(
            SessionInput.session_id,
            IntakeBatch.net_kg,
            func.sum(tenths),
            func.sum(case((matching, tenths), else_=0)),
        )
        .join(IntakeBatch, IntakeBatch.id == SessionInput.batch_id)
        .outerjoin(batch_pickup, batch_pickup.c.batch_id == IntakeBatch.id)
        .outerjoin(Pickup, Pickup.id == batch_pickup.c.pickup_id)
        .outerjoin(Bin, Bin.id == Pickup.bin_id)
        .where(SessionInput.session_id.in_(sessions.scalar_subquery()))
        .group_by(SessionInput.session_id, IntakeBatch.id, IntakeBatch.net_kg)
    )
    attributed: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for session_id, net_kg, total, wanted in rows:
        net = Decimal(str(net_kg))
        share = Decimal(wanted or 0) / Decimal(total) if total else ZERO
        attributed[session_id][0] += net * share
        attributed[session_id][1] += net
    return {s: (part / whole if whole else ZERO) for s, (part, whole) in attributed.items()}


def split(scope: KpiFilter) -> Split:
    sessions = _closed_sessions(scope)
    factors = session_factors(scope, sessions)
    result = Split()

    def factor(session_id: int) -> Decimal:
        return Decimal(1) if factors is None else factors.get(session_id, ZERO)

    fractions = db.session.execute(
        select(SortedFraction.session_id, SortedFraction.kind, func.sum(SortedFraction.weight_kg))
        .where(SortedFraction.session_id.in_(sessions.scalar_subquery()))
        .group_by(SortedFraction.session_id, SortedFraction.kind)
    )
    for session_id, kind, kg in fractions:
        attributed = Decimal(str(kg)) * factor(session_id)
        result.by_kind[kind] += attributed
        result.by_outcome[OUTCOME_OF_KIND.get(kind, DISPOSAL)] += attributed
    for session_id, loss_kg in db.session.execute(
        select(SortingSession.id, SortingSession.loss_kg).where(SortingSession.id.in_(sessions.scalar_subquery()))
    ):
        result.sessions += 1
        result.by_outcome[LOSS] += Decimal(str(loss_kg or 0)) * factor(session_id)
    return result


def _in_period(scope: KpiFilter) -> list[Any]:
    low, high = scope.bounds
    found = [StockMovement.at >= low, StockMovement.at < high]
    if scope.operator_id:
        operator_locations = (
            select(StockLocation.id)
            .join(Site, Site.id == StockLocation.site_id)
            .where(Site.organisation_id == scope.operator_id)
        )
        found.append(StockMovement.location_id.in_(operator_locations.scalar_subquery()))
    return found


def pieces(scope: KpiFilter) -> Pieces:
    result = Pieces()
    received = (
        select(SortedFraction.session_id, StockItem.category, func.sum(StockMovement.on_hand_delta))
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .join(SortedFraction, SortedFraction.id == StockMovement.fraction_id)
        .where(StockMovement.kind == MovementKind.IN_FROM_SORTING, *_in_period(scope))
        .group_by(SortedFraction.session_id, StockItem.category)
    )
    factors = session_factors(scope, select(received.subquery().c.session_id))
    for session_id, category, count in db.session.execute(received):
        share = Decimal(1) if factors is None else factors.get(session_id, ZERO)
        result.to_stock[category] += Decimal(count) * share
    handed = (
        select(StockItem.category, func.sum(-StockMovement.on_hand_delta))
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .where(_to_household(), *_in_period(scope))
        .group_by(StockItem.category)
    )
    if scope.comune_code:
        handed = handed.where(_household_in(scope.comune_code))
    for category, count in db.session.execute(handed):
        result.to_households[category] += int(count or 0)
    return result


def _to_household() -> Any:
    return or_(
        StockMovement.kind == MovementKind.ISSUE_RESERVED,
        and_(StockMovement.kind == MovementKind.OUT, StockMovement.destination_kind == "household"),
    )


def _household_in(comune_code: str) -> Any:
    """An issue of a request of a household of the comune, or pieces taken out for one by its code."""
    by_request = (
        select(Allocation.id)
        .join(RequestLine, RequestLine.id == Allocation.line_id)
        .join(GarmentRequest, GarmentRequest.id == RequestLine.request_id)
        .join(Household, Household.id == GarmentRequest.household_id)
        .where(Allocation.issue_id == StockMovement.id, Household.comune_code == comune_code)
    )
    by_code = select(Household.id).where(
        Household.code == StockMovement.counterparty, Household.comune_code == comune_code
    )
    return or_(exists(by_request), exists(by_code))
