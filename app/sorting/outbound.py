"""What left the plant (outbound register), traceability of a fraction, and the plant-wide kg reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.collection.models import Pickup
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.sorting import ledger
from app.sorting.ledger import TENTH, to_kg
from app.sorting.models import Fraction, IntakeBatch, KgEntry, LedgerKind, Outbound
from app.sorting.services import check_site_access, eer_code

DESTINATION_KINDS = {
    "recycler": _l("Riciclatore"),
    "industrial_partner": _l("Partner industriale"),
    "second_hand_shop": _l("Negozio dell'usato"),
    "exporter": _l("Esportatore per il riuso"),
    "disposal": _l("Smaltimento"),
}


@dataclass(frozen=True)
class OutboundData:
    fraction_id: int
    weight_kg: object
    destination_kind: str
    destination_name: str
    shipped_at: datetime
    eer_code: str = ""
    document_ref: str = ""
    is_demo: bool = False


def record_outbound(data: OutboundData, user: User | None) -> Outbound:
    """Ship kilograms of a closed fraction; refuse more than the fraction has left."""
    fraction = db.session.get(Fraction, data.fraction_id)
    if fraction is None:
        raise NotFoundError(_("Lotto inesistente."), field="fraction_id")
    check_site_access(user, fraction.session.site)
    if data.destination_kind not in DESTINATION_KINDS:
        raise ValidationError(_("Tipo di destinatario non valido."), field="destination_kind")
    if not data.destination_name.strip():
        raise ValidationError(_("Indica il destinatario."), field="destination_name")
    kg = to_kg(data.weight_kg, "weight_kg")
    code = eer_code(data.eer_code) if data.eer_code.strip() else fraction.eer_code
    # Kilos first: a refused withdrawal leaves nothing behind, not even a pending shipment row.
    entry = ledger.withdraw_from_fraction(fraction, kg, LedgerKind.OUTBOUND, user)
    shipment = Outbound(
        fraction=fraction,
        kg_entry=entry,
        weight_kg=kg,
        destination_kind=data.destination_kind,
        destination_name=data.destination_name.strip(),
        eer_code=code,
        document_ref=data.document_ref.strip(),
        shipped_at=data.shipped_at,
        recorded_by=user,
        is_demo=data.is_demo,
    )
    db.session.add(shipment)
    db.session.flush()
    return shipment


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
