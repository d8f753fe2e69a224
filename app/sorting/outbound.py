"""What left the plant (outbound legs and their lines), a fraction's trace, and the plant-wide kg reconciliation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.collection.models import Pickup
from app.errors import ConflictError, DomainError, NotFoundError, ValidationError
from app.extensions import db
from app.fleet.models import Site
from app.sorting import codes, ledger, services
from app.sorting.codes import fraction_label
from app.sorting.ledger import TENTH, to_kg
from app.sorting.models import (
    DocumentKind,
    Fraction,
    IntakeBatch,
    KgEntry,
    LedgerKind,
    OutboundLeg,
    OutboundLine,
    OutboundPartner,
    PartnerKind,
)
from app.sorting.services import eer_code


@dataclass(frozen=True)
class LineData:
    fraction_id: int
    weight_kg: object


@dataclass(frozen=True)
class LegData:
    site_id: int  # the plant the kilos leave
    shipped_at: datetime
    destination_id: int
    document_kind: str  # "fir" for waste, "ddt" for goods
    document_number: str
    lines: tuple[LineData, ...]
    carrier_id: int | None = None
    rd_operation: str = ""
    eer_code: str = ""
    notes: str = ""
    is_demo: bool = False


def _partner(partner_id: int | None, site: Site, field: str, carrier: bool) -> OutboundPartner:
    partner = db.session.get(OutboundPartner, partner_id) if partner_id else None
    if partner is None or (partner.kind == PartnerKind.CARRIER) != carrier:
        raise ValidationError(
            _("Trasportatore inesistente.") if carrier else _("Destinatario inesistente."), field=field
        )
    if partner.organisation_id != site.organisation_id:
        raise ValidationError(
            _("%(name)s non è nell'anagrafica dell'organizzazione dell'impianto.", name=partner.name), field=field
        )
    if not partner.active:
        raise ValidationError(_("%(name)s è disattivato nell'anagrafica.", name=partner.name), field=field)
    return partner


def _fractions(site: Site, lines: tuple[LineData, ...]) -> list[tuple[Fraction, Decimal]]:
    """Each line's fraction and kg: fractions of this plant, each at most once."""
    if not lines:
        raise ValidationError(_("Indica almeno un lotto in uscita."), field="lines")
    found: list[tuple[Fraction, Decimal]] = []
    for n, line in enumerate(lines):
        kg = to_kg(line.weight_kg, f"lines[{n}].weight_kg")
        fraction = db.session.get(Fraction, line.fraction_id) if line.fraction_id else None
        if fraction is None:
            raise NotFoundError(_("Lotto inesistente."), field=f"lines[{n}].fraction_id")
        if fraction.session.site_id != site.id:
            raise ConflictError(
                _("Il lotto %(lot)s è di un altro impianto.", lot=fraction.lot_code), field=f"lines[{n}].fraction_id"
            )
        if any(f.id == fraction.id for f, _kg in found):
            raise ValidationError(
                _("Il lotto %(lot)s compare in due righe: unisci i pesi.", lot=fraction.lot_code),
                field=f"lines[{n}].fraction_id",
            )
        found.append((fraction, kg))
    return found


def _check_waste(
    data: LegData, destination: OutboundPartner, carrier: OutboundPartner | None, fractions: list[Fraction]
) -> str:
    """A waste leg: EER code fitting every fraction, FIR number, authorised plant and operation, carrier on the Albo."""
    code = eer_code(data.eer_code)
    for n, fraction in enumerate(fractions):
        if not codes.eer_fits(code, fraction.kind):
            raise ValidationError(
                _(
                    "Il codice EER %(eer)s non si applica al lotto %(lot)s (%(kind)s).",
                    eer=codes.spaced_eer(code),
                    lot=fraction.lot_code,
                    kind=fraction_label(fraction.kind),
                ),
                field=f"lines[{n}].fraction_id",
            )
    if not data.document_number.strip():
        raise ValidationError(_("Un rifiuto viaggia con il FIR: indica il suo numero."), field="document_number")
    if destination.kind not in codes.WASTE_DESTINATIONS or not destination.authorisation_number:
        raise ValidationError(
            _(
                "%(name)s non è un impianto con numero di autorizzazione: non può ricevere rifiuti.",
                name=destination.name,
            ),
            field="destination_id",
        )
    operation = data.rd_operation.strip().upper()
    if operation not in destination.operation_codes:
        raise ValidationError(
            _(
                "Operazione %(op)s non autorizzata per %(name)s (autorizzate: %(ops)s).",
                op=operation or "—",
                name=destination.name,
                ops=destination.operations or "—",
            ),
            field="rd_operation",
        )
    if carrier is None or not carrier.albo_number:
        raise ValidationError(
            _("Il trasporto di rifiuti richiede un trasportatore iscritto all'Albo Gestori Ambientali."),
            field="carrier_id",
        )
    return operation


def _check_goods(data: LegData, destination: OutboundPartner, fractions: list[Fraction]) -> None:
    """Goods (reuse fractions sold as products): a DDT, no EER code, no R/D operation, a buyer or shop."""
    if data.eer_code.strip():
        raise ValidationError(_("Una merce con DDT non ha codice EER: per un rifiuto scegli il FIR."), field="eer_code")
    if data.rd_operation.strip():
        raise ValidationError(_("Una merce con DDT non ha operazione R/D."), field="rd_operation")
    for n, fraction in enumerate(fractions):
        if fraction.kind not in codes.GOODS_FRACTIONS:
            raise ValidationError(
                _(
                    "Il lotto %(lot)s (%(kind)s) è un rifiuto: esce con il FIR.",
                    lot=fraction.lot_code,
                    kind=fraction_label(fraction.kind),
                ),
                field=f"lines[{n}].fraction_id",
            )
    if not data.document_number.strip():
        raise ValidationError(_("Indica il numero del DDT."), field="document_number")
    if destination.kind not in codes.GOODS_DESTINATIONS:
        raise ValidationError(
            _(
                "%(name)s non acquista merce per il riuso: scegli un acquirente, un negozio o un esportatore.",
                name=destination.name,
            ),
            field="destination_id",
        )


def record_leg(data: LegData, user: User | None) -> OutboundLeg:
    """Record a transport out of a plant; every line withdraws its kilos, or none does."""
    site = services.sorting_plant(data.site_id, user)
    if data.document_kind not in {k.value for k in DocumentKind}:
        raise ValidationError(_("Documento di trasporto non valido."), field="document_kind")
    destination = _partner(data.destination_id, site, "destination_id", carrier=False)
    carrier = _partner(data.carrier_id, site, "carrier_id", carrier=True) if data.carrier_id else None
    lines = _fractions(site, data.lines)
    fractions = [fraction for fraction, _kg in lines]
    operation = ""
    if data.document_kind == DocumentKind.FIR:
        operation = _check_waste(data, destination, carrier, fractions)
    else:
        _check_goods(data, destination, fractions)
    # Every fraction is locked and checked before the first kilo moves (in id order, against deadlocks).
    for n, (fraction, kg) in sorted(enumerate(lines), key=lambda item: item[1][0].id):
        try:
            ledger.check_withdrawal(fraction, kg)
        except DomainError as error:
            error.field = f"lines[{n}].{error.field}"
            raise
    leg = OutboundLeg(
        site=site,
        shipped_at=data.shipped_at,
        destination=destination,
        carrier=carrier,
        document_kind=data.document_kind,
        document_number=data.document_number.strip(),
        rd_operation=operation,
        eer_code=eer_code(data.eer_code) if data.document_kind == DocumentKind.FIR else "",
        notes=data.notes.strip(),
        recorded_by=user,
        is_demo=data.is_demo,
    )
    for fraction, kg in lines:
        entry = ledger.post(LedgerKind.OUTBOUND, -kg, user, fraction_id=fraction.id, session_id=fraction.session_id)
        leg.lines.append(OutboundLine(fraction=fraction, kg_entry=entry, weight_kg=kg))
    db.session.add(leg)
    db.session.flush()
    return leg


@dataclass(frozen=True)
class ShippedTotal:
    """Kilograms shipped in a period for one destination, EER code, R/D operation and fraction kind."""

    destination_id: int
    eer_code: str
    rd_operation: str
    fraction_kind: str
    weight_kg: Decimal


def shipped_lines(start: datetime, end: datetime, site_id: int | None = None) -> Sequence[OutboundLine]:
    """Every line shipped in [start, end), oldest first, with its leg, partners and fraction loaded."""
    query = (
        select(OutboundLine)
        .join(OutboundLeg)
        .where(OutboundLeg.shipped_at >= start, OutboundLeg.shipped_at < end)
        .options(
            joinedload(OutboundLine.leg).joinedload(OutboundLeg.destination),
            joinedload(OutboundLine.leg).joinedload(OutboundLeg.carrier),
            joinedload(OutboundLine.fraction),
        )
        .order_by(OutboundLeg.shipped_at, OutboundLine.id)
    )
    if site_id is not None:
        query = query.where(OutboundLeg.site_id == site_id)
    return db.session.scalars(query).all()


def shipped_totals(start: datetime, end: datetime, site_id: int | None = None) -> list[ShippedTotal]:
    """Kilograms shipped in [start, end) by destination, EER code, R/D operation and fraction kind."""
    keys = (OutboundLeg.destination_id, OutboundLeg.eer_code, OutboundLeg.rd_operation, Fraction.kind)
    query = (
        select(*keys, func.sum(OutboundLine.weight_kg))
        .select_from(OutboundLine)
        .join(OutboundLeg)
        .join(Fraction)
        .where(OutboundLeg.shipped_at >= start, OutboundLeg.shipped_at < end)
        .group_by(*keys)
        .order_by(*keys)
    )
    if site_id is not None:
        query = query.where(OutboundLeg.site_id == site_id)
    return [
        ShippedTotal(d, eer, op, kind, Decimal(kg).quantize(TENTH))
        for d, eer, op, kind, kg in db.session.execute(query)
    ]


@dataclass(frozen=True)
class TraceLine:
    batch: IntakeBatch
    share_kg: Decimal  # the fraction's kilos attributed to this batch, in proportion to its net weight
    pickups: list[Pickup]


def trace(fraction: Fraction) -> list[TraceLine]:
    """The batches (and their pickups) a fraction came from, with the kilos attributed to each."""
    batches = [i.batch for i in fraction.session.inputs]
    total = sum((b.net_kg for b in batches), Decimal(0))
    return [
        TraceLine(batch=b, share_kg=(fraction.weight_kg * b.net_kg / total).quantize(TENTH), pickups=list(b.pickups))
        for b in batches
    ]


@dataclass(frozen=True)
class Reconciliation:
    intake_kg: Decimal
    unsorted_kg: Decimal
    fractions_kg: Decimal
    loss_kg: Decimal
    outbound_kg: Decimal
    to_stock_kg: Decimal

    @property
    def closes(self) -> bool:
        accounted = self.unsorted_kg + self.fractions_kg + self.loss_kg + self.outbound_kg + self.to_stock_kg
        return self.intake_kg == accounted


def reconcile() -> Reconciliation:
    """Every kilo received: still unsorted, in a fraction at the plant, lost, shipped out, or in stock."""
    by_kind = dict(db.session.execute(select(KgEntry.kind, func.sum(KgEntry.delta_kg)).group_by(KgEntry.kind)).all())
    unsorted = db.session.scalar(
        select(func.coalesce(func.sum(KgEntry.delta_kg), 0)).where(KgEntry.batch_id.is_not(None))
    )
    in_fractions = db.session.scalar(
        select(func.coalesce(func.sum(KgEntry.delta_kg), 0)).where(KgEntry.fraction_id.is_not(None))
    )

    def kind(name: str) -> Decimal:
        return abs(Decimal(by_kind.get(name) or 0)).quantize(TENTH)

    return Reconciliation(
        intake_kg=kind(LedgerKind.INTAKE),
        unsorted_kg=Decimal(unsorted).quantize(TENTH),
        fractions_kg=Decimal(in_fractions).quantize(TENTH),
        loss_kg=kind(LedgerKind.LOSS),
        outbound_kg=kind(LedgerKind.OUTBOUND),
        to_stock_kg=kind(LedgerKind.TO_STOCK),
    )
