"""Choices and access for the chain pages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.auth.models import Organisation, OrganisationKind, User
from app.bins.models import Bin
from app.core.policy import Permission, can
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.geo.models import Comune


def operators(user: User) -> Sequence[Organisation]:
    query = select(Organisation).where(Organisation.kind == OrganisationKind.OPERATOR).order_by(Organisation.name)
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Organisation.id == user.organisation_id)
    return db.session.scalars(query).all()


def plants(user: User) -> Sequence[Site]:
    query = select(Site).where(Site.kind == SiteKind.SORTING_PLANT).order_by(Site.name)
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Site.organisation_id == user.organisation_id)
    return db.session.scalars(query).all()


def comuni() -> list[tuple[str, str]]:
    """(ISTAT code, name) of every comune, without their boundaries."""
    rows = db.session.execute(select(Comune.istat_code, Comune.name).order_by(Comune.name))
    return [(code, name) for code, name in rows]


def visible_bin(bin_id: int, user: User) -> Bin | None:
    found = db.session.get(Bin, bin_id)
    if found is None or not (can(user, Permission.SEE_ALL_OPERATORS) or found.operator_id == user.organisation_id):
        return None
    return found
