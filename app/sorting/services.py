"""Rules of intake and sorting: weighbridge weights, pickups check, mass balance, outbound."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.collection.models import Pickup
from app.collection.services import usable_vehicle
from app.core.clock import utcnow
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.i18n import fmt_number
from app.rounds.models import RoundRoute
from app.sorting import arrivals, ledger
from app.sorting.ledger import TENTH, percent_setting, to_kg
from app.sorting.models import (
    Fraction,
    FractionKind,
    IntakeBatch,
    IntakeSource,
    LedgerKind,
    SessionInput,
    SessionStatus,
    SortingSession,
    batch_pickup,
)
from app.sorting.queries import acts_on

_EER = re.compile(r"^\d{6}$")
# EER codes of the fractions that leave as waste (19 12 08 textiles, 19 12 12 other mechanical-treatment waste).
FRACTION_EER = {
    FractionKind.RECYCLE_COTTON: "191208",
    FractionKind.RECYCLE_WOOL: "191208",
    FractionKind.RECYCLE_SYNTHETIC: "191208",
    FractionKind.RECYCLE_MIXED: "191208",
    FractionKind.CONTAMINANTS: "191212",
    FractionKind.DISPOSAL: "191212",
}


def check_site_access(user: User | None, site: Site) -> None:
    """Coordinators and admins act on every site; operators only on their organisation's."""
    if not acts_on(user, site):
        raise PermissionDenied(_("Questa sede non appartiene alla tua organizzazione."), field="site_id")


def _site(site_id: int, kinds: tuple[str, ...], user: User | None) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or site.kind not in kinds:
        raise ValidationError(_("Sede non valida per questa operazione."), field="site_id")
    check_site_access(user, site)
    return site


def sorting_plant(site_id: int, user: User | None) -> Site:
    """A sorting plant the user may act on, else ValidationError / PermissionDenied."""
    return _site(site_id, (SiteKind.SORTING_PLANT,), user)


def eer_code(value: str, field_name: str = "eer_code") -> str:
    code = re.sub(r"[\s.]", "", value or "")
    if not _EER.match(code):
        raise ValidationError(_("Codice EER non valido (6 cifre, es. 20 01 10)."), field=field_name)
    return code


@dataclass(frozen=True)
class IntakeData:
    site_id: int
    source: str
    received_at: datetime
    gross_kg: object
    tare_kg: object
    eer_code: str = "200110"
    source_ref: str = ""
    notes: str = ""
    pickup_ids: tuple[int, ...] = ()  # hand-entered pickups (source "round" only), of ``vehicle_id`` if given
    vehicle_id: int | None = None
    route_id: int | None = None  # a collection round unloaded here (source "round"): its pickups come with it
    unload_stop_id: int | None = None  # which unload: its reload stop; None with a route: the round's end
    difference_reason: str = ""  # required when the net weight differs from the pickups' kg beyond the tolerance
    is_demo: bool = False


def record_intake(data: IntakeData, user: User | None) -> IntakeBatch:
    """Record one weighed arrival and put its net kilograms on the ledger.

    From a round, the arrival is one unload (see ``app.sorting.arrivals``) and carries its pickups;
    otherwise hand-entered pickups may be attached. Each unload and each pickup is taken in once.
    """
    site = _site(data.site_id, (SiteKind.SORTING_PLANT,), user)
    if data.source not in {s.value for s in IntakeSource}:
        raise ValidationError(_("Provenienza non valida."), field="source")
    gross = to_kg(data.gross_kg, "gross_kg")
    tare = to_kg(data.tare_kg, "tare_kg", allow_zero=True)
    if tare >= gross:
        raise ValidationError(_("La tara deve essere minore del peso lordo."), field="tare_kg")
    arrival = _arrival(data, site)
    pickups = list(arrival.pickups) if arrival else _free_pickups(data, user)
    batch = IntakeBatch(
        site=site,
        source=data.source,
        route=arrival.route if arrival else None,
        unload_stop=arrival.stop if arrival else None,
        end_of_route_id=arrival.route.id if arrival and arrival.stop is None else None,
        source_ref=data.source_ref.strip(),
        received_at=data.received_at,
        operator=user,
        eer_code=eer_code(data.eer_code),
        gross_kg=gross,
        tare_kg=tare,
        net_kg=gross - tare,
        difference_reason=_difference_reason(compare(gross - tare, pickups), data.difference_reason),
        notes=data.notes.strip(),
        is_demo=data.is_demo,
        pickups=pickups,
    )
    try:
        with db.session.begin_nested():  # a concurrent intake of the same unload or pickups loses cleanly
            db.session.add(batch)
            db.session.flush()
    except IntegrityError as error:
        raise ConflictError(
            _("Scarico o svuotamenti già presi in carico da un'altra registrazione."), field="route_id"
        ) from error
    ledger.post(LedgerKind.INTAKE, batch.net_kg, user, batch_id=batch.id)
    db.session.flush()
    return batch


def taken_in_reason(pickup: Pickup) -> str | None:
    """Why a pickup may no longer be corrected: it was weighed in at a plant (registered with collection)."""
    lot = db.session.scalar(
        select(IntakeBatch)
        .join(batch_pickup, batch_pickup.c.batch_id == IntakeBatch.id)
        .where(batch_pickup.c.pickup_id == pickup.id)
    )
    if lot is None:
        return None
    return _(
        "Questo svuotamento è già stato pesato in impianto nel carico %(lot)s: non si corregge più "
        "(la differenza resta nel confronto del carico).",
        lot=lot.lot_code,
    )


def _arrival(data: IntakeData, site: Site) -> arrivals.Arrival | None:
    """The round unload an intake takes in (source "round" only), locked so that it is taken in once."""
    if data.route_id is None:
        if data.unload_stop_id is not None:
            raise ValidationError(_("Uno scarico si indica con il suo giro."), field="route_id")
        return None
    if data.source != IntakeSource.ROUND:
        raise ValidationError(_("Si indica un giro solo per i carichi da giro di raccolta."), field="route_id")
    if data.pickup_ids:
        raise ValidationError(_("Gli svuotamenti di un giro sono quelli delle sue fermate."), field="pickup_ids")
    db.session.get(RoundRoute, data.route_id, with_for_update=True)  # PostgreSQL: one intake of a round at a time
    arrival = arrivals.find(data.route_id, data.unload_stop_id)
    if arrival.site is None or arrival.site.id != site.id:
        raise ValidationError(_("Questo scarico è avvenuto in un altro impianto."), field="site_id")
    return arrival


def _free_pickups(data: IntakeData, user: User | None) -> list[Pickup]:
    """Hand-entered pickups: current, of the user's organisation (and of the vehicle named), in no other intake."""
    vehicle = usable_vehicle(data.vehicle_id, user) if data.vehicle_id is not None else None
    ids = data.pickup_ids
    if not ids:
        return []
    if data.source != IntakeSource.ROUND:
        raise ValidationError(
            _("Gli svuotamenti si collegano solo ai carichi da giro di raccolta."), field="pickup_ids"
        )
    pickups = list(db.session.scalars(select(Pickup).where(Pickup.id.in_(ids)).with_for_update()))
    if len(pickups) != len(set(ids)) or any(p.superseded for p in pickups):
        raise ValidationError(_("Svuotamento inesistente o sostituito da una correzione."), field="pickup_ids")
    for pickup in pickups:
        if (
            user is not None
            and not can(user, Permission.SEE_ALL_OPERATORS)
            and pickup.bin.operator_id != user.organisation_id
        ):
            raise PermissionDenied(
                _("Lo svuotamento %(id)s è di un'altra organizzazione.", id=pickup.id), field="pickup_ids"
            )
        if vehicle is not None and pickup.vehicle_id != vehicle.id:
            raise ValidationError(_("Lo svuotamento %(id)s non è su questo mezzo.", id=pickup.id), field="pickup_ids")
    taken = db.session.scalar(select(batch_pickup.c.pickup_id).where(batch_pickup.c.pickup_id.in_(ids)))
    if taken is not None:
        raise ConflictError(_("Lo svuotamento %(id)s è già in un altro carico.", id=taken), field="pickup_ids")
    return pickups


def _difference_reason(check: PickupCheck, reason: str) -> str:
    """The reason for a difference beyond the tolerance; refused (with the difference) when missing."""
    reason = reason.strip()
    if check.flagged and not reason:
        raise ValidationError(
            _(
                "Il netto in pesa (%(net)s kg) differisce di %(diff)s kg (%(pct)s %%) dal peso degli svuotamenti "
                "(%(logged)s kg), oltre la tolleranza del %(tol)s %%: indica il motivo della differenza.",
                net=fmt_number(check.net_kg),
                diff=fmt_number(check.difference_kg),
                pct=fmt_number(check.difference_percent),
                logged=fmt_number(check.logged_kg),
                tol=fmt_number(check.tolerance_percent),
            ),
            field="difference_reason",
        )
    return reason[:300]


@dataclass(frozen=True)
class PickupCheck:
    """Net weight of a batch against the sum of its logged pickups."""

    pickups: int
    unweighed: int
    logged_kg: Decimal
    net_kg: Decimal
    difference_kg: Decimal
    difference_percent: Decimal
    tolerance_percent: Decimal

    @property
    def flagged(self) -> bool:
        return self.pickups > 0 and abs(self.difference_percent) > self.tolerance_percent


def compare(net_kg: Decimal, pickups: Sequence[Pickup]) -> PickupCheck:
    """Compare a weighbridge net weight with the kg of the pickups: weighed at the bin, or estimated from
    the fill level where the bin has no scale (tolerance from the config)."""
    logged = sum((p.kg for p in pickups), Decimal(0))
    difference = net_kg - logged
    percent = (difference / logged * 100).quantize(TENTH) if logged else Decimal(0)
    return PickupCheck(
        pickups=len(pickups),
        unweighed=sum(1 for p in pickups if p.estimated),
        logged_kg=logged,
        net_kg=net_kg,
        difference_kg=difference,
        difference_percent=percent,
        tolerance_percent=pickup_tolerance_percent(),
    )


def pickup_tolerance_percent() -> Decimal:
    """How far (in %) an intake's net weight may differ from its pickups' kg without a stated reason."""
    return percent_setting("INTAKE_PICKUP_TOLERANCE_PERCENT", "10")


def pickup_check(batch: IntakeBatch) -> PickupCheck:
    """A recorded batch's net weight against its pickups."""
    return compare(batch.net_kg, batch.pickups)


def open_session(site_id: int, batch_ids: list[int], user: User | None, is_demo: bool = False) -> SortingSession:
    """Start sorting whole batches received at the same plant; each batch can be sorted only once."""
    site = _site(site_id, (SiteKind.SORTING_PLANT,), user)
    if not batch_ids:
        raise ValidationError(_("Scegli almeno un carico da selezionare."), field="batch_ids")
    batches = list(db.session.scalars(select(IntakeBatch).where(IntakeBatch.id.in_(batch_ids))))
    if len(batches) != len(set(batch_ids)) or any(b.site_id != site.id for b in batches):
        raise ValidationError(_("Carico inesistente o ricevuto in un altro impianto."), field="batch_ids")
    for batch in batches:
        if batch.session_input is not None:
            raise ConflictError(_("Il carico %(lot)s è già stato selezionato.", lot=batch.lot_code), field="batch_ids")
    session = SortingSession(site=site, opened_by=user, is_demo=is_demo)
    session.inputs = [SessionInput(batch=b) for b in batches]
    db.session.add(session)
    db.session.flush()
    return session


def _open(session_id: int, user: User | None) -> SortingSession:
    session = db.session.get(SortingSession, session_id, with_for_update=True, populate_existing=True)
    if session is None:
        raise NotFoundError(_("Sessione di selezione inesistente."))
    check_site_access(user, session.site)
    if not session.is_open:
        raise ConflictError(_("La sessione %(lot)s è già chiusa.", lot=session.lot_code))
    return session


def add_fraction(session_id: int, kind: str, weight_kg: object, user: User | None) -> Fraction:
    """Record an output fraction of an open session."""
    session = _open(session_id, user)
    if kind not in {k.value for k in FractionKind}:
        raise ValidationError(_("Frazione non valida."), field="kind")
    fraction = Fraction(
        session=session, kind=kind, weight_kg=to_kg(weight_kg, "weight_kg"), eer_code=FRACTION_EER.get(kind, "")
    )
    db.session.add(fraction)
    db.session.flush()
    return fraction


def remove_fraction(session_id: int, fraction_id: int, user: User | None) -> None:
    """Remove a mistyped fraction line while its session is still open."""
    session = _open(session_id, user)
    fraction = db.session.get(Fraction, fraction_id)
    if fraction is None or fraction.session_id != session.id:
        raise NotFoundError(_("Frazione inesistente."))
    session.fractions.remove(fraction)
    db.session.delete(fraction)
    db.session.flush()


@dataclass(frozen=True)
class MassBalance:
    """Inputs = outputs + loss; the loss must lie between zero and the tolerance."""

    inputs_kg: Decimal
    outputs_kg: Decimal
    tolerance_percent: Decimal
    by_kind: dict[str, Decimal] = field(default_factory=dict)

    @property
    def loss_kg(self) -> Decimal:
        return self.inputs_kg - self.outputs_kg

    @property
    def max_loss_kg(self) -> Decimal:
        return (self.inputs_kg * self.tolerance_percent / 100).quantize(TENTH)

    @property
    def loss_percent(self) -> Decimal:
        return (self.loss_kg / self.inputs_kg * 100).quantize(TENTH) if self.inputs_kg else Decimal(0)

    @property
    def closes(self) -> bool:
        return self.outputs_kg > 0 and Decimal(0) <= self.loss_kg <= self.max_loss_kg

    def message(self) -> str:
        return _(
            "Bilancio di massa non chiuso: ingressi %(inputs)s kg, uscite %(outputs)s kg, differenza %(diff)s kg "
            "(%(pct)s %%); la perdita dichiarata deve stare tra 0 e %(max)s kg (%(tol)s %%).",
            inputs=fmt_number(self.inputs_kg),
            outputs=fmt_number(self.outputs_kg),
            diff=fmt_number(self.loss_kg),
            pct=fmt_number(self.loss_percent),
            max=fmt_number(self.max_loss_kg),
            tol=fmt_number(self.tolerance_percent),
        )


def mass_balance(session: SortingSession) -> MassBalance:
    """The live balance of a session from its batches and its fraction lines."""
    by_kind: dict[str, Decimal] = {}
    for fraction in session.fractions:
        by_kind[fraction.kind] = by_kind.get(fraction.kind, Decimal(0)) + fraction.weight_kg
    return MassBalance(
        inputs_kg=sum((i.batch.net_kg for i in session.inputs), Decimal(0)),
        outputs_kg=sum(by_kind.values(), Decimal(0)),
        tolerance_percent=percent_setting("SORTING_LOSS_TOLERANCE_PERCENT", "2"),
        by_kind=by_kind,
    )


def close_session(session_id: int, user: User | None, loss_reason: str = "") -> SortingSession:
    """Close a balanced session: batches leave the ledger, fractions and the declared loss enter it."""
    session = _open(session_id, user)
    balance = mass_balance(session)
    if not balance.closes:
        raise ConflictError(balance.message(), field="weight_kg")
    for item in session.inputs:
        ledger.post(LedgerKind.SORTED, -item.batch.net_kg, user, batch_id=item.batch_id, session_id=session.id)
    for fraction in session.fractions:
        ledger.post(LedgerKind.FRACTION, fraction.weight_kg, user, fraction_id=fraction.id, session_id=session.id)
    # The loss row balances the session's own rows (-inputs + outputs + loss = 0): kilos are never lost silently.
    ledger.post(LedgerKind.LOSS, balance.loss_kg, user, session_id=session.id)
    session.status = SessionStatus.CLOSED
    session.loss_kg = balance.loss_kg
    session.loss_reason = loss_reason.strip() or _("umidità e polvere")
    session.closed_by = user
    session.closed_at = utcnow()
    db.session.flush()
    return session
