"""Driver mode at the stops of collection rounds: a bin (a pickup) and a reload at a site (kilograms only)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update

from app.auth.models import User
from app.collection import schemas
from app.collection import services as collection
from app.collection.models import IncidentCode, PickupSource
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.rounds import kinds, unload
from app.rounds.models import RouteStop, StopKind, StopStatus

DONE_FIELDS = frozenset({"weight_kg", "fill_percent", "incidents", "notes", "collected_at"})
SKIP_FIELDS = frozenset({"reason", "notes", "collected_at"})
MAX_NON_BIN_KG = 40_000  # more than any truck carries


class SkipReason(enum.StrEnum):
    INACCESSIBLE = "inaccessible"
    NOT_FOUND = "not_found"
    ALREADY_EMPTY = "already_empty"
    NO_TIME = "no_time"
    VEHICLE_FULL = "vehicle_full"
    OTHER = "other"


# A skip that is itself news about the bin is logged as a visit with an incident (no kg).
SKIP_INCIDENTS = {SkipReason.INACCESSIBLE: IncidentCode.INACCESSIBLE, SkipReason.NOT_FOUND: IncidentCode.MISSING}


def skip_reason_labels() -> dict[str, str]:
    return {
        SkipReason.INACCESSIBLE: _("Non accessibile"),
        SkipReason.NOT_FOUND: _("Contenitore non trovato"),
        SkipReason.ALREADY_EMPTY: _("Già vuoto"),
        SkipReason.NO_TIME: _("Tempo esaurito"),
        SkipReason.VEHICLE_FULL: _("Mezzo pieno"),
        SkipReason.OTHER: _("Altro (vedi note)"),
    }


def incident_labels() -> dict[str, str]:
    return {
        IncidentCode.OVERFLOW: _("Traboccante / sacchi a terra"),
        IncidentCode.DAMAGED: _("Danneggiato"),
        IncidentCode.VANDALISED: _("Vandalizzato"),
        IncidentCode.INACCESSIBLE: _("Non accessibile"),
        IncidentCode.MISSING: _("Mancante"),
        IncidentCode.CONTAMINATED: _("Contaminato / bagnato"),
    }


def _labels() -> dict[str, dict[str, str]]:
    return {"skip_reasons": skip_reason_labels(), "incidents": incident_labels()}


def claim(stop: RouteStop, status: str, at: datetime, **values: Any) -> None:
    """Compare-and-set from pending: of two different submissions for one stop, only the first counts."""
    done = db.session.execute(
        update(RouteStop)
        .where(RouteStop.id == stop.id, RouteStop.status == StopStatus.PENDING)
        .values(status=status, completed_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(_("Fermata già registrata: nessuna modifica."), field="stop")
    db.session.refresh(stop)


def _non_bin_kg(data: collection.PickupData) -> float | None:
    """Kilograms reported at a reload stop (no bin: only plausibility of the number)."""
    if data.weight_kg is None:
        return None
    kg = float(data.weight_kg)
    if kg < 0 or kg > MAX_NON_BIN_KG:
        raise ValidationError(_("Peso non valido."), field="weight_kg")
    return kg


def _record_visit(stop: RouteStop, data: collection.PickupData, user: User, now: datetime) -> None:
    """The pickup of a bin stop (validated by ``record_pickup``), linked to the stop."""
    pickup = collection.record_pickup(data, user, source=PickupSource.ROUND, now=now)
    pickup.vehicle_id = stop.route.vehicle_id  # the round's truck carries it to the plant
    stop.pickup_id = pickup.id
    stop.completed_at = pickup.collected_at
    if pickup.weight_kg is not None:
        stop.actual_kg = float(pickup.weight_kg)
    stop.actual_fill_percent = pickup.fill_percent
    db.session.flush()


def _done(stop: RouteStop, action: kinds.StopAction) -> None:
    """«Done» at a bin (a pickup through ``record_pickup``) or at a reload stop (kilograms only)."""
    data = schemas.parse_pickup({**action.body, "bin_id": stop.bin_id or 0})
    if stop.kind != StopKind.BIN or stop.bin_id is None:
        claim(stop, StopStatus.DONE, data.collected_at or action.now, actual_kg=_non_bin_kg(data))
        unload.close_on_final_unload(stop, action.user, stop.completed_at or action.now)
        return
    claim(stop, StopStatus.DONE, data.collected_at or action.now)
    _record_visit(stop, data, action.user, action.now)


def _reason(body: dict[str, Any]) -> SkipReason:
    value = body.get("reason")
    if not value:
        raise ValidationError(_("Indica il motivo per cui salti la fermata."), field="reason")
    try:
        return SkipReason(value)
    except ValueError as error:
        raise ValidationError(_("Motivo sconosciuto: %(code)s.", code=value), field="reason") from error


def _skipped(stop: RouteStop, action: kinds.StopAction) -> None:
    """Skipped with a reason code; a missing or unreachable bin is also logged as a visit."""
    reason = _reason(action.body)
    notes = action.text("notes")
    at = action.at()
    claim(stop, StopStatus.SKIPPED, at or action.now, skip_reason=reason.value)
    if reason in SKIP_INCIDENTS and stop.bin_id is not None:
        incidents = [SKIP_INCIDENTS[reason]]
        visit = collection.PickupData(bin_id=stop.bin_id, collected_at=at, incidents=incidents, notes=notes)
        _record_visit(stop, visit, action.user, action.now)


def reopen(stop: RouteStop) -> None:
    """Compare-and-set back to pending, forgetting the outcome (of two undos only the first counts)."""
    done = db.session.execute(
        update(RouteStop)
        .where(RouteStop.id == stop.id, RouteStop.status != StopStatus.PENDING)
        .values(
            status=StopStatus.PENDING,
            completed_at=None,
            skip_reason="",
            actual_kg=None,
            actual_fill_percent=None,
            pickup_id=None,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(_("Fermata già da fare: niente da annullare."), field="stop")
    db.session.refresh(stop)


def _undone(stop: RouteStop, action: kinds.StopAction) -> None:
    """«Annulla»: the stop is to do again; the pickup it logged is withdrawn, unless a plant took it in."""
    pickup_id = stop.pickup_id
    if pickup_id is not None:
        collection.withdraw_pickup(pickup_id, action.user)
    reopen(stop)


def _site_address(site: Any) -> str:
    if site is None:
        return ""
    return f"{site.street} {site.civic_number}, {site.cap}".strip(" ,")


def _sheet_fields(stop: RouteStop, _user: User | None) -> dict[str, Any]:
    """A bin shows its code, address and access notes; a reload stop its site."""
    bin_ = stop.bin
    if bin_ is not None:
        return {"label": bin_.code, "address": bin_.address, "access_notes": bin_.access_notes}
    site = stop.site
    return {"label": site.name if site else stop.reference, "address": _site_address(site), "access_notes": ""}


HOOKS = kinds.StopKindHooks(
    done_fields=DONE_FIELDS,
    skip_fields=SKIP_FIELDS,
    on_done=_done,
    on_skip=_skipped,
    sheet_fields=_sheet_fields,
    labels=_labels,
    on_undo=_undone,
)
