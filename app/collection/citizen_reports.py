"""Reports citizens make at a bin's public page: fill readings or incidents, handled by the bin's operator.

A «full» or «bags on the ground» report is a fill reading of 100 % (the forecast starts from it);
«bags on the ground» is also an open overflow for the planner until the bin is next emptied. A
report marked spurious stops counting: its fill reading is left out of the forecast.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from app.auth.models import User
from app.bins.models import Bin, BinStatus
from app.collection.models import (
    CitizenReport,
    CitizenReportKind,
    CitizenReportStatus,
    FillReading,
    Pickup,
)
from app.core.clock import utcnow
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db

REPORTED_FILL_PERCENT = 100
CITIZEN_DEVICE = "segnalazione cittadina"
KIND_LABELS = {
    CitizenReportKind.FULL: _l("Contenitore pieno"),
    CitizenReportKind.BAGS_ON_GROUND: _l("Sacchi lasciati a terra"),
    CitizenReportKind.DAMAGED: _l("Contenitore danneggiato"),
}
STATUS_LABELS = {
    CitizenReportStatus.OPEN: _l("da gestire"),
    CitizenReportStatus.HANDLED: _l("gestita"),
    CitizenReportStatus.SPURIOUS: _l("infondata"),
}
_FILLING = {CitizenReportKind.FULL, CitizenReportKind.BAGS_ON_GROUND}


def report(bin_: Bin, kind: str, photo: bytes | None = None, now: datetime | None = None) -> CitizenReport:
    """Record a citizen's report at an active bin (flushed): a fill reading when it says the bin is full."""
    if kind not in {k.value for k in CitizenReportKind}:
        raise ValidationError(_("Scegli che cosa vuoi segnalare."), field="kind")
    if bin_.status == BinStatus.REMOVED:
        raise NotFoundError(_("Contenitore non trovato."))
    now = now or utcnow()
    reading = None
    if kind in _FILLING:
        reading = FillReading(
            bin=bin_, measured_at=now, fill_percent=REPORTED_FILL_PERCENT, device=CITIZEN_DEVICE, recorded_at=now
        )
        db.session.add(reading)
    found = CitizenReport(bin=bin_, kind=kind, reported_at=now, fill_reading=reading, photo=photo)
    db.session.add(found)
    db.session.flush()
    return found


def _scoped(query: Select[tuple[CitizenReport]], user: User) -> Select[tuple[CitizenReport]]:
    if not can(user, Permission.EDIT_BINS):
        raise PermissionDenied(_("Il tuo ruolo non permette di gestire le segnalazioni dei cittadini."))
    if can(user, Permission.SEE_ALL_OPERATORS):
        return query
    return query.where(CitizenReport.bin_id.in_(select(Bin.id).where(Bin.operator_id == user.organisation_id)))


def visible_report(report_id: int, user: User) -> CitizenReport:
    found = db.session.scalar(_scoped(select(CitizenReport).where(CitizenReport.id == report_id), user))
    if found is None:
        raise NotFoundError(_("Segnalazione non trovata."))
    return found


def list_reports(
    user: User, status: str | None = None, bin_id: int | None = None, limit: int = 200
) -> list[CitizenReport]:
    """The citizen reports of the bins the user manages, newest first."""
    query = _scoped(select(CitizenReport), user)
    if status:
        query = query.where(CitizenReport.status == status)
    if bin_id is not None:
        query = query.where(CitizenReport.bin_id == bin_id)
    return list(
        db.session.scalars(query.order_by(CitizenReport.reported_at.desc(), CitizenReport.id.desc()).limit(limit))
    )


def close(report_id: int, outcome: str, user: User, now: datetime | None = None) -> CitizenReport:
    """Mark an open report handled or spurious (a spurious report's fill reading stops counting)."""
    found = visible_report(report_id, user)
    if outcome not in (CitizenReportStatus.HANDLED, CitizenReportStatus.SPURIOUS):
        raise ValidationError(_("Esito non valido."), field="outcome")
    if found.status != CitizenReportStatus.OPEN:
        raise ConflictError(_("Questa segnalazione è già stata gestita."))
    found.status, found.handled_at, found.handled_by_id = outcome, now or utcnow(), user.id
    db.session.flush()
    return found


def spurious_readings() -> Select[tuple[int | None]]:
    """The fill readings of reports marked spurious (the forecast leaves them out)."""
    return select(CitizenReport.fill_reading_id).where(
        CitizenReport.status == CitizenReportStatus.SPURIOUS, CitizenReport.fill_reading_id.is_not(None)
    )


def open_overflow_reports(bin_ids: list[int]) -> set[int]:
    """Bins with an open «bags on the ground» report made after their latest valid pickup."""
    last_pickup = (
        select(Pickup.bin_id, func.max(Pickup.collected_at).label("at"))
        .where(Pickup.bin_id.in_(bin_ids), Pickup.superseded.is_(False))
        .group_by(Pickup.bin_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CitizenReport.bin_id, CitizenReport.reported_at, last_pickup.c.at)
        .outerjoin(last_pickup, last_pickup.c.bin_id == CitizenReport.bin_id)
        .where(
            CitizenReport.bin_id.in_(bin_ids),
            CitizenReport.kind == CitizenReportKind.BAGS_ON_GROUND,
            CitizenReport.status == CitizenReportStatus.OPEN,
        )
    ).all()
    return {b for b, reported, emptied in rows if emptied is None or reported > emptied}
