"""The registry of outbound partners: destination plants, reuse buyers and shops, exporters, carriers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Organisation, User
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.sorting.codes import OPERATIONS_BY_PARTNER
from app.sorting.models import OutboundPartner, PartnerKind

_FISCAL_CODE = re.compile(r"^(\d{11}|[A-Z0-9]{16})$")  # partita IVA, or codice fiscale of a person
_ALBO = re.compile(r"^([A-Z]{2})/?(\d{3,7})$")  # iscrizione all'Albo: section (province) and number


@dataclass(frozen=True)
class PartnerData:
    kind: str
    name: str
    fiscal_code: str = ""
    address: str = ""
    authorisation_number: str = ""
    authorisation_authority: str = ""
    operations: str = ""
    albo_number: str = ""
    organisation_id: int | None = None  # coordinators choose it; operators always get their own


def _owner(user: User | None, organisation_id: int | None) -> int | None:
    if user is not None and not can(user, Permission.SEE_ALL_OPERATORS):
        return user.organisation_id
    if organisation_id and db.session.get(Organisation, organisation_id) is None:
        raise ValidationError(_("Organizzazione inesistente."), field="organisation_id")
    return organisation_id or None


def _operations(kind: str, text: str) -> str:
    codes = [code.upper() for code in re.split(r"[\s,;]+", text.strip()) if code]
    if not codes:
        return ""
    allowed = OPERATIONS_BY_PARTNER.get(kind)
    if allowed is None:
        raise ValidationError(_("Le operazioni R/D si indicano solo per gli impianti."), field="operations")
    wrong = [code for code in codes if code not in allowed]
    if wrong:
        raise ValidationError(
            _("Operazione non valida per questo tipo di impianto: %(codes)s.", codes=", ".join(wrong)),
            field="operations",
        )
    return " ".join(dict.fromkeys(codes))


def _albo(kind: str, text: str) -> str:
    number = re.sub(r"\s", "", text).upper()
    if not number:
        return ""
    if kind != PartnerKind.CARRIER:
        raise ValidationError(_("Il numero di iscrizione all'Albo si indica per i trasportatori."), field="albo_number")
    match = _ALBO.match(number)
    if match is None:
        raise ValidationError(_("Numero di iscrizione all'Albo non valido (es. MI/012345)."), field="albo_number")
    return f"{match[1]}/{match[2]}"


def _clean(data: PartnerData) -> dict[str, object]:
    if data.kind not in {k.value for k in PartnerKind}:
        raise ValidationError(_("Tipo di partner non valido."), field="kind")
    name = data.name.strip()
    if not name:
        raise ValidationError(_("Indica la ragione sociale."), field="name")
    fiscal_code = re.sub(r"\s", "", data.fiscal_code).upper().removeprefix("IT")
    if fiscal_code and not _FISCAL_CODE.match(fiscal_code):
        raise ValidationError(
            _("Partita IVA (11 cifre) o codice fiscale (16 caratteri) non valido."), field="fiscal_code"
        )
    plant = data.kind in OPERATIONS_BY_PARTNER
    if not plant and (data.authorisation_number.strip() or data.authorisation_authority.strip()):
        raise ValidationError(_("L'autorizzazione si indica solo per gli impianti."), field="authorisation_number")
    return {
        "kind": data.kind,
        "name": name,
        "fiscal_code": fiscal_code,
        "address": data.address.strip(),
        "authorisation_number": data.authorisation_number.strip(),
        "authorisation_authority": data.authorisation_authority.strip(),
        "operations": _operations(data.kind, data.operations),
        "albo_number": _albo(data.kind, data.albo_number),
    }


def partner_for(user: User | None, partner_id: int) -> OutboundPartner:
    """A partner of the user's organisation (coordinators: any), else NotFound / PermissionDenied."""
    partner = db.session.get(OutboundPartner, partner_id)
    if partner is None:
        raise NotFoundError(_("Partner inesistente."))
    if user is None or can(user, Permission.SEE_ALL_OPERATORS):
        return partner
    if not can(user, Permission.WORK_PLANT) or partner.organisation_id != user.organisation_id:
        raise PermissionDenied(_("Questo partner non appartiene alla tua organizzazione."))
    return partner


def save_partner(data: PartnerData, user: User | None, partner_id: int | None = None) -> OutboundPartner:
    """Add a partner to the registry, or change one; names are unique per organisation and kind."""
    values = _clean(data)
    if partner_id is None:
        partner = OutboundPartner(organisation_id=_owner(user, data.organisation_id))
    else:
        partner = partner_for(user, partner_id)
        if user is None or can(user, Permission.SEE_ALL_OPERATORS):
            partner.organisation_id = _owner(user, data.organisation_id)
    same = select(OutboundPartner.id).where(
        OutboundPartner.organisation_id == partner.organisation_id,  # None compares as IS NULL
        OutboundPartner.kind == values["kind"],
        OutboundPartner.name == values["name"],
        OutboundPartner.id != (partner.id or 0),
    )
    if db.session.scalar(same) is not None:
        raise ConflictError(_("Esiste già un partner di questo tipo con questo nome."), field="name")
    for key, value in values.items():
        setattr(partner, key, value)
    db.session.add(partner)
    db.session.flush()
    return partner


def set_partner_active(partner_id: int, active: bool, user: User | None) -> OutboundPartner:
    """Deactivate a partner (it stays on past legs but is no longer offered) or reactivate it."""
    partner = partner_for(user, partner_id)
    partner.active = active
    db.session.flush()
    return partner
