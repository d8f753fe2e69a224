"""Follow the kilos that entered the chain in a period, hop by hop, to today.

The cohort of a period is every pickup collected in it (at bins of the chosen operator, comune or
bin) and every intake of another source (drop-off, drive, symbiosis) received in it. Each later
record is attributed to the cohort in proportion to mass:

- an intake batch by the share of its pickups' logged kg that belongs to the cohort (by count
  when none of its pickups was weighed); a batch of another source belongs whole;
- a sorting session, its fractions, its declared loss and everything drawn from its fractions
  (outbound lines, stock receipts) by the cohort's share of the session's input kg;
- pieces by the share of the fraction their stock lot came from.

So a filtered view (one comune) and the unfiltered one add up: the comuni's figures sum to the
whole. Quantities stay exact ``Decimal`` until they are shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from app.bins.models import Bin
from app.collection.models import Pickup, fill_kg
from app.core.clock import local_midnight, utcnow
from app.extensions import db
from app.fleet.models import Site
from app.sorting.models import (
    Fraction,
    IntakeBatch,
    KgEntry,
    LedgerKind,
    OutboundLeg,
    OutboundLine,
    OutboundPartner,
    SessionInput,
    SessionStatus,
    SortingSession,
    batch_pickup,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class Scope:
    """Which kilos to follow: entered between ``start`` and ``end`` (local days, both included)."""

    start: date
    end: date
    operator_id: int | None = None
    plant_id: int | None = None
    comune_code: str | None = None
    bin_id: int | None = None

    @property
    def by_origin(self) -> bool:
        """Filtered by where the clothes were given: other sources have no bin and no comune."""
        return bool(self.comune_code or self.bin_id)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))


@dataclass
class PickupRow:
    id: int
    bin_id: int
    bin_code: str
    comune_code: str
    operator_id: int
    collected_at: datetime
    weight_kg: Decimal | None
    batch_id: int | None
    fill_percent: int | None = None
    full_weight_kg: int = 0

    @property
    def kg(self) -> Decimal:
        """Weighed, or estimated from the fill level (as the plant compares them)."""
        return self.weight_kg if self.weight_kg is not None else fill_kg(self.fill_percent, self.full_weight_kg)


@dataclass
class BatchRow:
    id: int
    lot_code: str
    site_id: int
    source: str
    received_at: datetime
    net_kg: Decimal
    logged_kg: Decimal  # kg of all its pickups (weighed or estimated from the fill), in the cohort or not
    pickups: int
    weighed: int
    difference_reason: str
    session_id: int | None
    session_closed: bool
    share: Decimal = ZERO  # of the batch that belongs to the cohort
    cohort_logged_kg: Decimal = ZERO

    @property
    def cohort_net_kg(self) -> Decimal:
        return self.net_kg * self.share

    @property
    def difference_percent(self) -> Decimal:
        return (self.net_kg - self.logged_kg) / self.logged_kg * 100 if self.logged_kg else ZERO


@dataclass
class Flow:
    """Everything the chain page, the forward trace and their exports show, unrounded."""

    scope: Scope
    pickups: list[PickupRow]
    batches: dict[int, BatchRow]
    intake_tolerance_percent: Decimal
    loss_tolerance_percent: Decimal
    transit_days: int
    logged_kg: Decimal = ZERO  # at the bins: weighed, or estimated from the fill level
    unweighed_pickups: int = 0  # estimated from the fill level
    in_transit_kg: Decimal = ZERO  # logged, not yet weighed in at a plant
    in_transit: list[PickupRow] = field(default_factory=list)
    other_sources_kg: Decimal = ZERO  # intakes without pickups (drop-off, drive, symbiosis)
    weighed_kg: Decimal = ZERO  # attributed net kg of all intakes
    weighed_logged_kg: Decimal = ZERO  # the logged kg of the pickups weighed in
    waiting_sorting_kg: Decimal = ZERO
    sorted_kg: Decimal = ZERO
    loss_kg: Decimal = ZERO
    fractions_kg: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    outbound_kg: Decimal = ZERO
    to_stock_kg: Decimal = ZERO
    at_plant_kg: Decimal = ZERO
    outbound_by: dict[tuple[str, str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    session_factor: dict[int, Decimal] = field(default_factory=dict)
    fraction_factor: dict[int, Decimal] = field(default_factory=dict)

    @property
    def weighbridge_difference_kg(self) -> Decimal:
        """Net kg weighed at the plant minus the kg logged at the bins, for the pickups weighed in."""
        return self.weighed_kg - self.other_sources_kg - self.weighed_logged_kg

    @property
    def in_kg(self) -> Decimal:
        return self.logged_kg + self.other_sources_kg


def _in_scope_pickups(scope: Scope) -> list[PickupRow]:
    low, high = scope.bounds
    query = (
        select(
            Pickup.id,
            Bin.id,
            Bin.code,
            Bin.comune_code,
            Bin.operator_id,
            Pickup.collected_at,
            Pickup.weight_kg,
            batch_pickup.c.batch_id,
            Pickup.fill_percent,
            Bin.full_weight_kg,
        )
        .join(Bin, Bin.id == Pickup.bin_id)
        .outerjoin(batch_pickup, batch_pickup.c.pickup_id == Pickup.id)
        .where(Pickup.collected_at >= low, Pickup.collected_at < high, Pickup.superseded.is_(False))
    )
    if scope.operator_id:
        query = query.where(Bin.operator_id == scope.operator_id)
    if scope.comune_code:
        query = query.where(Bin.comune_code == scope.comune_code)
    if scope.bin_id:
        query = query.where(Bin.id == scope.bin_id)
    if scope.plant_id:
        query = query.join(IntakeBatch, IntakeBatch.id == batch_pickup.c.batch_id).where(
            IntakeBatch.site_id == scope.plant_id
        )
    rows = db.session.execute(query.order_by(Pickup.collected_at, Pickup.id)).all()
    return [PickupRow(*row) for row in rows]


def _other_source_batch_ids(scope: Scope) -> list[int]:
    """Intakes of the period that carry no pickup: they enter the chain at the plant."""
    if scope.by_origin:
        return []
    low, high = scope.bounds
    has_pickups = select(batch_pickup.c.batch_id).where(batch_pickup.c.batch_id == IntakeBatch.id).exists()
    query = select(IntakeBatch.id).where(IntakeBatch.received_at >= low, IntakeBatch.received_at < high, ~has_pickups)
    if scope.plant_id:
        query = query.where(IntakeBatch.site_id == scope.plant_id)
    if scope.operator_id:
        query = query.join(Site, Site.id == IntakeBatch.site_id).where(Site.organisation_id == scope.operator_id)
    return list(db.session.scalars(query))


def _chunks(ids: Iterable[int], size: int = 900) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for n in range(0, len(ordered), size):
        yield ordered[n : n + size]


def _batches(ids: Iterable[int]) -> dict[int, BatchRow]:
    found: dict[int, BatchRow] = {}
    for chunk in _chunks(ids):
        logged: dict[int, tuple[Decimal, int, int]] = defaultdict(lambda: (ZERO, 0, 0))
        rows = db.session.execute(
            select(batch_pickup.c.batch_id, Pickup.weight_kg, Pickup.fill_percent, Bin.full_weight_kg)
            .join(Pickup, Pickup.id == batch_pickup.c.pickup_id)
            .join(Bin, Bin.id == Pickup.bin_id)
            .where(batch_pickup.c.batch_id.in_(chunk))
        )
        for batch_id, weight, fill, full in rows:
            kg, count, weighed = logged[batch_id]
            kg += weight if weight is not None else fill_kg(fill, full)
            logged[batch_id] = (kg, count + 1, weighed + (weight is not None))
        query = (
            select(IntakeBatch, SessionInput.session_id, SortingSession.status)
            .outerjoin(SessionInput, SessionInput.batch_id == IntakeBatch.id)
            .outerjoin(SortingSession, SortingSession.id == SessionInput.session_id)
            .where(IntakeBatch.id.in_(chunk))
        )
        for batch, session_id, status in db.session.execute(query):
            kg, count, weighed = logged.get(batch.id, (ZERO, 0, 0))
            found[batch.id] = BatchRow(
                id=batch.id,
                lot_code=batch.lot_code,
                site_id=batch.site_id,
                source=batch.source,
                received_at=batch.received_at,
                net_kg=batch.net_kg,
                logged_kg=kg,
                pickups=count,
                weighed=weighed,
                difference_reason=batch.difference_reason,
                session_id=session_id,
                session_closed=status == SessionStatus.CLOSED,
            )
    return found


def _attribute_batches(flow: Flow, other_ids: list[int]) -> None:
    """Each batch's share of the cohort, and the kilos weighed in, waiting or in transit."""
    cohort_kg: dict[int, Decimal] = defaultdict(Decimal)
    cohort_count: dict[int, int] = defaultdict(int)
    stale_before = utcnow() - timedelta(days=flow.transit_days)
    for pickup in flow.pickups:
        kg = pickup.kg
        flow.logged_kg += kg
        flow.unweighed_pickups += pickup.weight_kg is None
        if pickup.batch_id is None:
            flow.in_transit_kg += kg
            if pickup.collected_at < stale_before:
                flow.in_transit.append(pickup)
            continue
        cohort_kg[pickup.batch_id] += kg
        cohort_count[pickup.batch_id] += 1
    for batch in flow.batches.values():
        if batch.id in other_ids:
            batch.share = Decimal(1)
            flow.other_sources_kg += batch.net_kg
        elif batch.logged_kg:
            batch.cohort_logged_kg = cohort_kg[batch.id]
            batch.share = cohort_kg[batch.id] / batch.logged_kg
        else:
            batch.share = Decimal(cohort_count[batch.id]) / batch.pickups if batch.pickups else ZERO
        flow.weighed_kg += batch.cohort_net_kg
        flow.weighed_logged_kg += batch.cohort_logged_kg
        if not batch.session_closed:
            flow.waiting_sorting_kg += batch.cohort_net_kg


def _follow_sessions(flow: Flow) -> None:
    """The cohort's share of each closed session, of its fractions, loss and what left the fractions."""
    cohort_in: dict[int, Decimal] = defaultdict(Decimal)
    for batch in flow.batches.values():
        if batch.session_closed and batch.session_id is not None:
            cohort_in[batch.session_id] += batch.cohort_net_kg
    for chunk in _chunks(cohort_in):
        totals = db.session.execute(
            select(SessionInput.session_id, func.sum(IntakeBatch.net_kg), SortingSession.loss_kg)
            .join(IntakeBatch, IntakeBatch.id == SessionInput.batch_id)
            .join(SortingSession, SortingSession.id == SessionInput.session_id)
            .where(SessionInput.session_id.in_(chunk))
            .group_by(SessionInput.session_id, SortingSession.loss_kg)
        )
        for session_id, inputs_kg, loss_kg in totals:
            factor = cohort_in[session_id] / Decimal(inputs_kg)
            flow.session_factor[session_id] = factor
            flow.sorted_kg += cohort_in[session_id]
            flow.loss_kg += Decimal(loss_kg or 0) * factor
        fractions = db.session.execute(
            select(Fraction.id, Fraction.session_id, Fraction.kind, Fraction.weight_kg).where(
                Fraction.session_id.in_(chunk)
            )
        ).all()
        for fraction_id, session_id, kind, weight_kg in fractions:
            factor = flow.session_factor[session_id]
            flow.fraction_factor[fraction_id] = factor
            flow.fractions_kg[kind] += weight_kg * factor
    for chunk in _chunks(flow.fraction_factor):
        rows = db.session.execute(
            select(KgEntry.fraction_id, KgEntry.kind, func.sum(KgEntry.delta_kg))
            .where(KgEntry.fraction_id.in_(chunk))
            .group_by(KgEntry.fraction_id, KgEntry.kind)
        )
        for fraction_id, kind, delta in rows:
            kg = Decimal(delta) * flow.fraction_factor[fraction_id]
            flow.at_plant_kg += kg
            if kind == LedgerKind.OUTBOUND:
                flow.outbound_kg -= kg
            elif kind == LedgerKind.TO_STOCK:
                flow.to_stock_kg -= kg


def _follow_outbound(flow: Flow) -> None:
    """Kilos sent out, by destination, EER code and R/D operation, for the cohort's share of each fraction."""
    for chunk in _chunks(flow.fraction_factor):
        rows = db.session.execute(
            select(
                OutboundLine.fraction_id,
                OutboundPartner.name,
                OutboundLeg.eer_code,
                OutboundLeg.rd_operation,
                func.sum(OutboundLine.weight_kg),
            )
            .join(OutboundLeg, OutboundLeg.id == OutboundLine.leg_id)
            .join(OutboundPartner, OutboundPartner.id == OutboundLeg.destination_id)
            .where(OutboundLine.fraction_id.in_(chunk))
            .group_by(OutboundLine.fraction_id, OutboundPartner.name, OutboundLeg.eer_code, OutboundLeg.rd_operation)
        )
        for fraction_id, destination, eer, operation, kg in rows:
            flow.outbound_by[(destination, eer, operation)] += Decimal(kg) * flow.fraction_factor[fraction_id]


def _settings() -> tuple[Decimal, Decimal, int]:
    config = current_app.config
    return (
        Decimal(str(config.get("INTAKE_PICKUP_TOLERANCE_PERCENT", "10"))),
        Decimal(str(config.get("SORTING_LOSS_TOLERANCE_PERCENT", "2"))),
        int(config.get("CHAIN_TRANSIT_DAYS", 2)),
    )


def follow(scope: Scope) -> Flow:
    """The cohort of ``scope`` followed through intake, sorting, outbound and stock."""
    intake_tolerance, loss_tolerance, transit_days = _settings()
    pickups = _in_scope_pickups(scope)
    other_ids = _other_source_batch_ids(scope)
    batch_ids = {p.batch_id for p in pickups if p.batch_id is not None} | set(other_ids)
    flow = Flow(
        scope=scope,
        pickups=pickups,
        batches=_batches(batch_ids),
        intake_tolerance_percent=intake_tolerance,
        loss_tolerance_percent=loss_tolerance,
        transit_days=transit_days,
    )
    _attribute_batches(flow, other_ids)
    _follow_sessions(flow)
    _follow_outbound(flow)
    return flow


def bins_of(flow: Flow) -> list[int]:
    return sorted({p.bin_id for p in flow.pickups})


def origin_kg(flow: Flow) -> tuple[dict[str, Decimal], dict[int, Decimal]]:
    """Kilos logged at the bins of the cohort per comune (ISTAT code) and per bin."""
    by_comune: dict[str, Decimal] = defaultdict(Decimal)
    by_bin: dict[int, Decimal] = defaultdict(Decimal)
    for pickup in flow.pickups:
        by_comune[pickup.comune_code] += pickup.kg
        by_bin[pickup.bin_id] += pickup.kg
    return dict(by_comune), dict(by_bin)
