"""Rules for pickups: who may log them, validation, corrections with audit, sensor fill readings."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update

from app.auth.models import User
from app.bins.models import AuditEntry, Bin, BinStatus
from app.collection.forecast import forecast_bins
from app.collection.models import FillReading, IncidentCode, Pickup, PickupSource
from app.core.clock import utcnow
from app.core.inputs import EARLIEST
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Vehicle

# A pickup heavier than this many times the bin's nominal full weight is a typing error
# (an overflowing bin with bags on the ground rarely reaches 1.5x).
MAX_WEIGHT_FACTOR = 2
MAX_FILL_PERCENT = 150
CLOCK_SKEW = timedelta(minutes=5)  # phones' clocks run a little ahead
MAX_NOTES = 2000
# A visit that did not empty the bin records no kilograms: it is not an accumulation.
NOT_EMPTIED = {IncidentCode.INACCESSIBLE, IncidentCode.MISSING}


@dataclass(frozen=True)
class PickupData:
    """What a driver reports; the bin by id or by code (code unique per operator)."""

    collected_at: datetime | None = None
    weight_kg: Decimal | float | None = None
    fill_percent: int | None = None
    incidents: list[str] = field(default_factory=list)
    notes: str = ""
    bin_id: int | None = None
    code: str = ""
    operator_id: int | None = None
    vehicle_id: int | None = None  # the truck carrying it (hand-entered pickups; a round's is set from the round)


def _check_role(user: User) -> None:
    if not can(user, Permission.LOG_PICKUPS):
        raise PermissionDenied(_("Il tuo ruolo non permette di registrare svuotamenti."))


def _candidates(data: PickupData, user: User) -> Select[Any]:
    query = select(Bin).order_by(Bin.id)
    if data.bin_id is not None:
        return query.where(Bin.id == data.bin_id)
    query = query.where(Bin.code == data.code.strip().upper())
    if not can(user, Permission.SEE_ALL_OPERATORS):
        return query.where(Bin.operator_id == user.organisation_id)
    return query if data.operator_id is None else query.where(Bin.operator_id == data.operator_id)


def find_bin(data: PickupData, user: User) -> Bin:
    """The bin a pickup is for, that this user may log; clear errors otherwise."""
    _check_role(user)
    if data.bin_id is None and not data.code.strip():
        raise ValidationError(_("Indica il codice del contenitore."), field="code")
    found = list(db.session.scalars(_candidates(data, user)))
    where = "bin_id" if data.bin_id is not None else "code"
    if not found:
        raise NotFoundError(_("Contenitore sconosciuto: %(code)s.", code=data.code or data.bin_id), field=where)
    if len(found) > 1:
        raise ValidationError(
            _("Più operatori hanno un contenitore con questo codice: indica l'operatore."), field=where
        )
    bin_ = found[0]
    if not can(user, Permission.SEE_ALL_OPERATORS) and bin_.operator_id != user.organisation_id:
        raise PermissionDenied(_("Puoi registrare svuotamenti solo per i contenitori della tua organizzazione."))
    return bin_


def _weight(value: Decimal | float | None, bin_: Bin) -> Decimal | None:
    if value is None:
        return None
    try:
        kg = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as error:
        raise ValidationError(_("Peso non valido."), field="weight_kg") from error
    if not kg.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise ValidationError(_("Peso non valido: serve un numero."), field="weight_kg")
    if kg < 0:
        raise ValidationError(_("Il peso non può essere negativo."), field="weight_kg")
    limit = MAX_WEIGHT_FACTOR * bin_.full_weight_kg
    if kg > limit:
        raise ValidationError(
            _("Peso non plausibile: al massimo %(max)d kg per questo contenitore.", max=limit), field="weight_kg"
        )
    return kg.quantize(Decimal("0.1"))


def _check_values(data: PickupData, bin_: Bin, now: datetime) -> tuple[Decimal | None, list[str], datetime]:
    kg = _weight(data.weight_kg, bin_)
    if data.fill_percent is not None and not 0 <= data.fill_percent <= MAX_FILL_PERCENT:
        raise ValidationError(_("Riempimento tra 0 e %(max)d%%.", max=MAX_FILL_PERCENT), field="fill_percent")
    unknown = [c for c in data.incidents if c not in {i.value for i in IncidentCode}]
    if unknown:
        raise ValidationError(_("Codice di segnalazione sconosciuto: %(code)s.", code=unknown[0]), field="incidents")
    incidents = [i.value for i in IncidentCode if i.value in data.incidents]  # canonical order, no repeats
    if kg is None and data.fill_percent is None and not NOT_EMPTIED & set(incidents):
        raise ValidationError(_("Indica i kg raccolti o il riempimento stimato."), field="weight_kg")
    collected_at = data.collected_at or now
    if collected_at.tzinfo is None:
        raise ValidationError(_("Data e ora senza fuso orario."), field="collected_at")
    if collected_at > now + CLOCK_SKEW:
        raise ValidationError(_("La data dello svuotamento non può essere nel futuro."), field="collected_at")
    if collected_at < EARLIEST:
        raise ValidationError(_("La data dello svuotamento non può essere prima del 2000."), field="collected_at")
    if len(data.notes) > MAX_NOTES:
        raise ValidationError(_("Note troppo lunghe (massimo %(n)d caratteri).", n=MAX_NOTES), field="notes")
    return kg, incidents, collected_at


def _audit(user: User | None, pickup: Pickup, action: str, changes: dict[str, Any]) -> None:
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            entity="pickup",
            entity_id=pickup.id,
            action=action,
            changes=json.dumps(changes, ensure_ascii=False, default=str),
        )
    )


def _new_pickup(data: PickupData, bin_: Bin, user: User, source: str, now: datetime) -> Pickup:
    if bin_.status != BinStatus.ACTIVE:
        raise ValidationError(
            _("Il contenitore %(code)s non è attivo: non si registrano svuotamenti.", code=bin_.code),
            field="bin_id" if data.bin_id is not None else "code",
        )
    kg, incidents, collected_at = _check_values(data, bin_, now)
    vehicle_id = usable_vehicle(data.vehicle_id, user).id if data.vehicle_id is not None else None
    pickup = Pickup(
        bin=bin_,
        collected_at=collected_at,
        weight_kg=kg,
        fill_percent=data.fill_percent,
        incidents=",".join(incidents),
        notes=data.notes.strip(),
        source=source,
        recorded_by_id=user.id,
        recorded_at=now,
        vehicle_id=vehicle_id,
    )
    db.session.add(pickup)
    return pickup


def usable_vehicle(vehicle_id: int, user: User | None) -> Vehicle:
    """A vehicle of the user's organisation (any, for those who see all operators and for the system)."""
    vehicle = db.session.get(Vehicle, vehicle_id)
    allowed = user is None or can(user, Permission.SEE_ALL_OPERATORS)
    if vehicle is None or not (allowed or vehicle.organisation_id == user.organisation_id):  # type: ignore[union-attr]
        raise ValidationError(_("Mezzo sconosciuto o di un'altra organizzazione."), field="vehicle_id")
    return vehicle


def vehicles(user: User) -> list[Vehicle]:
    """The vehicles a hand-entered pickup may name: the user's organisation's, or all."""
    query = select(Vehicle).order_by(Vehicle.plate)
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Vehicle.organisation_id == user.organisation_id)
    return list(db.session.scalars(query))


def record_pickup(data: PickupData, user: User, source: str = PickupSource.WEB, now: datetime | None = None) -> Pickup:
    """Validate and add one pickup (flushed, not committed); every entry point calls this.

    Its audit entry is added, not flushed: the caller's next flush or commit writes it with whatever
    else the request adds (one round of the unit of work fewer on the API's hot path).
    """
    pickup = _new_pickup(data, find_bin(data, user), user, source, now or utcnow())
    db.session.flush()
    _audit(user, pickup, "create", {"bin_id": pickup.bin_id, "weight_kg": pickup.weight_kg})
    return pickup


_CORRECTABLE = ("collected_at", "weight_kg", "fill_percent", "incidents", "notes")


# Higher domains that hold a pickup (the plant's intake) register a check saying why it may no longer be
# corrected: a corrected pickup already weighed in would otherwise be taken in a second time.
_HOLDERS: list[Callable[[Pickup], str | None]] = []


def register_holder(check: Callable[[Pickup], str | None]) -> None:
    if check not in _HOLDERS:
        _HOLDERS.append(check)


def correct_pickup(original_id: int, data: PickupData, user: User, now: datetime | None = None) -> Pickup:
    """Replace a pickup by a new row pointing at it; the old one is marked superseded, never edited."""
    original = visible_pickup(original_id, user)
    if original.superseded:
        raise ConflictError(_("Questo svuotamento è già stato corretto: correggi l'ultima versione."))
    for check in _HOLDERS:
        reason = check(original)
        if reason:
            raise ConflictError(reason)
    correction = _new_pickup(data, original.bin, user, PickupSource.CORRECTION, now or utcnow())
    correction.corrects_id = original.id
    # Compare-and-set: of two simultaneous corrections, only one may supersede the original.
    done = db.session.execute(
        update(Pickup).where(Pickup.id == original.id, Pickup.superseded.is_(False)).values(superseded=True)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(_("Questo svuotamento è già stato corretto: correggi l'ultima versione."))
    db.session.flush()
    changes = {f: [getattr(original, f), getattr(correction, f)] for f in _CORRECTABLE}
    _audit(
        user, correction, "correct", {"corrects_id": original.id, **{k: v for k, v in changes.items() if v[0] != v[1]}}
    )
    db.session.flush()
    return correction


def withdraw_pickup(pickup_id: int, user: User) -> Pickup:
    """Take back a pickup logged by mistake a few minutes ago: marked superseded with no correction (audited).

    Refused once a plant has taken it in (its kilograms are then part of an intake) or once it was corrected.
    """
    pickup = visible_pickup(pickup_id, user)
    if any(check(pickup) for check in _HOLDERS):
        raise ConflictError(
            _("«Fatto» non si può più annullare: lo svuotamento è già stato preso in carico in impianto."),
            field="stop",
        )
    done = db.session.execute(
        update(Pickup).where(Pickup.id == pickup.id, Pickup.superseded.is_(False)).values(superseded=True)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(_("Questo svuotamento è già stato corretto: non si annulla più."), field="stop")
    db.session.refresh(pickup)
    _audit(user, pickup, "withdraw", {"bin_id": pickup.bin_id, "weight_kg": pickup.weight_kg})
    db.session.flush()
    return pickup


def _scoped(query: Select[Any], user: User) -> Select[Any]:
    _check_role(user)
    if can(user, Permission.SEE_ALL_OPERATORS):
        return query
    return query.join(Bin, Pickup.bin_id == Bin.id).where(Bin.operator_id == user.organisation_id)


def visible_pickup(pickup_id: int, user: User) -> Pickup:
    """A pickup of the user's organisation (any for coordinators/admins), or 404."""
    found = db.session.scalar(_scoped(select(Pickup).where(Pickup.id == pickup_id), user))
    if found is None:
        raise NotFoundError(_("Svuotamento non trovato."))
    return found


def correctable_pickup(pickup_id: int | None, user: User) -> Pickup | None:
    """A pickup the user may still correct (visible, not already corrected), or None."""
    if pickup_id is None:
        return None
    query = _scoped(select(Pickup).where(Pickup.id == pickup_id, Pickup.superseded.is_(False)), user)
    return db.session.scalar(query)


def list_pickups(
    user: User, bin_id: int | None = None, operator_id: int | None = None, limit: int = 200
) -> list[Pickup]:
    """The latest pickups the user may see, newest first, by bin and/or operator."""
    query = _scoped(select(Pickup), user)
    if bin_id is not None:
        query = query.where(Pickup.bin_id == bin_id)
    if operator_id is not None:
        query = query.where(Pickup.bin_id.in_(select(Bin.id).where(Bin.operator_id == operator_id)))
    return list(db.session.scalars(query.order_by(Pickup.collected_at.desc(), Pickup.id.desc()).limit(limit)))


def record_fill_reading(
    bin_id: int, fill_percent: int, user: User, measured_at: datetime | None = None, device: str = ""
) -> FillReading:
    """Store a fill level measured at a bin (sensor or person); the forecast starts from the latest one."""
    bin_ = find_bin(PickupData(bin_id=bin_id), user)
    now = utcnow()
    if not 0 <= fill_percent <= MAX_FILL_PERCENT:
        raise ValidationError(_("Riempimento tra 0 e %(max)d%%.", max=MAX_FILL_PERCENT), field="fill_percent")
    measured_at = measured_at or now
    if measured_at > now + CLOCK_SKEW:
        raise ValidationError(_("La data della lettura non può essere nel futuro."), field="measured_at")
    if measured_at < EARLIEST:
        raise ValidationError(_("La data della lettura non può essere prima del 2000."), field="measured_at")
    reading = FillReading(
        bin=bin_, measured_at=measured_at, fill_percent=fill_percent, device=device[:60], recorded_by_id=user.id
    )
    db.session.add(reading)
    db.session.flush()
    return reading


def forecast_for(bin_id: int, user: User, at: datetime | None = None) -> tuple[Bin, Any]:
    """A bin the user may log pickups for, and its fill forecast at ``at`` (default now)."""
    bin_ = find_bin(PickupData(bin_id=bin_id), user)
    return bin_, forecast_bins([bin_.id], at or utcnow())[bin_.id]
