"""The plant's chronological load/unload register: annotating intakes and outbound legs, corrections.

Loads are intakes (cause ``T*``, received from third parties), unloads are outbound legs: a FIR leg
is one entry (one FIR carries one EER code) with cause ``aT`` (to third parties); a DDT leg carries
goods prepared for reuse, which left the waste regime at the plant (art. 184-ter D.Lgs. 152/2006), so
it is an unload with cause ``M`` (for the production of materials, material ``TE`` textiles) and no
waste data, as in RENTRI's register model.

Entries are written by :func:`annotate`, idempotently: every intake and leg of the plant not yet in
the register gets the next number of the plant and year of annotation, in the order the kilos moved.
A number once given never changes; a correction is a new entry pointing at the one it corrects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core.clock import local_today, to_local, utcnow
from app.core.inputs import check_text
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.reports.models import Cause, RegisterEntry
from app.sorting.ledger import to_kg
from app.sorting.models import DocumentKind, IntakeBatch, IntakeSource, OutboundLeg, OutboundLine, OutboundPartner

# Urban waste carried by the public collection service from the bins to the first plant travels
# without a FIR (art. 193 c.4 D.Lgs. 152/2006); every other transport of waste needs one.
FIR_EXEMPT_SOURCES = frozenset({IntakeSource.ROUND})
TEXTILES = "TE"  # RENTRI material «Tessili»
SOLID = "S"
FIRST_YEAR, LAST_YEAR = 2000, 2099


def origin(eer_code: str) -> str:
    """RENTRI ``provenienza``: chapter 20 of the list is urban waste (U), anything else special (S)."""
    if not eer_code:
        return ""
    return "U" if eer_code.startswith("20") else "S"


def report_plant(site_id: int | None, user: User | None) -> Site:
    """A sorting plant whose reports ``user`` may see (operators: their organisation's)."""
    site = db.session.get(Site, site_id) if site_id else None
    if site is None or site.kind != SiteKind.SORTING_PLANT:
        raise NotFoundError(_("Impianto sconosciuto: scegli un impianto di selezione."), field="plant")
    others = user is not None and not can(user, Permission.SEE_ALL_OPERATORS)
    if others and (not can(user, Permission.VIEW_REPORTS) or site.organisation_id != user.organisation_id):
        raise PermissionDenied(_("Questo impianto non appartiene alla tua organizzazione."), field="plant")
    return site


def report_year(value: object, field: str = "year") -> int:
    """A year typed in a URL or form: four digits, 2000 to this year."""
    text = str(value if value is not None else "").strip()
    if not (len(text) == 4 and text.isdecimal()):
        raise ValidationError(_("Anno non valido: scrivi quattro cifre, per esempio 2026."), field=field)
    year = int(text)
    if not FIRST_YEAR <= year <= local_today().year:
        raise ValidationError(
            _("Anno fuori dall'intervallo: dal %(first)d al %(last)d.", first=FIRST_YEAR, last=local_today().year),
            field=field,
        )
    return year


def _lock_plant(site: Site) -> None:
    """Serialise annotation of a plant: numbers are taken under the plant's row lock (SQLite: BEGIN IMMEDIATE)."""
    db.session.execute(select(Site.id).where(Site.id == site.id).with_for_update())


def _next_number(site_id: int, year: int) -> int:
    last = db.session.scalar(
        select(func.max(RegisterEntry.number)).where(RegisterEntry.site_id == site_id, RegisterEntry.year == year)
    )
    return (last or 0) + 1


def _pending_intakes(site_id: int) -> list[RegisterEntry]:
    done = select(RegisterEntry.id).where(RegisterEntry.intake_batch_id == IntakeBatch.id).exists()
    rows = db.session.execute(
        select(IntakeBatch.id, IntakeBatch.received_at, IntakeBatch.eer_code, IntakeBatch.net_kg, IntakeBatch.source)
        .where(IntakeBatch.site_id == site_id, ~done)
        .order_by(IntakeBatch.received_at, IntakeBatch.id)
    )
    return [
        RegisterEntry(
            direction="load",
            cause=Cause.RECEIVED,
            operation_at=at,
            intake_batch_id=batch_id,
            eer_code=eer,
            origin=origin(eer),
            physical_state=SOLID,
            weight_kg=net,
            fir_required=source not in FIR_EXEMPT_SOURCES,
        )
        for batch_id, at, eer, net, source in rows
    ]


def _pending_legs(site_id: int) -> list[RegisterEntry]:
    done = select(RegisterEntry.id).where(RegisterEntry.outbound_leg_id == OutboundLeg.id).exists()
    weight = select(func.sum(OutboundLine.weight_kg)).where(OutboundLine.leg_id == OutboundLeg.id).scalar_subquery()
    legs = db.session.execute(
        select(OutboundLeg, weight).where(OutboundLeg.site_id == site_id, ~done).order_by(OutboundLeg.shipped_at)
    ).all()
    partner_ids = {p for leg, _kg in legs for p in (leg.destination_id, leg.carrier_id) if p}
    partners = {p.id: p for p in db.session.scalars(select(OutboundPartner).where(OutboundPartner.id.in_(partner_ids)))}
    return [_leg_entry(leg, Decimal(kg or 0), partners) for leg, kg in legs]


def _leg_entry(leg: OutboundLeg, kg: Decimal, partners: dict[int, OutboundPartner]) -> RegisterEntry:
    destination = partners[leg.destination_id]
    carrier = partners.get(leg.carrier_id) if leg.carrier_id else None
    waste = leg.document_kind == DocumentKind.FIR
    return RegisterEntry(
        direction="unload",
        cause=Cause.TO_THIRD_PARTY if waste else Cause.MATERIALS,
        operation_at=leg.shipped_at,
        outbound_leg_id=leg.id,
        eer_code=leg.eer_code if waste else "",
        origin=origin(leg.eer_code) if waste else "",
        physical_state=SOLID if waste else "",
        weight_kg=kg,
        rd_operation=leg.rd_operation if waste else "",
        material="" if waste else TEXTILES,
        fir_required=waste,
        fir_number=leg.document_number if waste else "",
        ddt_number="" if waste else leg.document_number,
        carrier_name=carrier.name if carrier else "",
        carrier_fiscal_code=carrier.fiscal_code if carrier else "",
        carrier_albo_number=carrier.albo_number if carrier else "",
        destination_name=destination.name,
        destination_fiscal_code=destination.fiscal_code,
        destination_authorisation=destination.authorisation_number if waste else "",
    )


def pending(site_id: int) -> int:
    """How many intakes and legs of the plant are not yet in the register."""
    intakes = select(func.count(IntakeBatch.id)).where(
        IntakeBatch.site_id == site_id,
        ~select(RegisterEntry.id).where(RegisterEntry.intake_batch_id == IntakeBatch.id).exists(),
    )
    legs = select(func.count(OutboundLeg.id)).where(
        OutboundLeg.site_id == site_id,
        ~select(RegisterEntry.id).where(RegisterEntry.outbound_leg_id == OutboundLeg.id).exists(),
    )
    return int(db.session.scalar(intakes) or 0) + int(db.session.scalar(legs) or 0)


def annotate(site_id: int, user: User | None) -> list[RegisterEntry]:
    """Write every intake and leg of the plant not yet in the register, numbered in the order the kilos moved."""
    site = report_plant(site_id, user)
    if user is not None and not can(user, Permission.WORK_PLANT):
        raise PermissionDenied(_("Solo chi lavora all'impianto annota il registro."), field="plant")
    _lock_plant(site)
    new = sorted(
        _pending_intakes(site.id) + _pending_legs(site.id),
        key=lambda e: (e.operation_at, e.direction != "load", e.intake_batch_id or e.outbound_leg_id or 0),
    )
    now = utcnow()
    year = to_local(now).year
    number = _next_number(site.id, year)
    for entry in new:
        entry.site_id, entry.year, entry.number = site.id, year, number
        entry.registered_at, entry.registered_by = now, user
        number += 1
        db.session.add(entry)
    db.session.flush()
    return new


def entries(site: Site, year: int) -> list[RegisterEntry]:
    """The register of a plant and year, in number order."""
    return list(
        db.session.scalars(
            select(RegisterEntry)
            .where(RegisterEntry.site_id == site.id, RegisterEntry.year == year)
            .options(selectinload(RegisterEntry.corrects))
            .order_by(RegisterEntry.number)
        )
    )


def corrected_ids(site: Site) -> set[int]:
    """The entries of a plant that a later correction replaces."""
    return set(
        db.session.scalars(
            select(RegisterEntry.corrects_id).where(
                RegisterEntry.site_id == site.id, RegisterEntry.corrects_id.is_not(None)
            )
        )
    )


def entry_of(entry_id: int, user: User | None) -> RegisterEntry:
    entry = db.session.get(RegisterEntry, entry_id)
    if entry is None:
        raise NotFoundError(_("Registrazione inesistente."), field="entry_id")
    report_plant(entry.site_id, user)
    return entry


@dataclass(frozen=True)
class CorrectionData:
    weight_kg: object
    fir_number: str
    reason: str


def correct(entry_id: int, data: CorrectionData, user: User | None) -> RegisterEntry:
    """A correction (rettifica): a new entry with the next number, the corrected values and the reason."""
    entry = entry_of(entry_id, user)
    if user is not None and not can(user, Permission.WORK_PLANT):
        raise PermissionDenied(_("Solo chi lavora all'impianto rettifica il registro."), field="entry_id")
    _lock_plant(entry.site)
    later = db.session.scalar(select(RegisterEntry).where(RegisterEntry.corrects_id == entry.id))
    if later is not None:
        raise ConflictError(
            _(
                "La registrazione %(code)s è già rettificata dalla %(later)s: rettifica quella.",
                code=entry.code,
                later=later.code,
            ),
            field="entry_id",
        )
    reason = check_text(data.reason.strip(), "reason")
    if not reason:
        raise ValidationError(_("Scrivi il motivo della rettifica."), field="reason")
    fir = check_text(data.fir_number.strip(), "fir_number")
    if entry.fir_required and not fir:
        raise ValidationError(_("Questo trasporto richiede il numero del FIR."), field="fir_number")
    now = utcnow()
    year = to_local(now).year
    correction = RegisterEntry(
        **{column: getattr(entry, column) for column in _COPIED},
        site_id=entry.site_id,
        year=year,
        number=_next_number(entry.site_id, year),
        corrects=entry,
        registered_at=now,
        registered_by=user,
        weight_kg=to_kg(data.weight_kg, "weight_kg", allow_zero=True),
        fir_number=fir if entry.fir_required else "",
        note=reason,
    )
    db.session.add(correction)
    db.session.flush()
    return correction


_COPIED = (
    "direction",
    "cause",
    "operation_at",
    "eer_code",
    "origin",
    "physical_state",
    "rd_operation",
    "material",
    "fir_required",
    "ddt_number",
    "carrier_name",
    "carrier_fiscal_code",
    "carrier_albo_number",
    "destination_name",
    "destination_fiscal_code",
    "destination_authorisation",
)


def registered_on(entry: RegisterEntry) -> datetime:
    """RENTRI's registration date: a correction carries the date of the entry it corrects."""
    return entry.corrects.registered_at if entry.corrects is not None else entry.registered_at
