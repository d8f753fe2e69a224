"""Who may see what of a household, and the append-only log of every identity read."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.core.inputs import excerpt
from app.core.policy import Permission, can
from app.errors import NotFoundError, PermissionDenied
from app.extensions import db
from app.welfare.models import Household, HouseholdIdentity, IdentityAccessLog


def covers(user: User | None, household: Household) -> bool:
    """Admins, and social workers whose office serves the household's comune."""
    if can(user, Permission.READ_ALL_HOUSEHOLDS):
        return True
    return can(user, Permission.MANAGE_HOUSEHOLDS) and household.comune_code in user.organisation.comune_codes  # type: ignore[union-attr]


def household_for(user: User | None, household_id: int) -> Household:
    """A household the user may manage; the same 404 whether it is missing or someone else's."""
    household = db.session.get(Household, household_id)
    if household is None or not covers(user, household):
        raise NotFoundError(_("Nucleo familiare non trovato."))
    return household


def household_by_code(code: str) -> Household:
    household = db.session.scalar(select(Household).where(Household.code == code.strip().upper()))
    if household is None:
        raise NotFoundError(_("Nessun nucleo familiare con il codice %(code)s.", code=excerpt(code)))
    return household


def log_access(household: Household, user: User | None, purpose: str) -> IdentityAccessLog:
    entry = IdentityAccessLog(household_id=household.id, user_id=user.id if user else None, purpose=purpose)
    db.session.add(entry)
    db.session.flush()
    return entry


def read_identity(household: Household, user: User | None, purpose: str = "view") -> HouseholdIdentity | None:
    """The identity of a household for a social worker of its comune or an admin; every read is logged."""
    if not covers(user, household):
        raise PermissionDenied(_("Non puoi vedere i dati personali di questo nucleo."))
    identity = db.session.get(HouseholdIdentity, household.id)
    if identity is not None:
        log_access(household, user, purpose)
    return identity


def read_identity_for_delivery(household: Household, user: User, service_date: date) -> HouseholdIdentity | None:
    """The identity read by a driver for a stop of their own published route today (checked by the caller).

    Logged once per driver, household and service day: the driver's phone refreshes its route sheet
    every few minutes, and one row already says who could read the address that day.
    """
    identity = db.session.get(HouseholdIdentity, household.id)
    purpose = f"delivery {service_date.isoformat()}"
    logged = select(IdentityAccessLog.id).where(
        IdentityAccessLog.household_id == household.id,
        IdentityAccessLog.user_id == user.id,
        IdentityAccessLog.purpose == purpose,
    )
    if identity is not None and db.session.scalar(logged.limit(1)) is None:
        log_access(household, user, purpose)
    return identity


def access_log(household: Household) -> list[IdentityAccessLog]:
    return list(
        db.session.scalars(
            select(IdentityAccessLog)
            .where(IdentityAccessLog.household_id == household.id)
            .order_by(IdentityAccessLog.id)
        )
    )


@event.listens_for(Session, "before_flush")
def _refuse_log_changes(session: Session, _context: Any, _instances: Any) -> None:
    """The access log is append-only: an update or delete through the ORM is an error."""
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, IdentityAccessLog) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionDenied(_("Il registro degli accessi non si modifica né si cancella."))
