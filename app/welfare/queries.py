"""What each role may list and open: households and requests, pseudonymous unless allowed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.core.policy import Permission, can
from app.errors import NotFoundError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.stock.queries import availability
from app.welfare.models import Delivery, DeliveryStatus, GarmentRequest, Household, RequestStatus
from app.welfare.privacy import covers
from app.welfare.requests import line_group


def requests_for(user: User, status: str | None = None) -> list[GarmentRequest]:
    """Requests of the worker's comuni, or every request for coordinators, operators and admins."""
    query = select(GarmentRequest).join(Household).order_by(GarmentRequest.urgent.desc(), GarmentRequest.id.desc())
    if can(user, Permission.PREPARE_REQUESTS):
        pass
    elif can(user, Permission.MANAGE_HOUSEHOLDS):
        query = query.where(Household.comune_code.in_(user.organisation.comune_codes or {""}))
    else:
        return []
    if status:
        query = query.where(GarmentRequest.status == status)
    return list(db.session.scalars(query.limit(500)))


def request_for(user: User, request_id: int) -> GarmentRequest:
    """A request the user may open; the same 404 whether missing or not theirs."""
    request = db.session.get(GarmentRequest, request_id)
    if request is None or not (can(user, Permission.PREPARE_REQUESTS) or covers(user, request.household)):
        raise NotFoundError(_("Richiesta non trovata."))
    return request


def household_requests(household: Household) -> list[GarmentRequest]:
    query = select(GarmentRequest).where(GarmentRequest.household_id == household.id)
    return list(db.session.scalars(query.order_by(GarmentRequest.id.desc())))


def deliveries_for(request: GarmentRequest) -> list[Delivery]:
    return list(db.session.scalars(select(Delivery).where(Delivery.request_id == request.id).order_by(Delivery.id)))


def deliveries_to_plan() -> list[Delivery]:
    query = select(Delivery).where(Delivery.status.in_((DeliveryStatus.TO_PLAN, DeliveryStatus.FAILED)))
    return list(db.session.scalars(query.order_by(Delivery.id)))


def distribution_points() -> list[Site]:
    query = select(Site).where(Site.kind == SiteKind.DISTRIBUTION_POINT, Site.active.is_(True)).order_by(Site.name)
    return list(db.session.scalars(query))


def site_for(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFoundError(_("Sede non trovata."))
    return site


@dataclass(frozen=True)
class InStock:
    """Pieces available (on the shelves, not reserved) of one garment, size and season."""

    category: str
    age_group: str
    size: str
    season: str
    available: int
    members: tuple[str, ...] = ()  # the members who wear this size


def _wearers(household: Household, group: str, size: str) -> tuple[str, ...]:
    return tuple(
        m.label
        for m in household.members
        if group in (line_group(m), "unisex") and size in (m.clothing_size, m.shoe_size)
    )


def stock_for(household: Household, user: User) -> list[InStock]:
    """What the stock holds now for the groups of the household's members (and unisex), by category and size."""
    groups = {line_group(member) for member in household.members} | {"unisex"}
    pieces: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for row in availability(user, {}):
        item = row.item
        if item.age_group in groups and row.available > 0:
            pieces[(item.category, item.age_group, item.size, item.season)] += row.available
    return [
        InStock(*key, available=n, members=_wearers(household, key[1], key[2])) for key, n in sorted(pieces.items())
    ]


def overview(user: User) -> dict[str, Any]:
    """The social worker's home: open requests, the ones recently completed, and the status labels."""
    from app.welfare.catalog import STATUS_LABELS

    rows = requests_for(user)
    done = (RequestStatus.DELIVERED, RequestStatus.COLLECTED, RequestStatus.CANCELLED, RequestStatus.REJECTED)
    return {
        "open": [r for r in rows if r.status not in done],
        "done": [r for r in rows if r.status in done][:20],
        "all_done": [r for r in rows if r.status in done],
        "labels": STATUS_LABELS,
    }
