"""Pieces: the cohort's share of the garments taken into stock from its fractions, and where they went."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.chain.flow import ZERO, Flow, _chunks
from app.extensions import db
from app.i18n import fmt_number
from app.stock.catalog import CATEGORIES
from app.stock.models import MovementKind, StockItem, StockMovement


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
    pieces.in_stock = pieces.received
    pieces.unit_weights = {c: (kg / n) for c, (kg, n) in weights.items() if n}
    return pieces
