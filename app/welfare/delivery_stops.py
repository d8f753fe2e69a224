"""Delivery stops in the rounds' driver mode: the kind's hooks (handover, failure, sheet, who may locate the door)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from app.auth.models import User
from app.core.clock import local_today
from app.errors import NotFoundError
from app.extensions import db
from app.rounds import kinds, photos
from app.rounds.models import RouteStop
from app.stock.catalog import category_label
from app.welfare.catalog import FAILURE_REASONS, NO_CODE_REASONS, PROOF_KINDS, SIGNATURE_RULE
from app.welfare.delivery_planning import delivery_id_of, load_of
from app.welfare.handover import Proof, drivable, fail, hand_over
from app.welfare.models import Delivery, HouseholdIdentity
from app.welfare.privacy import read_identity_for_delivery

HANDOVER_FIELDS = frozenset(
    {"proof_kind", "code", "proof_note", "signature", "no_code_reason", "collected_at"}
)  # «done» at a delivery stop
FAILURE_FIELDS = frozenset({"reason", "notes", "collected_at"})  # «skip»: not delivered


class HandoverRefused(kinds.RecordedRefusal):
    code = "handover_refused"


@dataclass(frozen=True)
class DeliveryStop:
    stop: RouteStop
    delivery: Delivery
    address: str
    notes: str
    pieces: int


def _delivery_of(stop: RouteStop) -> Delivery | None:
    delivery_id = delivery_id_of(stop)
    return None if delivery_id is None else db.session.get(Delivery, delivery_id)


def _stop_delivery(stop: RouteStop) -> Delivery:
    delivery = _delivery_of(stop)
    if delivery is None:
        raise NotFoundError(_("Consegna non trovata."))
    return delivery


def _read_for_driver(
    stop: RouteStop, user: User | None, today: date | None
) -> tuple[Delivery, HouseholdIdentity | None] | None:
    """The delivery and household identity of a stop, for its driver on the service day only (the read is logged)."""
    today = today or local_today()
    delivery = _delivery_of(stop)
    if delivery is None or user is None or not drivable(stop, user, today):
        return None
    return delivery, read_identity_for_delivery(delivery.request.household, user, today)


def may_locate(stop: RouteStop, user: User | None, today: date | None = None) -> bool:
    """Whether ``user`` may see where a delivery stop is: its point is the household's door, shown like the address."""
    read = _read_for_driver(stop, user, today)
    return read is not None and read[1] is not None


def stop_details(stop: RouteStop, user: User | None, today: date | None = None) -> DeliveryStop | None:
    """Address and pieces of a delivery stop, for its driver on the service day only (the read is logged)."""
    read = _read_for_driver(stop, user, today)
    if read is None:
        return None
    delivery, identity = read
    address = f"{identity.address} {delivery.request.household.comune.name}" if identity else ""
    return DeliveryStop(stop, delivery, address, identity.notes if identity else "", load_of(delivery.request).pieces)


def items_to_hand_over(delivery: Delivery) -> list[dict[str, Any]]:
    """What the driver hands over: pieces by category and size, from the request's allocations (not released)."""
    pieces: dict[tuple[str, str], int] = {}
    for line in delivery.request.lines:
        for allocation in line.allocations:
            if allocation.released_at is None:
                key = (allocation.item.category, allocation.item.size)
                pieces[key] = pieces.get(key, 0) + allocation.quantity
    return [
        {"category": category_label(category), "size": size, "pieces": n}
        for (category, size), n in sorted(pieces.items())
    ]


def _done(stop: RouteStop, action: kinds.StopAction) -> None:
    """The driver's «done» at a delivery stop: the handover; a wrong code is refused but counted."""
    at = action.at()
    kind, code, note, reason = (action.text(name) for name in ("proof_kind", "code", "proof_note", "no_code_reason"))
    signature = photos.parse_signature(action.body.get("signature")) if kind == "signature" else None
    proof = Proof(kind or "code", code, note, signature, reason, action.with_photo)
    result = hand_over(_stop_delivery(stop).id, action.user, proof, at)
    if not result.ok:
        raise HandoverRefused(result.message, stop, field="code")


def _failed(stop: RouteStop, action: kinds.StopAction) -> None:
    """The driver's «skip» at a delivery stop: a failed delivery with its reason, to be planned again."""
    at = action.at()
    fail(_stop_delivery(stop).id, action.user, action.text("reason"), at, action.text("notes"))


def _sheet_fields(stop: RouteStop, user: User | None) -> dict[str, Any]:
    """A delivery stop on a route sheet: the household's address and pieces only for its driver on the day."""
    delivery = _stop_delivery(stop)
    fields: dict[str, Any] = {
        "label": _("Consegna %(code)s", code=delivery.request.household.code),
        "items": items_to_hand_over(delivery),
    }
    details = stop_details(stop, user)
    if details is not None:
        fields |= {"address": details.address, "access_notes": details.notes, "pieces": details.pieces}
    return fields


def _labels() -> dict[str, dict[str, str]]:
    """Why a delivery failed (its «skip»: the delivery is planned again) and the proofs of a handover."""
    return {
        "delivery_reasons": {code: str(label) for code, label in FAILURE_REASONS.items()},
        "proof_kinds": {code: str(label) for code, label in PROOF_KINDS.items()},
        "no_code_reasons": {code: str(label) for code, label in NO_CODE_REASONS.items()},
        "proof_help": {"signature": str(SIGNATURE_RULE)},
    }


HOOKS = kinds.StopKindHooks(
    done_fields=HANDOVER_FIELDS,
    skip_fields=FAILURE_FIELDS,
    on_done=_done,
    on_skip=_failed,
    sheet_fields=_sheet_fields,
    labels=_labels,
    may_locate=may_locate,
)
