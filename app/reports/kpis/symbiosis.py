"""Industrial symbiosis: kg of firms' surplus diverted to a second user, machines reused, CO2e avoided."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.reports.kpis.co2e import DISPLACEMENTS, KG_PER_T, REUSE_T_CO2E_PER_T
from app.reports.kpis.scope import KpiFilter
from app.symbiosis.catalog import ListingKind
from app.symbiosis.models import Listing, Match, MatchStatus


@dataclass(frozen=True)
class Symbiosis:
    diverted_kg: Decimal  # materials moved from one firm to another user (picked up or self-collected)
    outside_plant_kg: Decimal  # of which never entered a sorting plant (those count in the plant's KPIs)
    machines: int  # machines and tools given, lent or sold to a second user
    matches: int  # completed matches

    def co2e_t(self, displacement: Decimal) -> Decimal:
        """t CO2e avoided at a displacement share, counting only kg the plant KPIs do not already count."""
        return self.outside_plant_kg / KG_PER_T * REUSE_T_CO2E_PER_T * displacement

    @property
    def co2e_low_t(self) -> Decimal:
        return self.co2e_t(DISPLACEMENTS[0])

    @property
    def co2e_high_t(self) -> Decimal:
        return self.co2e_t(DISPLACEMENTS[-1])


def symbiosis(scope: KpiFilter) -> Symbiosis:
    """Matches completed in the period (an operator's or comune's scope does not apply: firms are not bins)."""
    low, high = scope.bounds
    offer = aliased(Listing)
    done = (
        select(
            offer.kind,
            func.count(Match.id),
            func.coalesce(func.sum(Match.moved_kg), 0),
            func.coalesce(func.sum(Match.moved_quantity), 0),
        )
        .join(offer, offer.id == Match.offer_id)
        .where(Match.status == MatchStatus.COMPLETED, Match.completed_at >= low, Match.completed_at < high)
        .group_by(offer.kind)
    )
    kg, machines, count = Decimal(0), 0, 0
    for kind, n, moved_kg, quantity in db.session.execute(done):
        count += int(n)
        if kind == ListingKind.MATERIAL:
            kg += Decimal(moved_kg)
        else:
            machines += int(Decimal(quantity))
    outside = db.session.scalar(
        select(func.coalesce(func.sum(Match.moved_kg), 0))
        .join(offer, offer.id == Match.offer_id)
        .where(
            Match.status == MatchStatus.COMPLETED,
            Match.completed_at >= low,
            Match.completed_at < high,
            Match.intake_batch_id.is_(None),
            offer.kind == ListingKind.MATERIAL,
        )
    )
    return Symbiosis(kg.quantize(Decimal("0.1")), Decimal(outside or 0).quantize(Decimal("0.1")), machines, count)
