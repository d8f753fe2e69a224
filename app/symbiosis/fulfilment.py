"""After both sides accept: a pickup stop in a collection round or self-collection, the quantity moved, the intake."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.core.clock import local_today, seconds_of_day, utcnow
from app.core.policy import Permission, can
from app.core.refs import domain_reference, reference_key
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site
from app.rounds import bookings
from app.rounds.models import RouteStop, StopKind
from app.rounds.records import StopRecord
from app.rounds.selection import optional_prize
from app.sorting import arrivals
from app.sorting.models import IntakeBatch, IntakeSource
from app.sorting.services import IntakeData, record_intake
from app.symbiosis.catalog import ListingKind, Side, Unit
from app.symbiosis.models import Fulfilment, Match, MatchStatus, NoticeEvent
from app.symbiosis.services import notify, positive_number, side_of, visible_match

REFERENCE = StopKind.SYMBIOSIS  # a pickup stop's reference: ``symbiosis:<match id>``
PICKUP_SERVICE_S = 600  # loading boxes or a machine takes longer than emptying a bin
TEXTILE_PROCESSING_EER = "040222"  # waste from processed textile fibres: a by-product that enters a plant


@dataclass(frozen=True)
class Arrangement:
    fulfilment: str
    pickup_date: date | None = None
    window_start: time | None = None
    window_end: time | None = None
    required: bool = False


def _arranger(match_id: int, user: User) -> Match:
    match = visible_match(match_id, user)
    if side_of(match, user) != Side.OFFER and not can(user, Permission.MODERATE_SYMBIOSIS):
        raise PermissionDenied(_("Il ritiro lo organizza chi offre."))
    if match.status != MatchStatus.ACCEPTED:
        raise ConflictError(_("Si organizza solo un abbinamento accettato da entrambi e non ancora concluso."))
    return match


def planned_kg(match: Match) -> Decimal | None:
    """What the pickup weighs, for the truck: the offer's weight, or its quantity in kg."""
    offer = match.offer
    if offer.weight_kg is not None:
        return Decimal(offer.weight_kg)
    return Decimal(min(offer.quantity, match.need.quantity)) if offer.unit == Unit.KG else None


def arrange(match_id: int, data: Arrangement, user: User) -> Match:
    """The offering side chooses a round's pickup (a day, its time window, required or optional) or self-collection."""
    match = _arranger(match_id, user)
    if data.fulfilment not in set(Fulfilment):
        raise ValidationError(_("Scegli ritiro con il giro o ritiro in proprio."), field="fulfilment")
    match.fulfilment = data.fulfilment
    if data.fulfilment == Fulfilment.SELF:
        match.pickup_date = match.window_start_s = match.window_end_s = None
        db.session.flush()
        return match
    if data.pickup_date is None or data.pickup_date < local_today():
        raise ValidationError(_("Scegli un giorno da oggi in poi."), field="pickup_date")
    if data.window_start is None or data.window_end is None or data.window_end <= data.window_start:
        raise ValidationError(_("La fascia oraria deve finire dopo l'inizio."), field="window_end")
    if match.offer.site is None:
        raise ValidationError(_("L'offerta non ha una sede di ritiro."), field="fulfilment")
    if planned_kg(match) is None:
        raise ValidationError(
            _("Indica nell'offerta il peso stimato: serve per il carico del mezzo."), field="fulfilment"
        )
    match.pickup_date, match.pickup_required = data.pickup_date, data.required
    match.window_start_s = seconds_of_day(data.pickup_date, data.window_start)
    match.window_end_s = seconds_of_day(data.pickup_date, data.window_end)
    db.session.flush()
    return match


def _planned_elsewhere(references: list[str]) -> set[str]:
    """References already on a published round (of any day), still to be done (not planned twice)."""
    query = bookings.pending_published().where(RouteStop.reference.in_(references))
    return {stop.reference for stop in db.session.scalars(query)}


def pickup_stops(service_date: date) -> list[StopRecord]:
    """The accepted matches to pick up on ``service_date``, as stops the collection planner serves with the bins."""
    matches = db.session.scalars(
        select(Match)
        .where(
            Match.status == MatchStatus.ACCEPTED,
            Match.fulfilment == Fulfilment.PICKUP,
            Match.pickup_date == service_date,
        )
        .order_by(Match.id)
    ).all()
    references = {m.id: domain_reference(REFERENCE, m.id) for m in matches}
    taken = _planned_elsewhere(list(references.values()))
    records = []
    for match in matches:
        site, kg = match.offer.site, planned_kg(match)
        if references[match.id] in taken or site is None or kg is None:
            continue
        demand = max(1, math.ceil(kg))
        window = (match.window_start_s, match.window_end_s) if match.window_start_s is not None else None
        records.append(
            StopRecord(
                reference_key(references[match.id]),
                site.lon,
                site.lat,
                demand,
                PICKUP_SERVICE_S,
                required=match.pickup_required,
                prize=0 if match.pickup_required else optional_prize(demand),
                window=window,  # type: ignore[arg-type]
            )
        )
    return records


def _moved(match: Match, quantity: object | None, kg: Decimal | None) -> tuple[Decimal, Decimal | None]:
    """The quantity moved in the offer's unit and its kg (kg: the quantity itself)."""
    offer = match.offer
    moved = (
        positive_number(quantity, "quantity")
        if quantity not in (None, "")
        else min(offer.quantity, match.need.quantity)
    )
    if offer.unit == Unit.KG:
        return moved, kg if kg is not None else moved
    return moved, kg


def complete(
    match: Match, user: User, at: datetime, quantity: object | None = None, kg: Decimal | None = None
) -> Match:
    """Record what moved; the match is done and both sides are told."""
    if match.status != MatchStatus.ACCEPTED:
        raise ConflictError(_("Questo abbinamento non è in attesa di ritiro."))
    match.moved_quantity, match.moved_kg = _moved(match, quantity, kg)
    if match.offer.kind == ListingKind.MATERIAL and match.moved_kg is None:
        raise ValidationError(_("Indica i kg spostati."), field="moved_kg")
    match.moved_unit = match.offer.unit
    match.status, match.completed_at, match.completed_by = MatchStatus.COMPLETED, at, user
    notify(match, NoticeEvent.COMPLETED)
    db.session.flush()
    return match


def complete_self_collection(match_id: int, quantity: object, kg: object, user: User) -> Match:
    """Either side (or a coordinator) records a self-collection done."""
    match = visible_match(match_id, user)
    if match.fulfilment != Fulfilment.SELF:
        raise ValidationError(_("Questo abbinamento si ritira con il giro: lo registra l'autista."), field="quantity")
    moved_kg = None if kg in (None, "") else positive_number(kg, "moved_kg")
    return complete(match, user, utcnow(), quantity, moved_kg)


def take_in(match_id: int, site_id: int, gross_kg: object, tare_kg: object, user: User) -> IntakeBatch:
    """A picked-up material enters a sorting plant: an intake of source «symbiosis», linked to its match."""
    match = db.session.get(Match, match_id, with_for_update=True)
    if match is None or match.status != MatchStatus.COMPLETED or match.offer.kind != ListingKind.MATERIAL:
        raise ValidationError(_("Si prende in carico solo materiale già ritirato."), field="match_id")
    if match.intake_batch_id is not None:
        raise ConflictError(_("Questo ritiro è già entrato in impianto."), field="match_id")
    data = IntakeData(
        site_id=site_id,
        source=IntakeSource.SYMBIOSIS,
        received_at=utcnow(),
        gross_kg=gross_kg,
        tare_kg=tare_kg,
        eer_code=match.offer.eer_code or TEXTILE_PROCESSING_EER,
        source_ref=match.code,
    )
    batch = record_intake(data, user)
    match.intake_batch = batch
    db.session.flush()
    return batch


def waiting_intake() -> list[Match]:
    """Materials picked up by a round and not yet taken in at a plant."""
    query = select(Match).where(
        Match.status == MatchStatus.COMPLETED,
        Match.fulfilment == Fulfilment.PICKUP,
        Match.intake_batch_id.is_(None),
    )
    return [m for m in db.session.scalars(query.order_by(Match.completed_at)) if m.offer.kind == ListingKind.MATERIAL]


def loads_waiting() -> list[arrivals.OtherLoad]:
    """The plant's view of the materials waiting: with their round, day and kg (no firm named)."""
    return [
        arrivals.OtherLoad(
            label=_("Ritiro simbiosi %(code)s", code=match.code),
            route=match.route_stop.route,
            site=arrival_site(match),
            kg=match.moved_kg,
            at=match.route_stop.completed_at or match.completed_at,
            endpoint="symbiosis.take_in",
            args={"match_id": match.id},
        )
        for match in waiting_intake()
        if match.route_stop is not None
    ]


def arrival_site(match: Match) -> Site | None:
    """The plant where the round that picked it up unloads (None: not picked up by a round)."""
    return arrivals.end_site(match.route_stop.route) if match.route_stop is not None else None


def waiting_load(match_id: int) -> Match:
    """A material picked up and not yet taken in (the plant's take-in page)."""
    match = db.session.get(Match, match_id)
    if match is None or match.status != MatchStatus.COMPLETED or match.offer.kind != ListingKind.MATERIAL:
        raise NotFoundError(_("Ritiro simbiosi inesistente."), field="match_id")
    if match.intake_batch is not None:
        raise ConflictError(
            _("Questo ritiro è già entrato in impianto (lotto %(lot)s).", lot=match.intake_batch.lot_code),
            field="match_id",
        )
    return match
