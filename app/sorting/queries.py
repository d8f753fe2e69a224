"""Read-only lists for the sorting pages, limited to what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import Organisation, OrganisationKind, User
from app.collection.models import Pickup, PickupSource
from app.core.policy import Permission, can
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.sorting.models import (
    Fraction,
    IntakeBatch,
    KgEntry,
    OutboundLeg,
    OutboundLine,
    OutboundPartner,
    SessionInput,
    SessionStatus,
    SortingSession,
    batch_pickup,
)


def _own_sites(query: Select, site_column: object, user: User) -> Select:
    if can(user, Permission.SEE_ALL_OPERATORS):
        return query
    return query.join(Site, Site.id == site_column).where(Site.organisation_id == user.organisation_id)


def acts_on(user: User | None, site: Site) -> bool:
    """Coordinators and admins (and the system, user None) act on every site; plant staff on their organisation's."""
    if user is None or can(user, Permission.SEE_ALL_OPERATORS):
        return True
    return can(user, Permission.WORK_PLANT) and site.organisation_id == user.organisation_id


def plants(user: User, kinds: tuple[str, ...] = (SiteKind.SORTING_PLANT,)) -> Sequence[Site]:
    query = select(Site).where(Site.kind.in_(kinds), Site.active.is_(True)).order_by(Site.name)
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Site.organisation_id == user.organisation_id)
    return db.session.scalars(query).all()


def batches(user: User, limit: int = 200, unsorted_only: bool = False) -> Sequence[IntakeBatch]:
    query = _own_sites(select(IntakeBatch), IntakeBatch.site_id, user)
    if unsorted_only:
        query = query.outerjoin(SessionInput, SessionInput.batch_id == IntakeBatch.id).where(SessionInput.id.is_(None))
    return db.session.scalars(query.order_by(IntakeBatch.received_at.desc()).limit(limit)).all()


def sessions(user: User, limit: int = 100) -> Sequence[SortingSession]:
    query = _own_sites(select(SortingSession), SortingSession.site_id, user)
    return db.session.scalars(query.order_by(SortingSession.opened_at.desc()).limit(limit)).all()


def closed_fractions(user: User, kinds: tuple[str, ...] | None = None) -> Sequence[Fraction]:
    query = select(Fraction).join(SortingSession).where(SortingSession.status == SessionStatus.CLOSED)
    if kinds:
        query = query.where(Fraction.kind.in_(kinds))
    query = _own_sites(query, SortingSession.site_id, user)
    return db.session.scalars(query.order_by(Fraction.id.desc()).limit(300)).all()


def fractions_with_kg_left(user: User) -> list[tuple[Fraction, Decimal]]:
    """Fractions of closed sessions at the user's plants that still hold kilos, newest first."""
    left = func.sum(KgEntry.delta_kg)
    query = (
        select(Fraction, left)
        .join(SortingSession, SortingSession.id == Fraction.session_id)
        .join(KgEntry, KgEntry.fraction_id == Fraction.id)
        .where(SortingSession.status == SessionStatus.CLOSED)
        .group_by(Fraction.id)
        .having(left > 0)
    )
    query = _own_sites(query, SortingSession.site_id, user).order_by(Fraction.id.desc()).limit(300)
    return [(fraction, Decimal(kg)) for fraction, kg in db.session.execute(query)]


def legs(user: User, limit: int = 1000) -> Sequence[OutboundLeg]:
    """Outbound legs of the user's plants, newest first, with their lines and partners."""
    query = _own_sites(select(OutboundLeg), OutboundLeg.site_id, user).options(
        selectinload(OutboundLeg.lines).joinedload(OutboundLine.fraction),
        joinedload(OutboundLeg.destination),
        joinedload(OutboundLeg.carrier),
        joinedload(OutboundLeg.site),
    )
    return db.session.scalars(query.order_by(OutboundLeg.shipped_at.desc(), OutboundLeg.id.desc()).limit(limit)).all()


def partners(user: User, kinds: tuple[str, ...] | None = None, active_only: bool = False) -> Sequence[OutboundPartner]:
    """The outbound partners of the user's organisation (coordinators: every organisation's), by name."""
    query = select(OutboundPartner).order_by(OutboundPartner.name, OutboundPartner.id)
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(OutboundPartner.organisation_id == user.organisation_id)
    if kinds:
        query = query.where(OutboundPartner.kind.in_(kinds))
    if active_only:
        query = query.where(OutboundPartner.active.is_(True))
    return db.session.scalars(query).all()


def organisations() -> Sequence[Organisation]:
    query = select(Organisation).where(Organisation.kind == OrganisationKind.OPERATOR).order_by(Organisation.name)
    return db.session.scalars(query).all()


def loose_pickups(vehicle_id: int, limit: int = 300) -> Sequence[Pickup]:
    """A vehicle's current pickups not yet in any intake, oldest first: what it may still have on board."""
    query = (
        select(Pickup)
        .where(
            Pickup.vehicle_id == vehicle_id,
            Pickup.superseded.is_(False),
            Pickup.source != PickupSource.ROUND,  # a round's pickups arrive with its unloads
            Pickup.id.not_in(select(batch_pickup.c.pickup_id)),
        )
        .order_by(Pickup.collected_at, Pickup.id)
        .limit(limit)
    )
    return db.session.scalars(query).all()
