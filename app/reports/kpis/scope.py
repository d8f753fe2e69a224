"""What the KPI page is asked for (period, operator, comune, stream) and the SQL pieces every figure shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, case, cast, func
from sqlalchemy.sql.elements import ColumnElement

from app.bins.models import Bin
from app.collection.models import Pickup
from app.core.clock import local_midnight

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class KpiFilter:
    """Local days ``start``..``end`` (both included) and the optional operator, comune and stream."""

    start: date
    end: date
    operator_id: int | None = None
    comune_code: str | None = None
    stream: str | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))

    @property
    def by_origin(self) -> bool:
        """Filtered by where the clothes were given (comune or stream of the bins)."""
        return bool(self.comune_code or self.stream)

    @property
    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, in order."""
        first, found = self.start.replace(day=1), []
        while first <= self.end:
            found.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return found


def month_index(column: Any, months: list[date]) -> ColumnElement[int]:
    """The 0-based month of the period a UTC moment falls in (Milan months, DST-safe, portable SQL)."""
    limits = [local_midnight((m + timedelta(days=32)).replace(day=1)) for m in months]
    return case(*((column < limit, n) for n, limit in enumerate(limits)), else_=len(months) - 1)


def pickup_kg_tenths() -> ColumnElement[int]:
    """A pickup's kg in tenths, as ``Pickup.kg``: weighed, or the fill % of the full weight rounded half-even.

    Integer arithmetic, so sums are exact on SQLite and PostgreSQL alike (``fill_kg`` rounds with Decimal's
    half-even: 33,25 kg → 33,2).
    """
    product = func.coalesce(Pickup.fill_percent, 0) * Bin.full_weight_kg  # kg × 100, an integer
    whole = product // 10
    rest = product - whole * 10
    rounded = whole + case((rest > 5, 1), ((rest == 5) & (whole % 2 == 1), 1), else_=0)
    weighed = cast(func.round(Pickup.weight_kg * 10), Integer)
    return case((Pickup.weight_kg.is_not(None), weighed), else_=rounded)


def kg_of_tenths(tenths: Any) -> Decimal:
    return (Decimal(int(tenths or 0)) * TENTH).quantize(TENTH)


def bin_conditions(scope: KpiFilter, *, with_operator: bool = True) -> list[ColumnElement[bool]]:
    """The filter on the bins (their operator, comune and stream)."""
    found: list[ColumnElement[bool]] = []
    if with_operator and scope.operator_id:
        found.append(Bin.operator_id == scope.operator_id)
    if scope.comune_code:
        found.append(Bin.comune_code == scope.comune_code)
    if scope.stream:
        found.append(Bin.stream == scope.stream)
    return found


def live_pickups_in(scope: KpiFilter) -> list[ColumnElement[bool]]:
    """Pickups of the period that a correction has not replaced."""
    low, high = scope.bounds
    return [Pickup.collected_at >= low, Pickup.collected_at < high, Pickup.superseded.is_(False)]


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole``, None when there is no whole (shown as «–»)."""
    return Decimal(part) / Decimal(whole) if whole else None
