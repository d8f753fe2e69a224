"""Builders of outbound partners and legs for the sorting tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.sorting import outbound, partners
from app.sorting.models import OutboundPartner, SortingSession

SHIPPED = datetime(2026, 11, 22, 10, tzinfo=UTC)
RECYCLER = partners.PartnerData(
    kind="recovery_plant",
    name="Tessile Riciclo Prato srl",
    fiscal_code="01234567890",
    address="Via del Lanificio 1, 59100 Prato (PO)",
    authorisation_number="AUA 2024/118",
    authorisation_authority="Regione Toscana",
    operations="R3 R13",
)
CARRIER = partners.PartnerData(kind="carrier", name="Trasporti Lombardi snc", albo_number="MI/012345")
SHOP = partners.PartnerData(kind="second_hand_shop", name="Usato Solidale Niguarda")


def partner(data: partners.PartnerData, session: SortingSession | None = None, **changes) -> OutboundPartner:
    """A partner of the organisation of ``session``'s plant (or of none), registered once."""
    owner = {"organisation_id": session.site.organisation_id if session else None}
    data = replace(data, **(owner | changes))
    same = select(OutboundPartner).filter_by(organisation_id=data.organisation_id, kind=data.kind, name=data.name)
    return db.session.scalar(same) or partners.save_partner(data, None)


def waste_leg(session: SortingSession, kgs: dict[str, str], **changes) -> outbound.LegData:
    """A FIR leg of ``session``'s fractions (kind -> kg) to a recycler with a carrier, both registered."""
    recycler = changes.pop("destination", None) or partner(RECYCLER, session)
    carrier = changes.pop("carrier", None) or partner(CARRIER, session)
    by_kind = {f.kind: f for f in session.fractions}
    data = outbound.LegData(
        site_id=session.site_id,
        shipped_at=SHIPPED,
        destination_id=recycler.id,
        carrier_id=carrier.id,
        document_kind="fir",
        document_number="FIR RX 123456/26",
        rd_operation="R3",
        eer_code="19 12 08",
        lines=tuple(outbound.LineData(by_kind[kind].id, kg) for kind, kg in kgs.items()),
    )
    return replace(data, **changes)


def ship(session: SortingSession, kgs: dict[str, str], user=None, **changes):
    return outbound.record_leg(waste_leg(session, kgs, **changes), user)
