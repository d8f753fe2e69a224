"""Yearly figures for the authorities: the O.R.SO./MUD summary by comune and the EU textile reuse report.

Kilograms of an intake are attributed to comuni by mass, as the chain does (``app/chain/flow.py``):
each batch by its pickups' kg (weighed, or estimated from the fill level; by count when none has
kg), each session's outputs by its batches' share of the session's input kg. All figures come from
a handful of grouped queries, never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, Select, cast, func, select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.core.clock import local_midnight
from app.extensions import db
from app.fleet.models import Site
from app.geo.models import Comune
from app.sorting.ledger import TENTH
from app.sorting.models import (
    DocumentKind,
    Fraction,
    IntakeBatch,
    KgEntry,
    LedgerKind,
    OutboundLeg,
    OutboundLine,
    OutboundPartner,
    PartnerKind,
    SessionInput,
    SortingSession,
    batch_pickup,
)
from app.stock.models import MovementKind, StockItem, StockLocation, StockMovement

ZERO = Decimal(0)
NO_COMUNE = ""  # intakes without pickups: drop-offs, drives, firms
REUSE_GOODS = "riuso-ddt"  # sold as goods after preparation for reuse
REUSE_STOCK = "riuso-magazzino"  # taken into garment stock for households
AT_PLANT = ""  # not yet gone: still unsorted, in a fraction at the plant


def year_bounds(year: int) -> tuple:
    return local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))


def pickup_kg() -> object:
    """A pickup's kg in SQL: weighed, or its fill % of the bin's full weight (as ``collection.fill_kg``)."""
    estimate = cast(func.coalesce(Pickup.fill_percent, 0) * Bin.full_weight_kg, Numeric(12, 1)) / 100
    return func.coalesce(Pickup.weight_kg, estimate)


def comune_shares_query(site_id: int) -> Select[Any]:
    """The pickups' kg and count of each batch of the plant, by comune: one grouped query."""
    return (
        select(batch_pickup.c.batch_id, Bin.comune_code, func.sum(pickup_kg()), func.count())
        .select_from(batch_pickup)
        .join(Pickup, Pickup.id == batch_pickup.c.pickup_id)
        .join(Bin, Bin.id == Pickup.bin_id)
        .join(IntakeBatch, IntakeBatch.id == batch_pickup.c.batch_id)
        .where(IntakeBatch.site_id == site_id, Pickup.superseded.is_(False))
        .group_by(batch_pickup.c.batch_id, Bin.comune_code)
    )


def comune_shares(site_id: int) -> dict[int, dict[str, Decimal]]:
    """Each batch of the plant: the share of its kg from each comune (batches without pickups: absent)."""
    rows = db.session.execute(comune_shares_query(site_id))
    kg: dict[int, dict[str, Decimal]] = defaultdict(dict)
    count: dict[int, dict[str, int]] = defaultdict(dict)
    for batch_id, comune, weight, n in rows:
        kg[batch_id][comune] = Decimal(weight or 0)
        count[batch_id][comune] = n
    shares = {}
    for batch_id, by_comune in kg.items():
        total = sum(by_comune.values(), ZERO)
        basis = by_comune if total else {c: Decimal(n) for c, n in count[batch_id].items()}
        whole = sum(basis.values(), ZERO)
        shares[batch_id] = {c: v / whole for c, v in basis.items()}
    return shares


@dataclass(frozen=True)
class SummaryRow:
    comune_code: str
    comune_name: str
    eer_code: str  # as collected (the intake's code)
    operation: str  # R/D operation of the destination, REUSE_GOODS, REUSE_STOCK, or AT_PLANT
    weight_kg: Decimal


@dataclass(frozen=True)
class AnnualSummary:
    year: int
    site: Site
    collected: list[SummaryRow]  # intake kg received in the year, by comune and EER (operation AT_PLANT)
    destinations: list[SummaryRow]  # kg that left in the year, by comune, EER as collected and destination

    @property
    def collected_kg(self) -> Decimal:
        return sum((r.weight_kg for r in self.collected), ZERO)

    @property
    def destinations_kg(self) -> Decimal:
        return sum((r.weight_kg for r in self.destinations), ZERO)


def _batches(site_id: int) -> list[tuple[int, object, str, Decimal, int | None]]:
    return [
        (b, at, eer, Decimal(net), session)
        for b, at, eer, net, session in db.session.execute(
            select(
                IntakeBatch.id,
                IntakeBatch.received_at,
                IntakeBatch.eer_code,
                IntakeBatch.net_kg,
                SessionInput.session_id,
            )
            .outerjoin(SessionInput, SessionInput.batch_id == IntakeBatch.id)
            .where(IntakeBatch.site_id == site_id)
        )
    ]


def _session_origin(batches, shares) -> dict[int, dict[tuple[str, str], Decimal]]:
    """Each session: the fraction of its input kg from each (comune, EER as collected)."""
    kg: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for batch_id, _at, eer, net, session in batches:
        if session is None:
            continue
        for comune, share in shares.get(batch_id, {NO_COMUNE: Decimal(1)}).items():
            kg[session][(comune, eer)] += net * share
    result = {}
    for session, parts in kg.items():
        total = sum(parts.values(), ZERO)
        result[session] = {key: v / total for key, v in parts.items()} if total else {}
    return result


def _left_by_session(site_id: int, year: int) -> dict[tuple[int, str], Decimal]:
    """Kg that left the plant's fractions in the year, by session and destination operation."""
    low, high = year_bounds(year)
    operation = func.coalesce(func.nullif(OutboundLeg.rd_operation, ""), REUSE_GOODS)
    legs = db.session.execute(
        select(Fraction.session_id, operation, func.sum(OutboundLine.weight_kg))
        .select_from(OutboundLine)
        .join(OutboundLeg, OutboundLeg.id == OutboundLine.leg_id)
        .join(Fraction, Fraction.id == OutboundLine.fraction_id)
        .where(OutboundLeg.site_id == site_id, OutboundLeg.shipped_at >= low, OutboundLeg.shipped_at < high)
        .group_by(Fraction.session_id, operation)
    )
    stock = db.session.execute(
        select(Fraction.session_id, func.sum(KgEntry.delta_kg))
        .select_from(KgEntry)
        .join(Fraction, Fraction.id == KgEntry.fraction_id)
        .join(SortingSession, SortingSession.id == Fraction.session_id)
        .where(
            KgEntry.kind == LedgerKind.TO_STOCK,
            SortingSession.site_id == site_id,
            KgEntry.at >= low,
            KgEntry.at < high,
        )
        .group_by(Fraction.session_id)
    )
    left: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for session, op, kg in legs:
        left[(session, op)] += Decimal(kg)
    for session, kg in stock:
        left[(session, REUSE_STOCK)] += -Decimal(kg)
    return left


def _rows(kg: dict[tuple[str, str, str], Decimal], names: dict[str, str]) -> list[SummaryRow]:
    return [
        SummaryRow(comune, names.get(comune, ""), eer, op, weight.quantize(TENTH))
        for (comune, eer, op), weight in sorted(kg.items(), key=lambda item: (names.get(item[0][0], "~"), item[0]))
        if weight.quantize(TENTH)
    ]


def annual_summary(site: Site, year: int) -> AnnualSummary:
    """The plant's year for O.R.SO. and the MUD: kg by comune × EER code × destination operation."""
    shares = comune_shares(site.id)
    batches = _batches(site.id)
    low, high = year_bounds(year)
    collected: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for batch_id, at, eer, net, _session in batches:
        if low <= at < high:  # type: ignore[operator]
            for comune, share in shares.get(batch_id, {NO_COMUNE: Decimal(1)}).items():
                collected[(comune, eer, AT_PLANT)] += net * share
    origin = _session_origin(batches, shares)
    destinations: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for (session, op), kg in _left_by_session(site.id, year).items():
        for (comune, eer), share in origin.get(session, {}).items():
            destinations[(comune, eer, op)] += kg * share
    names: dict[str, str] = {code: name for code, name in db.session.execute(select(Comune.istat_code, Comune.name))}
    return AnnualSummary(year, site, _rows(collected, names), _rows(destinations, names))


@dataclass(frozen=True)
class ReuseReport:
    """Textiles actually reused in a year (Implementing Decision (EU) 2021/19), in kg and tonnes."""

    year: int
    households_pieces: int
    households_kg: Decimal
    goods_kg: dict[str, Decimal]  # by buyer kind: second-hand shops, reuse buyers, exporters

    @property
    def total_kg(self) -> Decimal:
        return self.households_kg + sum(self.goods_kg.values(), ZERO)

    @property
    def total_tonnes(self) -> Decimal:
        return (self.total_kg / 1000).quantize(Decimal("0.001"))


def reuse_report(year: int, organisation_id: int | None = None) -> ReuseReport:
    """Pieces handed to households (by their estimated weight) and goods sold for reuse, in the year."""
    low, high = year_bounds(year)
    handed = (
        select(
            func.coalesce(func.sum(-StockMovement.on_hand_delta), 0),
            func.coalesce(func.sum(-StockMovement.on_hand_delta * StockItem.unit_weight_kg), 0),
        )
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .where(StockMovement.kind == MovementKind.ISSUE_RESERVED, StockMovement.at >= low, StockMovement.at < high)
    )
    goods = (
        select(OutboundPartner.kind, func.sum(OutboundLine.weight_kg))
        .select_from(OutboundLine)
        .join(OutboundLeg, OutboundLeg.id == OutboundLine.leg_id)
        .join(OutboundPartner, OutboundPartner.id == OutboundLeg.destination_id)
        .where(
            OutboundLeg.document_kind == DocumentKind.DDT,
            OutboundLeg.shipped_at >= low,
            OutboundLeg.shipped_at < high,
        )
        .group_by(OutboundPartner.kind)
    )
    if organisation_id is not None:
        handed = (
            handed.join(StockLocation, StockLocation.id == StockMovement.location_id)
            .join(Site, Site.id == StockLocation.site_id)
            .where(Site.organisation_id == organisation_id)
        )
        goods = goods.join(Site, Site.id == OutboundLeg.site_id).where(Site.organisation_id == organisation_id)
    pieces, kg = db.session.execute(handed).one()
    by_kind = {
        kind: Decimal(0) for kind in (PartnerKind.SECOND_HAND_SHOP, PartnerKind.REUSE_BUYER, PartnerKind.EXPORTER)
    }
    for kind, weight in db.session.execute(goods):
        by_kind[kind] = Decimal(weight).quantize(TENTH)
    return ReuseReport(year, int(pieces), Decimal(kg).quantize(TENTH), by_kind)
