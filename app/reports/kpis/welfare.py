"""Households and people served: households with a request delivered or collected in the period, by comune."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.fleet.models import Site
from app.geo.models import Comune
from app.reports.kpis.scope import KpiFilter
from app.stock.models import StockLocation
from app.welfare.models import (
    Allocation,
    GarmentRequest,
    Household,
    HouseholdMember,
    RequestLine,
    RequestStatus,
    RequestStatusChange,
)

SERVED = (RequestStatus.DELIVERED, RequestStatus.COLLECTED)


@dataclass(frozen=True)
class ServedRow:
    comune_code: str
    comune_name: str
    households: int
    people: int  # the members of those households


def served(scope: KpiFilter) -> list[ServedRow]:
    """Per comune, most households first. An operator counts the requests its stock (locations) supplied."""
    low, high = scope.bounds
    households = (
        select(GarmentRequest.household_id)
        .join(RequestStatusChange, RequestStatusChange.request_id == GarmentRequest.id)
        .where(RequestStatusChange.to_status.in_(SERVED), RequestStatusChange.at >= low, RequestStatusChange.at < high)
    )
    if scope.operator_id:
        supplied = (
            select(RequestLine.request_id)
            .join(Allocation, Allocation.line_id == RequestLine.id)
            .join(StockLocation, StockLocation.id == Allocation.location_id)
            .join(Site, Site.id == StockLocation.site_id)
            .where(Site.organisation_id == scope.operator_id, Allocation.issue_id.is_not(None))
        )
        households = households.where(GarmentRequest.id.in_(supplied.scalar_subquery()))
    members = (
        select(HouseholdMember.household_id, func.count().label("people"))
        .group_by(HouseholdMember.household_id)
        .subquery()
    )
    query = (
        select(
            Household.comune_code, Comune.name, func.count(Household.id), func.coalesce(func.sum(members.c.people), 0)
        )
        .join(Comune, Comune.istat_code == Household.comune_code)
        .outerjoin(members, members.c.household_id == Household.id)
        .where(Household.id.in_(households.scalar_subquery()))
        .group_by(Household.comune_code, Comune.name)
    )
    if scope.comune_code:
        query = query.where(Household.comune_code == scope.comune_code)
    rows = [ServedRow(code, name, int(n), int(people)) for code, name, n, people in db.session.execute(query)]
    return sorted(rows, key=lambda r: (-r.households, r.comune_name))
