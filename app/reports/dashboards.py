"""What each role's home page shows: its figures and its to-dos, read in a few grouped queries.

Coordinator: today's rounds and their progress, bins at overflow risk, required bins left out of
today's and tomorrow's plans, kg this month against the same days of last year, open differences
of the chain. Operator: bins due, recent pickups, the organisation's kg; at the plant: unloads
waiting, lots waiting for sorting, open sessions, stock. Social worker: requests by status,
households served. Admin: users, API tokens, the planning queue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, case, func, select

from app.auth.models import User
from app.bins.models import Bin, BinStatus
from app.chain import balance
from app.chain.flow import Scope, follow
from app.collection.forecast import BinForecast, forecast_bins
from app.collection.models import ApiToken, Pickup
from app.core.clock import local_midnight, local_today, utcnow
from app.core.policy import Permission, can
from app.extensions import db
from app.fleet.models import Site, Vehicle
from app.reports.kpis.scope import kg_of_tenths, pickup_kg_tenths
from app.rounds.models import (
    JobStatus,
    PlanningJob,
    PlanStatus,
    RoundPlan,
    RoundRoute,
    RouteStop,
    StopKind,
    StopStatus,
    UnassignedStop,
)
from app.sorting import arrivals
from app.sorting.models import IntakeBatch, SessionInput, SessionStatus, SortingSession
from app.stock.models import StockBalance, StockLocation
from app.welfare.models import GarmentRequest, Household, RequestStatus

ZERO = Decimal(0)
RISK_PROBABILITY = 0.5  # a bin is at risk when it is more likely than not to overflow by tomorrow morning
RISK_FILL = 0.9


def _own(query: Select, column: object, user: User) -> Select:
    """Operators see their organisation's rows; coordinators and admins every one."""
    return query if can(user, Permission.SEE_ALL_OPERATORS) else query.where(column == user.organisation_id)


@dataclass(frozen=True)
class RouteProgress:
    route_id: int
    plan_id: int
    kind: str
    plate: str
    driver: str
    done: int
    total: int
    closed: bool

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def todays_rounds(user: User, day: date | None = None) -> list[RouteProgress]:
    """Published routes of the day with stops done out of stops to do (unloads not counted)."""
    day = day or local_today()
    done = func.sum(case((RouteStop.status != StopStatus.PENDING, 1), else_=0))
    query = (
        select(RoundRoute, func.count(RouteStop.id), done)
        .join(RoundPlan, RoundPlan.id == RoundRoute.plan_id)
        .outerjoin(RouteStop, (RouteStop.route_id == RoundRoute.id) & (RouteStop.kind != StopKind.RELOAD))
        .where(RoundPlan.service_date == day, RoundPlan.status.in_((PlanStatus.PUBLISHED, PlanStatus.CLOSED)))
        .group_by(RoundRoute.id, RoundPlan.id)
        .order_by(RoundPlan.kind, RoundRoute.position)
    )
    query = _own(query.join(Vehicle, Vehicle.id == RoundRoute.vehicle_id), Vehicle.organisation_id, user)
    return [
        RouteProgress(
            route.id,
            route.plan_id,
            route.plan.kind,
            route.vehicle.plate,
            route.driver.full_name if route.driver else "",
            int(finished or 0),
            int(total or 0),
            route.closed_at is not None or route.plan.status == PlanStatus.CLOSED,
        )
        for route, total, finished in db.session.execute(query)
    ]


def overflow_risk(user: User, limit: int = 10, now: datetime | None = None) -> list[tuple[Bin, BinForecast]]:
    """Active bins most likely to overflow by tomorrow morning, the likeliest first."""
    now = now or utcnow()
    tomorrow = local_midnight(local_today(now) + timedelta(days=1)) + timedelta(hours=7)
    bins = {
        b.id: b
        for b in db.session.scalars(_own(select(Bin).where(Bin.status == BinStatus.ACTIVE), Bin.operator_id, user))
    }
    forecasts = forecast_bins(list(bins), tomorrow)
    risky = [
        (bins[i], f)
        for i, f in forecasts.items()
        if f.overflow_probability >= RISK_PROBABILITY or f.fill_ratio >= RISK_FILL
    ]
    risky.sort(key=lambda pair: (-pair[1].overflow_probability, -pair[1].fill_ratio))
    return risky[:limit]


def unplanned_required(user: User, day: date | None = None) -> list[UnassignedStop]:
    """Required bins left out of today's and tomorrow's collection plans (latest plan of each day)."""
    day = day or local_today()
    query = (
        select(UnassignedStop)
        .join(RoundPlan, RoundPlan.id == UnassignedStop.plan_id)
        .join(Bin, Bin.id == UnassignedStop.bin_id)
        .where(
            UnassignedStop.required.is_(True),
            RoundPlan.service_date.in_((day, day + timedelta(days=1))),
            RoundPlan.status != PlanStatus.CLOSED,
        )
        .order_by(RoundPlan.service_date, Bin.code)
    )
    return list(db.session.scalars(_own(query, Bin.operator_id, user)))


def _pickup_kg(start: datetime, end: datetime, user: User) -> Decimal:
    """kg of the live pickups in [start, end), counted as the KPI page counts them (exact tenths)."""
    query = (
        select(func.sum(pickup_kg_tenths()))
        .join(Bin, Bin.id == Pickup.bin_id)
        .where(Pickup.collected_at >= start, Pickup.collected_at < end, Pickup.superseded.is_(False))
    )
    return kg_of_tenths(db.session.scalar(_own(query, Bin.operator_id, user)))


@dataclass(frozen=True)
class MonthKg:
    this_year: Decimal
    last_year: Decimal
    days: int  # of this month so far (today included)

    @property
    def change_percent(self) -> Decimal | None:
        return (self.this_year - self.last_year) / self.last_year * 100 if self.last_year else None


def month_kg(user: User, today: date | None = None) -> MonthKg:
    """kg collected this month so far, and in the same days of the month last year."""
    today = today or local_today()
    first = today.replace(day=1)
    try:
        last_year = first.replace(year=first.year - 1)
    except ValueError:  # pragma: no cover - the first of a month always exists a year before
        last_year = first - timedelta(days=365)
    days = (today - first).days + 1
    return MonthKg(
        _pickup_kg(local_midnight(first), local_midnight(today + timedelta(days=1)), user),
        _pickup_kg(local_midnight(last_year), local_midnight(last_year + timedelta(days=days)), user),
        days,
    )


@dataclass(frozen=True)
class ChainAlerts:
    month: date
    unexplained: int
    explained: int


def chain_alerts(user: User, today: date | None = None) -> list[ChainAlerts]:
    """Differences of the chain for last month and this month (operators: their bins)."""
    today = today or local_today()
    this_first = today.replace(day=1)
    last_first = (this_first - timedelta(days=1)).replace(day=1)
    operator = None if can(user, Permission.SEE_ALL_OPERATORS) else user.organisation_id
    found = []
    for first, last in ((last_first, this_first - timedelta(days=1)), (this_first, today)):
        hops = balance.hops(follow(Scope(first, last, operator_id=operator)))
        found.append(ChainAlerts(first, sum(len(h.unexplained) for h in hops), sum(len(h.explained) for h in hops)))
    return found


def recent_pickups(user: User, limit: int = 10) -> list[Pickup]:
    query = (
        select(Pickup)
        .join(Bin, Bin.id == Pickup.bin_id)
        .where(Pickup.superseded.is_(False))
        .order_by(Pickup.collected_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(_own(query, Bin.operator_id, user)))


@dataclass(frozen=True)
class PlantStatus:
    arrivals: list[arrivals.Arrival]
    waiting_batches: int
    waiting_kg: Decimal
    open_sessions: list[SortingSession]
    stock: list[tuple[str, int, int]]  # site name, pieces on hand, reserved


def plant_status(user: User) -> PlantStatus:
    """Unloads waiting for intake, lots waiting for sorting, open sessions, stock per site."""
    unsorted = (
        select(func.count(IntakeBatch.id), func.coalesce(func.sum(IntakeBatch.net_kg), 0))
        .join(Site, Site.id == IntakeBatch.site_id)
        .outerjoin(SessionInput, SessionInput.batch_id == IntakeBatch.id)
        .where(SessionInput.id.is_(None))
    )
    count, kg = db.session.execute(_own(unsorted, Site.organisation_id, user)).one()
    sessions = (
        select(SortingSession)
        .join(Site, Site.id == SortingSession.site_id)
        .where(SortingSession.status == SessionStatus.OPEN)
        .order_by(SortingSession.opened_at)
    )
    stock = (
        select(Site.name, func.sum(StockBalance.on_hand), func.sum(StockBalance.reserved))
        .join(StockLocation, StockLocation.id == StockBalance.location_id)
        .join(Site, Site.id == StockLocation.site_id)
        .group_by(Site.name)
        .order_by(Site.name)
    )
    return PlantStatus(
        arrivals=arrivals.waiting(user),
        waiting_batches=int(count),
        waiting_kg=Decimal(str(kg)).quantize(Decimal("0.1")),
        open_sessions=list(db.session.scalars(_own(sessions, Site.organisation_id, user))),
        stock=[
            (name, int(on), int(res)) for name, on, res in db.session.execute(_own(stock, Site.organisation_id, user))
        ],
    )


@dataclass(frozen=True)
class WelfareFigures:
    by_status: dict[str, int]
    households_served: int  # households that received garments this year
    people_served: int


def welfare_figures(requests: list[GarmentRequest], today: date | None = None) -> WelfareFigures:
    """Counts over the requests a social worker may see (already filtered to their comuni)."""
    today = today or local_today()
    start = local_midnight(today.replace(month=1, day=1))
    served = {
        r.household_id: r.household
        for r in requests
        if r.status in (RequestStatus.DELIVERED, RequestStatus.COLLECTED) and r.updated_at >= start
    }
    return WelfareFigures(
        by_status=dict(Counter(r.status for r in requests)),
        households_served=len(served),
        people_served=sum(len(h.members) for h in served.values()),
    )


@dataclass(frozen=True)
class AdminFigures:
    users_by_role: dict[str, int]
    active_tokens: int
    jobs: dict[str, int]  # planning jobs of the last 7 days by status
    stuck_jobs: list[PlanningJob]  # queued or running for more than 15 minutes


def admin_figures(now: datetime | None = None) -> AdminFigures:
    now = now or utcnow()
    roles = dict(
        db.session.execute(
            select(User.role, func.count(User.id)).where(User.active.is_(True)).group_by(User.role)
        ).all()
    )
    tokens = db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.revoked_at.is_(None), (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now)
        )
    )
    jobs = dict(
        db.session.execute(
            select(PlanningJob.status, func.count(PlanningJob.id))
            .where(PlanningJob.created_at >= now - timedelta(days=7))
            .group_by(PlanningJob.status)
        ).all()
    )
    stuck = db.session.scalars(
        select(PlanningJob)
        .where(
            PlanningJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            PlanningJob.created_at < now - timedelta(minutes=15),
        )
        .order_by(PlanningJob.created_at)
    )
    return AdminFigures(
        users_by_role={str(k): int(v) for k, v in roles.items()},
        active_tokens=int(tokens or 0),
        jobs={str(k): int(v) for k, v in jobs.items()},
        stuck_jobs=list(stuck),
    )


def households_count(user: User) -> int:
    query = select(func.count(Household.id)).where(Household.status == "active")
    if not can(user, Permission.READ_ALL_HOUSEHOLDS):
        query = query.where(Household.comune_code.in_(user.organisation.comune_codes))  # type: ignore[union-attr]
    return int(db.session.scalar(query) or 0)
