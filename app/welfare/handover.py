"""Handing a delivery over (code, signature or photo) or recording that it failed, as the driver does it on the day.

The handover code is issued at publication, valid on the service day only, stored as a keyed hash;
a driver's action counts for the day it happened on the phone (an offline outbox may sync it later).

The code is the proof. A signature drawn on the phone's screen replaces it only when the household cannot
give it (it has no phone, or the code did not reach it) and the driver states which (``NO_CODE_REASONS``);
the signature is kept as a PNG. A photo (of the parcel left, with a description) stays the other fallback.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from hashlib import sha256

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.core.clock import local_today, utcnow
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.rounds.models import PlanStatus, RouteStop, StopStatus
from app.welfare import messages
from app.welfare.allocation import issue_all
from app.welfare.catalog import FAILURE_REASONS, NO_CODE_REASONS
from app.welfare.models import Delivery, DeliveryStatus, RequestStatus
from app.welfare.requests import change_status

MAX_CODE_ATTEMPTS = 5
LATE_SYNC_DAYS = 2  # a phone offline at the end of the round may sync its actions up to two days later


def _hash(delivery_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{delivery_id}:{code}".encode(), sha256).hexdigest()


def new_handover_code(delivery: Delivery, day: date) -> str:
    """A fresh 6-digit code valid on ``day`` only; only its hash is stored."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    delivery.code_hash, delivery.code_expires_on, delivery.code_attempts = _hash(delivery.id, code), day, 0
    return code


def drivable(stop: RouteStop, user: User, today: date) -> bool:
    plan = stop.route.plan
    return stop.route.driver_id == user.id and plan.status == PlanStatus.PUBLISHED and plan.service_date == today


def action_day(at: datetime | None) -> date:
    """The service day a driver's action belongs to: when it happened (sent later by the phone's outbox).

    An action queued offline in the evening and synced after midnight still counts for its day; a time
    in the future or more than ``LATE_SYNC_DAYS`` old is refused.
    """
    now = utcnow()
    if at is None:
        return local_today(now)
    if at > now + timedelta(minutes=5):
        raise ValidationError(
            _("L'ora dell'azione è nel futuro: controlla l'orologio del telefono."), field="collected_at"
        )
    if local_today(now) - local_today(at) > timedelta(days=LATE_SYNC_DAYS):
        raise ValidationError(
            _("Azione troppo vecchia per essere registrata: contatta il coordinamento."), field="collected_at"
        )
    return local_today(at)


def _locked_delivery(delivery_id: int, user: User, at: datetime | None = None) -> tuple[Delivery, RouteStop]:
    query = select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    delivery = db.session.scalar(query.execution_options(populate_existing=True))
    if delivery is None:
        raise NotFoundError(_("Consegna non trovata."))
    stop = delivery.route_stop
    if stop is None or not drivable(stop, user, action_day(at)):
        raise PermissionDenied(_("Questa consegna non è nel tuo giro di oggi."))
    if delivery.status != DeliveryStatus.SCHEDULED:
        raise ConflictError(_("Questa consegna non è più da fare."))
    return delivery, stop


@dataclass(frozen=True)
class Proof:
    """How a handover is proved: the code, or a signature (PNG) with the stated reason, or a photo."""

    kind: str
    code: str = ""
    note: str = ""
    signature_png: bytes | None = None
    no_code_reason: str = ""
    with_photo: bool = False


@dataclass(frozen=True)
class HandoverResult:
    ok: bool
    message: str


def _check_code(delivery: Delivery, code: str, day: date) -> str | None:
    """None when the code is right on ``day``; else why not (the attempt is counted)."""
    if delivery.code_attempts >= MAX_CODE_ATTEMPTS:
        return _("Troppi tentativi con codici errati: usa firma o foto, o contatta il coordinamento.")
    if delivery.code_expires_on is None or day > delivery.code_expires_on or not delivery.code_hash:
        return _("Il codice di consegna è scaduto.")
    if not hmac.compare_digest(delivery.code_hash, _hash(delivery.id, code.strip())):
        delivery.code_attempts += 1
        left = MAX_CODE_ATTEMPTS - delivery.code_attempts
        return _("Codice di consegna errato (tentativi rimasti: %(left)s).", left=left)
    return None


def _check_fallback(proof: Proof) -> str:
    """The note kept for a handover without the code; refused unless the house rule allows that proof."""
    if proof.kind == "signature":
        if proof.no_code_reason not in NO_CODE_REASONS:
            raise ValidationError(
                _("La firma sostituisce il codice solo se il nucleo non ha un telefono o non ha ricevuto il codice."),
                field="no_code_reason",
            )
        if not proof.signature_png:
            raise ValidationError(_("Fai firmare sullo schermo: la firma manca."), field="signature")
        return str(NO_CODE_REASONS[proof.no_code_reason])
    if proof.kind == "photo":
        if len(proof.note.strip()) < 2 and not proof.with_photo:
            raise ValidationError(_("Descrivi cosa mostra la foto o scattala."), field="proof_note")
        return proof.note.strip()
    raise ValidationError(_("Prova di consegna non valida."), field="proof_kind")


def hand_over(delivery_id: int, user: User, proof: Proof, at: datetime | None = None) -> HandoverResult:
    """Deliver with the household's code (or, as the module says, a signature or photo): pieces leave the stock,
    the request becomes «consegnata»."""
    delivery, stop = _locked_delivery(delivery_id, user, at)
    note = ""
    if proof.kind == "code":
        problem = _check_code(delivery, proof.code, action_day(at))
        if problem:
            db.session.flush()
            return HandoverResult(False, problem)
    else:
        note = _check_fallback(proof)
        delivery.signature_png = proof.signature_png
    request = change_status(delivery.request, RequestStatus.DELIVERED, user)
    issue_all(request, user)
    now = at or utcnow()
    delivery.status, delivery.proof_kind, delivery.proof_note = DeliveryStatus.DELIVERED, proof.kind, note[:200]
    delivery.completed_at, delivery.completed_by_id, delivery.code_hash = now, user.id, ""
    stop.status, stop.completed_at = StopStatus.DONE, now
    messages.completed(request, _("consegnata"))
    db.session.flush()
    return HandoverResult(True, _("Consegna registrata."))


def fail(delivery_id: int, user: User, reason: str, at: datetime | None = None, note: str = "") -> Delivery:
    """Not delivered (nobody home, wrong address, refused), with the driver's note: back among those to plan."""
    if reason not in FAILURE_REASONS:
        raise ValidationError(_("Motivo non valido."), field="reason")
    delivery, stop = _locked_delivery(delivery_id, user, at)
    now = at or utcnow()
    delivery.status, delivery.failure_reason, delivery.code_hash = DeliveryStatus.FAILED, reason, ""
    delivery.failure_note = note.strip()[:200]
    delivery.completed_at, delivery.completed_by_id = now, user.id
    stop.status, stop.skip_reason, stop.completed_at = StopStatus.SKIPPED, reason, now
    messages.completed(delivery.request, _("non consegnata (%(reason)s)", reason=str(FAILURE_REASONS[reason])))
    db.session.flush()
    return delivery
