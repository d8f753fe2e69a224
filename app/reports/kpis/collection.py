"""Kilograms collected at the bins: by month, comune and operator, and per inhabitant of each comune."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select

from app.auth.models import Organisation
from app.bins.models import Bin
from app.collection.models import IncidentCode, Pickup
from app.extensions import db
from app.geo.models import Comune
from app.reports.kpis.scope import (
    KpiFilter,
    bin_conditions,
    kg_of_tenths,
    live_pickups_in,
    month_index,
    pickup_kg_tenths,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class ComuneKg:
    code: str
    name: str
    population: int | None
    kg: Decimal
    pickups: int

    @property
    def kg_per_inhabitant(self) -> Decimal | None:
        return self.kg / self.population if self.population else None


@dataclass(frozen=True)
class OperatorKg:
    id: int
    name: str
    kg: Decimal
    pickups: int


@dataclass
class Collected:
    """Kg of the period's live pickups; ``estimated_pickups`` were not weighed (kg from the fill level)."""

    months: list[date]
    by_month: list[Decimal]
    by_comune: list[ComuneKg]
    by_operator: list[OperatorKg]
    pickups: int = 0
    estimated_pickups: int = 0
    overflow_incidents: int = 0
    population: int = 0  # of the comuni with kg in the table (all 133 when not filtered by comune)
    kg: Decimal = field(default=ZERO)

    @property
    def kg_per_inhabitant(self) -> Decimal | None:
        return self.kg / self.population if self.population else None


def pickups_query(scope: KpiFilter) -> Select[Any]:
    """The period's live pickups grouped by month, comune and operator: kg in tenths, count, estimated, overflow."""
    tenths = pickup_kg_tenths()
    month = month_index(Pickup.collected_at, scope.months)
    return (
        select(
            month,
            Bin.comune_code,
            Bin.operator_id,
            func.sum(tenths),
            func.count(),
            func.sum(case((Pickup.weight_kg.is_(None), 1), else_=0)),
            func.sum(case((Pickup.incidents.contains(IncidentCode.OVERFLOW.value), 1), else_=0)),
        )
        .join(Bin, Bin.id == Pickup.bin_id)
        .where(*live_pickups_in(scope), *bin_conditions(scope))
        .group_by(month, Bin.comune_code, Bin.operator_id)
    )


def collected(scope: KpiFilter) -> Collected:
    """One grouped query over the pickups (month × comune × operator), folded here into the three views."""
    rows = db.session.execute(pickups_query(scope)).all()
    by_month = [0] * len(scope.months)
    comune_kg: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    operator_kg: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    result = Collected(scope.months, [], [], [])
    for index, comune_code, operator_id, kg, count, estimated, overflow in rows:
        by_month[index] += kg or 0
        for bucket in (comune_kg[comune_code], operator_kg[operator_id]):
            bucket[0] += kg or 0
            bucket[1] += count
        result.pickups += count
        result.estimated_pickups += estimated or 0
        result.overflow_incidents += overflow or 0
    result.by_month = [kg_of_tenths(t) for t in by_month]
    result.kg = sum(result.by_month, ZERO)
    result.by_comune = _by_comune(scope, comune_kg)
    result.population = sum(c.population or 0 for c in result.by_comune)
    names = {
        i: n
        for i, n in db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(operator_kg))
        )
    }
    result.by_operator = sorted(
        (OperatorKg(i, names[i], kg_of_tenths(t), n) for i, (t, n) in operator_kg.items()), key=lambda o: -o.kg
    )
    return result


def _by_comune(scope: KpiFilter, comune_kg: dict[str, list[int]]) -> list[ComuneKg]:
    """Every comune in the filter (with 0 kg where nothing was collected), most kg first."""
    query = select(Comune.istat_code, Comune.name, Comune.population).order_by(Comune.name)
    if scope.comune_code:
        query = query.where(Comune.istat_code == scope.comune_code)
    found = [
        ComuneKg(code, name, population, kg_of_tenths(comune_kg[code][0]), comune_kg[code][1])
        for code, name, population in db.session.execute(query)
    ]
    return sorted(found, key=lambda c: -c.kg)
