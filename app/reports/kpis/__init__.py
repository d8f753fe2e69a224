"""The figures of the KPI page, each from a few grouped queries, reusable by dashboards and the monthly report.

``compute(scope)`` gives them all; each part can be asked alone (``collected``, ``split``, ``pieces``,
``served``, ``logistics``, ``co2e``, ``symbiosis``). Quantities are exact ``Decimal`` until shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.reports.kpis.co2e import Co2e, co2e
from app.reports.kpis.collection import Collected, ComuneKg, OperatorKg, collected
from app.reports.kpis.logistics import Driving, Logistics, logistics
from app.reports.kpis.scope import KpiFilter
from app.reports.kpis.sorting import OUTCOMES, Pieces, Split, pieces, split
from app.reports.kpis.symbiosis import Symbiosis, symbiosis
from app.reports.kpis.welfare import ServedRow, served
from app.rounds.models import PlanKind

__all__ = [
    "OUTCOMES",
    "Co2e",
    "Collected",
    "ComuneKg",
    "Driving",
    "KpiFilter",
    "Kpis",
    "Logistics",
    "OperatorKg",
    "Pieces",
    "ServedRow",
    "Split",
    "Symbiosis",
    "co2e",
    "collected",
    "compute",
    "logistics",
    "pieces",
    "served",
    "split",
    "symbiosis",
]


@dataclass(frozen=True)
class Kpis:
    scope: KpiFilter
    collected: Collected
    split: Split
    pieces: Pieces
    served: list[ServedRow]
    logistics: Logistics
    co2e: Co2e
    symbiosis: Symbiosis

    @property
    def households(self) -> int:
        return sum(r.households for r in self.served)

    @property
    def people(self) -> int:
        return sum(r.people for r in self.served)


def compute(scope: KpiFilter) -> Kpis:
    """Every KPI of the page for ``scope``."""
    sorted_kg = split(scope)
    driving = logistics(scope)
    collection_km = driving.by_kind[PlanKind.COLLECTION].km * driving.origin_share
    return Kpis(
        scope=scope,
        collected=collected(scope),
        split=sorted_kg,
        pieces=pieces(scope),
        served=served(scope),
        logistics=driving,
        co2e=co2e(sorted_kg.by_outcome["reuse"], sorted_kg.by_outcome["recycling"], collection_km),
        symbiosis=symbiosis(scope),
    )
