"""Pieces: the cohort's share of the garments taken into stock from its fractions, and where they went."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.chain.flow import ZERO, Flow, _chunks
from app.extensions import db
from app.i18n import fmt_number
from app.stock.catalog import CATEGORIES
from app.stock.models import MovementKind, StockItem, StockLotMove, StockMovement


class Handover(NamedTuple):
    movement_id: int
    at: datetime
    category: str
    size: str
    pieces: int
    household: str


@dataclass
class Pieces:
    received: Decimal = ZERO
    received_kg: Decimal = ZERO  # pieces x the unit weight of their item, as taken from the fraction
    delivered: Decimal = ZERO  # handed to households
    out: Decimal = ZERO  # to shops, recyclers, other destinations
    adjusted: Decimal = ZERO  # declared differences (counts, adjustments): negative when lost
    in_stock: Decimal = ZERO
    by_category: dict[str, dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    unit_weights: dict[str, Decimal] = field(default_factory=dict)  # average kg per piece by category
    handed_over: list[Handover] = field(default_factory=list)  # the latest, to follow back

    @property
    def note(self) -> str:
        weights = ", ".join(
            f"{CATEGORIES.get(c, (c,))[0]} {fmt_number(w, 3)} kg" for c, w in sorted(self.unit_weights.items())
        )
        return _(
            "Capi ↔ kg con i pesi medi per categoria degli articoli ricevuti: %(weights)s.",
            weights=weights or "–",
        )


def follow_pieces(flow: Flow) -> Pieces:
    """Pieces received from the cohort's fractions (attributed by the fraction's share)."""
    pieces = Pieces()
    weights: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for chunk in _chunks(flow.fraction_factor):
        rows = db.session.execute(
            select(
                StockMovement.fraction_id,
                StockItem.category,
                StockItem.unit_weight_kg,
                func.sum(StockMovement.on_hand_delta),
            )
            .join(StockItem, StockItem.id == StockMovement.item_id)
            .where(StockMovement.kind == MovementKind.IN_FROM_SORTING, StockMovement.fraction_id.in_(chunk))
            .group_by(StockMovement.fraction_id, StockItem.category, StockItem.unit_weight_kg)
        )
        for fraction_id, category, unit_kg, count in rows:
            share = Decimal(count) * flow.fraction_factor[fraction_id]
            pieces.received += share
            pieces.received_kg += share * unit_kg
            pieces.by_category[category]["received"] += share
            weights[category][0] += share * unit_kg
            weights[category][1] += share
    _fates(flow, pieces)
    pieces.handed_over = _handed_over(flow)
    pieces.unit_weights = {c: (kg / n) for c, (kg, n) in weights.items() if n}
    return pieces


# Where pieces that left a lot went, by the kind of the movement that drew them.
FATES = {
    MovementKind.ISSUE_RESERVED: "delivered",
    MovementKind.OUT: "out",
    MovementKind.ADJUST: "adjusted",
    MovementKind.COUNT: "adjusted",
}


def _fates(flow: Flow, pieces: Pieces) -> None:
    """Follow each receipt's lot rows: handed to households, taken out, adjusted, or still in stock."""
    receipt = aliased(StockMovement)
    for chunk in _chunks(flow.fraction_factor):
        rows = db.session.execute(
            select(
                receipt.fraction_id,
                StockItem.category,
                StockMovement.kind,
                StockMovement.destination_kind,
                func.sum(StockLotMove.pieces),
            )
            .join(receipt, receipt.id == StockLotMove.receipt_id)
            .join(StockMovement, StockMovement.id == StockLotMove.movement_id)
            .join(StockItem, StockItem.id == receipt.item_id)
            .where(receipt.fraction_id.in_(chunk))
            .group_by(receipt.fraction_id, StockItem.category, StockMovement.kind, StockMovement.destination_kind)
        )
        for fraction_id, category, kind, destination, count in rows:
            share = Decimal(count) * flow.fraction_factor[fraction_id]
            pieces.in_stock += share
            pieces.by_category[category]["in_stock"] += share
            fate = FATES.get(kind)
            if kind == MovementKind.OUT and destination == "household":
                fate = "delivered"
            if fate is None:  # receipts and transfers: pieces stay in stock
                continue
            # Lot rows that leave are negative: delivered and out count the pieces gone; adjusted keeps its sign.
            moved = share if fate == "adjusted" else -share
            setattr(pieces, fate, getattr(pieces, fate) + moved)
            pieces.by_category[category][fate] += moved


def _handed_over(flow: Flow, limit: int = 20) -> list[Handover]:
    """The latest movements that handed pieces of the cohort's lots to households."""
    receipt = aliased(StockMovement)
    found: dict[int, Handover] = {}
    for chunk in _chunks(flow.fraction_factor):
        rows = db.session.execute(
            select(
                StockMovement.id,
                StockMovement.at,
                StockItem.category,
                StockItem.size,
                StockMovement.on_hand_delta,
                StockMovement.counterparty,
            )
            .join(StockLotMove, StockLotMove.movement_id == StockMovement.id)
            .join(receipt, receipt.id == StockLotMove.receipt_id)
            .join(StockItem, StockItem.id == StockMovement.item_id)
            .where(
                receipt.fraction_id.in_(chunk),
                (StockMovement.kind == MovementKind.ISSUE_RESERVED)
                | ((StockMovement.kind == MovementKind.OUT) & (StockMovement.destination_kind == "household")),
            )
            .order_by(StockMovement.id.desc())
            .limit(limit)
        )
        for movement_id, at, category, size, delta, household in rows:
            found[movement_id] = Handover(movement_id, at, category, size, -delta, household)
    return sorted(found.values(), key=lambda h: -h.movement_id)[:limit]
