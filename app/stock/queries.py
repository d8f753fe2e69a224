"""Read-only views of the stock: availability with filters, movement histories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.auth.models import User
from app.core.policy import Permission, can
from app.extensions import db
from app.fleet.models import Site
from app.stock.models import StockBalance, StockItem, StockLocation, StockMovement


@dataclass(frozen=True)
class Availability:
    item: StockItem
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _scoped(query, user: User):  # type: ignore[no-untyped-def]
    """Operators see their organisation's sites; coordinators, admins and social workers see all."""
    if can(user, Permission.SEE_ALL_STOCK):
        return query
    return query.where(Site.organisation_id == user.organisation_id)


def availability(user: User, filters: dict[str, str]) -> list[Availability]:
    """Pieces per item across the visible locations, filtered by category, group, size and season."""
    query = (
        select(StockItem, func.sum(StockBalance.on_hand), func.sum(StockBalance.reserved))
        .join(StockBalance, StockBalance.item_id == StockItem.id)
        .join(StockLocation, StockLocation.id == StockBalance.location_id)
        .join(Site, Site.id == StockLocation.site_id)
        .group_by(StockItem.id)
        .having(func.sum(StockBalance.on_hand) > 0)
        .order_by(StockItem.category, StockItem.age_group, StockItem.size_system, StockItem.size)
    )
    for name in ("category", "age_group", "season"):
        if filters.get(name):
            query = query.where(getattr(StockItem, name) == filters[name])
    if filters.get("size"):
        query = query.where(func.lower(StockItem.size) == filters["size"].strip().lower())
    rows = db.session.execute(_scoped(query, user)).all()
    return [Availability(item, int(on_hand), int(reserved)) for item, on_hand, reserved in rows]


def locations(user: User) -> Sequence[StockLocation]:
    query = (
        select(StockLocation).join(Site).where(StockLocation.active.is_(True)).order_by(Site.name, StockLocation.code)
    )
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Site.organisation_id == user.organisation_id)
    return db.session.scalars(query).all()


def balances_at(location: StockLocation) -> Sequence[StockBalance]:
    query = select(StockBalance).join(StockItem).where(StockBalance.location_id == location.id)
    return db.session.scalars(query.order_by(StockItem.category, StockItem.size)).all()


def balances_of(item: StockItem, user: User) -> Sequence[StockBalance]:
    query = select(StockBalance).join(StockLocation).join(Site).where(StockBalance.item_id == item.id)
    return db.session.scalars(_scoped(query, user).where(StockBalance.on_hand > 0)).all()


def movements(user: User, item_id: int | None = None, location_id: int | None = None) -> Sequence[StockMovement]:
    query = select(StockMovement).join(StockLocation).join(Site)
    if item_id is not None:
        query = query.where(StockMovement.item_id == item_id)
    if location_id is not None:
        query = query.where(StockMovement.location_id == location_id)
    query = _scoped(query, user).order_by(StockMovement.at.desc(), StockMovement.id.desc()).limit(500)
    return db.session.scalars(query).all()
