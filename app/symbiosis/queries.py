"""Reads for the marketplace pages and for matching: public listings, one's own, matches as a side may see them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import Organisation, User
from app.core.policy import Permission, can
from app.extensions import db
from app.fleet.models import Site
from app.symbiosis.matching import Candidate
from app.symbiosis.models import CompanyProfile, Listing, ListingFibre, Match, MatchStatus, Notice

PAGE_SIZE = 50
MAX_PAGE = 10_000
SHOWN = (MatchStatus.ACCEPTED, MatchStatus.COMPLETED)  # contacts are shown once both sides accepted


def _public() -> Select[Any]:
    """Open listings, not hidden, of approved participants."""
    approved = select(CompanyProfile.organisation_id).where(CompanyProfile.approved_at.is_not(None))
    return select(Listing).where(
        Listing.open.is_(True), Listing.hidden_at.is_(None), Listing.organisation_id.in_(approved.scalar_subquery())
    )


def candidate_of(listing: Listing) -> Candidate:
    return Candidate(
        id=listing.id,
        organisation_id=listing.organisation_id,
        side=listing.side,
        kind=listing.kind,
        category=listing.category,
        composition=listing.composition,
        quantity=float(listing.quantity),
        unit=listing.unit,
        lon=listing.site.lon if listing.site else None,
        lat=listing.site.lat if listing.site else None,
        available_from=listing.available_from,
        available_until=listing.available_until,
    )


def open_candidates(listing: Listing) -> list[Candidate]:
    """The public listings that could match ``listing``: other side, same kind, another organisation (two reads)."""
    ids = _public().where(
        Listing.side != listing.side, Listing.kind == listing.kind, Listing.organisation_id != listing.organisation_id
    )
    rows = db.session.execute(
        select(
            Listing.id,
            Listing.organisation_id,
            Listing.side,
            Listing.category,
            Listing.quantity,
            Listing.unit,
            Site.lon,
            Site.lat,
            Listing.available_from,
            Listing.available_until,
        )
        .outerjoin(Site, Site.id == Listing.site_id)
        .where(Listing.id.in_(ids.with_only_columns(Listing.id).scalar_subquery()))
    ).all()
    fibres: dict[int, dict[str, int]] = defaultdict(dict)
    if listing.kind == "material":
        for listing_id, fibre, percent in db.session.execute(
            select(ListingFibre.listing_id, ListingFibre.fibre, ListingFibre.percent).where(
                ListingFibre.listing_id.in_([r.id for r in rows])
            )
        ):
            fibres[listing_id][fibre] = percent
    return [
        Candidate(
            r.id,
            r.organisation_id,
            r.side,
            listing.kind,
            r.category,
            fibres.get(r.id, {}),
            float(r.quantity),
            r.unit,
            r.lon,
            r.lat,
            r.available_from,
            r.available_until,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Search:
    side: str = ""
    kind: str = ""
    category: str = ""
    text: str = ""


def search(criteria: Search, user: User, page: int = 1) -> list[Listing]:
    """Public listings (and the user's own), newest first, filtered; a page of ``PAGE_SIZE``."""
    query = _public()
    if not can(user, Permission.MODERATE_SYMBIOSIS):
        query = select(Listing).where(
            or_(
                Listing.id.in_(query.with_only_columns(Listing.id).scalar_subquery()),
                Listing.organisation_id == user.organisation_id,
            )
        )
    else:
        query = select(Listing)
    for column, value in (
        (Listing.side, criteria.side),
        (Listing.kind, criteria.kind),
        (Listing.category, criteria.category),
    ):
        if value:
            query = query.where(column == value)
    if criteria.text.strip():
        like = f"%{criteria.text.strip()[:60]}%"
        query = query.where(or_(Listing.title.ilike(like), Listing.description.ilike(like)))
    query = query.options(selectinload(Listing.fibres), selectinload(Listing.site).selectinload(Site.comune))
    page = min(max(page, 1), MAX_PAGE)  # a huge number would overflow the database's offset
    query = query.order_by(Listing.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return list(db.session.scalars(query))


def may_see(listing: Listing, user: User) -> bool:
    if listing.organisation_id == user.organisation_id or can(user, Permission.MODERATE_SYMBIOSIS):
        return True
    return db.session.scalar(_public().where(Listing.id == listing.id).with_only_columns(Listing.id)) is not None


def matches_for(user: User) -> list[Match]:
    """The user's organisation's matches (all of them for coordinators), newest first."""
    query = select(Match).options(selectinload(Match.offer), selectinload(Match.need))
    if not can(user, Permission.MODERATE_SYMBIOSIS):
        own = select(Listing.id).where(Listing.organisation_id == user.organisation_id).scalar_subquery()
        query = query.where(or_(Match.offer_id.in_(own), Match.need_id.in_(own)))
    return list(db.session.scalars(query.order_by(Match.id.desc()).limit(200)))


@dataclass(frozen=True)
class Contact:
    organisation: str
    name: str
    email: str
    phone: str
    address: str


def contact_of(listing: Listing) -> Contact | None:
    profile = db.session.get(CompanyProfile, listing.organisation_id)
    if profile is None:
        return None
    address = listing.site.address if listing.site else ""
    return Contact(
        listing.organisation.name, profile.contact_name, profile.contact_email, profile.contact_phone, address
    )


def contacts(match: Match, user: User) -> dict[str, Contact | None]:
    """Each side's contact details, only once both sides accepted (coordinators always see them)."""
    if match.status not in SHOWN and not can(user, Permission.MODERATE_SYMBIOSIS):
        return {}
    return {"offer": contact_of(match.offer), "need": contact_of(match.need)}


def unread_notices(user: User) -> list[Notice]:
    query = select(Notice).where(Notice.organisation_id == user.organisation_id, Notice.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notice.id.desc()).limit(50)))


def profile_of(organisation_id: int) -> CompanyProfile | None:
    return db.session.get(CompanyProfile, organisation_id)


def pending_profiles() -> list[CompanyProfile]:
    query = select(CompanyProfile).where(CompanyProfile.approved_at.is_(None)).order_by(CompanyProfile.created_at)
    return list(db.session.scalars(query))


def own_sites(organisation: Organisation) -> list[Site]:
    query = select(Site).where(Site.organisation_id == organisation.id, Site.active.is_(True)).order_by(Site.name)
    return list(db.session.scalars(query))
