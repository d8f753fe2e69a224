"""Households: registration with consent, identity kept apart, members with sizes, retention."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.auth.models import User
from app.core.clock import local_today, utcnow
from app.core.policy import Permission, can
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.geo.models import Comune
from app.geo.services import comune_at
from app.stock.sizes import SizeSystem, normalise_size
from app.welfare.catalog import AGE_BANDS, GENDERS
from app.welfare.models import Household, HouseholdIdentity, HouseholdMember, HouseholdStatus
from app.welfare.privacy import covers, log_access

_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CAP = re.compile(r"^\d{5}$")
_PHONE = re.compile(r"^\+?[\d ]{6,20}$")
CLOTHING_SYSTEMS = (SizeSystem.LETTERS, SizeSystem.ITALIAN, SizeSystem.CHILDREN)


@dataclass(frozen=True)
class IdentityData:
    name: str
    street: str
    cap: str
    lon: float
    lat: float
    civic: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""


@dataclass(frozen=True)
class MemberData:
    label: str
    age_band: str
    gender: str
    clothing_size_system: str
    clothing_size: str
    shoe_size: str = ""


def retention_days() -> int:
    return int(current_app.config.get("WELFARE_RETENTION_DAYS", 730))


def new_code() -> str:
    """A fresh pseudonymous code like ``MI-7K3Q9``."""
    while True:
        code = "MI-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))
        if db.session.scalar(select(Household.id).where(Household.code == code)) is None:
            return code


def _check_identity(data: IdentityData) -> None:
    if not data.name.strip():
        raise ValidationError(_("Campo obbligatorio."), field="name")
    if not data.street.strip():
        raise ValidationError(_("Campo obbligatorio."), field="street")
    if not _CAP.match(data.cap.strip()):
        raise ValidationError(_("Il CAP deve avere 5 cifre."), field="cap")
    if data.phone.strip() and not _PHONE.match(data.phone.strip()):
        raise ValidationError(_("Numero di telefono non valido."), field="phone")
    if data.email.strip() and "@" not in data.email:
        raise ValidationError(_("Indirizzo e-mail non valido."), field="email")


def _comune_for(data: IdentityData, user: User) -> str:
    """The comune of the address, which must be one the worker's office serves."""
    comune = comune_at(data.lon, data.lat)
    if not can(user, Permission.READ_ALL_HOUSEHOLDS) and comune.istat_code not in user.organisation.comune_codes:
        raise ValidationError(
            _("L'indirizzo è a %(comune)s, fuori dai comuni del tuo ufficio.", comune=comune.name), field="lon"
        )
    return comune.istat_code


def _write_identity(identity: HouseholdIdentity, data: IdentityData) -> None:
    identity.name = " ".join(data.name.split())
    identity.street = " ".join(data.street.split())
    identity.civic = data.civic.strip()
    identity.cap = data.cap.strip()
    identity.lon, identity.lat = data.lon, data.lat
    identity.phone = data.phone.strip()
    identity.email = data.email.strip().lower()
    identity.notes = data.notes.strip()


def register_household(data: IdentityData, consent: bool, user: User) -> Household:
    """A new household of one of the worker's comuni; consent to the processing is required."""
    if not can(user, Permission.MANAGE_HOUSEHOLDS):
        raise PermissionDenied(_("Solo i servizi sociali registrano nuclei familiari."))
    if not consent:
        raise ValidationError(_("Serve il consenso al trattamento dei dati."), field="consent")
    _check_identity(data)
    comune_code = _comune_for(data, user)
    household = Household(
        code=new_code(),
        comune_code=comune_code,
        office_id=user.organisation_id,
        consent_at=utcnow(),
        retention_until=local_today() + timedelta(days=retention_days()),
    )
    db.session.add(household)
    db.session.flush()
    identity = HouseholdIdentity(household_id=household.id)
    _write_identity(identity, data)
    db.session.add(identity)
    log_access(household, user, "create")
    return household


def update_identity(household: Household, data: IdentityData, user: User) -> HouseholdIdentity:
    """Change name, contacts or address; the address must stay in the worker's comuni."""
    _check_active(household, user)
    _check_identity(data)
    household.comune_code = _comune_for(data, user)
    identity = db.session.get(HouseholdIdentity, household.id) or HouseholdIdentity(household_id=household.id)
    _write_identity(identity, data)
    db.session.add(identity)
    touch(household)
    log_access(household, user, "edit")
    return identity


def _check_active(household: Household, user: User) -> None:
    if not covers(user, household):
        raise PermissionDenied(_("Non puoi modificare questo nucleo."))
    if household.status != HouseholdStatus.ACTIVE:
        raise ValidationError(_("Il nucleo è stato anonimizzato e non si modifica più."))


def _member_sizes(data: MemberData) -> tuple[str, str]:
    if data.clothing_size_system not in CLOTHING_SYSTEMS:
        raise ValidationError(_("Sistema di taglie non valido."), field="clothing_size_system")
    clothing = normalise_size(data.clothing_size_system, data.clothing_size)
    shoes = normalise_size(SizeSystem.SHOES_EU, data.shoe_size) if data.shoe_size.strip() else ""
    return clothing, shoes


def add_member(household: Household, data: MemberData, user: User) -> HouseholdMember:
    """A member by age band, gender and sizes (no name)."""
    _check_active(household, user)
    if not data.label.strip():
        raise ValidationError(_("Campo obbligatorio."), field="label")
    if data.age_band not in AGE_BANDS:
        raise ValidationError(_("Fascia d'età non valida."), field="age_band")
    if data.gender not in GENDERS:  # «unisex» and «neonato» are groups of garments, not a person's gender
        raise ValidationError(_("Genere non valido."), field="gender")
    clothing, shoes = _member_sizes(data)
    member = HouseholdMember(
        household=household,
        label=data.label.strip(),
        age_band=data.age_band,
        gender=data.gender,
        clothing_size_system=data.clothing_size_system,
        clothing_size=clothing,
        shoe_size=shoes,
    )
    db.session.add(member)
    touch(household)
    db.session.flush()
    return member


def touch(household: Household) -> None:
    """Activity extends the retention period."""
    household.retention_until = max(household.retention_until, local_today() + timedelta(days=retention_days()))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def households_of(user: User, text: str = "") -> list[Household]:
    """Households the user may manage, newest first; ``text`` finds them by code, comune, referent or street.

    A household found by its referent's name or street is a reading of its identity, logged as such.
    """
    query = select(Household).order_by(Household.id.desc())
    if not can(user, Permission.READ_ALL_HOUSEHOLDS):
        query = query.where(Household.comune_code.in_(user.organisation.comune_codes or {""}))
    wanted = " ".join(text.split())[:80]
    if not wanted:
        return list(db.session.scalars(query))
    like = _like(wanted)
    by_identity = set(
        db.session.scalars(
            select(HouseholdIdentity.household_id).where(
                or_(HouseholdIdentity.name.ilike(like, escape="\\"), HouseholdIdentity.street.ilike(like, escape="\\"))
            )
        )
    )
    query = query.join(Comune, Comune.istat_code == Household.comune_code).where(
        or_(
            Household.code.ilike(like, escape="\\"),
            Comune.name.ilike(like, escape="\\"),
            Household.id.in_(by_identity or {0}),
        )
    )
    found = list(db.session.scalars(query.limit(200)))
    for household in found:
        if household.id in by_identity:
            log_access(household, user, "search")
    return found
