"""Rules for bins: who may see and edit them, saving with audit, status changes with history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.auth.models import User
from app.bins.history import describe
from app.bins.models import AuditEntry, Bin, BinStatus, BinStatusChange
from app.bins.validation import BinData, check_bin, normalise
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db

_AUDITED = (
    "code",
    "operator_id",
    "stream",
    "eer_code",
    "street_type",
    "street_name",
    "civic_number",
    "cap",
    "comune_code",
    "lon",
    "lat",
    "capacity_l",
    "full_weight_kg",
    "status",
    "access_notes",
    "service_hours",
    "outside_area_override",
)
_MOVE_FIELDS = {"lon", "lat", "comune_code"}


def scope(query: Select[Any], user: User) -> Select[Any]:
    """Restrict a query on Bin to what the user may see: operators and drivers only their organisation's."""
    if not can(user, Permission.VIEW_BINS):
        raise PermissionDenied(_("Non hai i permessi per vedere i contenitori."))
    if can(user, Permission.SEE_ALL_OPERATORS):
        return query
    return query.where(Bin.operator_id == user.organisation_id)


def visible_bin(bin_id: int, user: User) -> Bin:
    """A bin the user may see, or 404 (never reveal another organisation's bins)."""
    found = db.session.scalar(scope(select(Bin).where(Bin.id == bin_id), user))
    if found is None:
        raise NotFoundError(_("Contenitore non trovato."))
    return found


def ensure_can_edit(user: User, operator_id: int) -> None:
    if not can(user, Permission.EDIT_BINS) or (
        not can(user, Permission.SEE_ALL_OPERATORS) and operator_id != user.organisation_id
    ):
        raise PermissionDenied(_("Puoi modificare solo i contenitori della tua organizzazione."))


def _snapshot(bin_: Bin) -> dict[str, Any]:
    return {field: getattr(bin_, field) for field in _AUDITED}


def audit(user: User | None, entity_id: int, action: str, changes: dict[str, Any]) -> None:
    """Append one audit row (never edited)."""
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            entity="bin",
            entity_id=entity_id,
            action=action,
            changes=json.dumps(changes, ensure_ascii=False, default=str),
        )
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def _check_override(data: BinData, user: User | None, bin_: Bin | None) -> None:
    already = bin_ is not None and bin_.outside_area_override
    if data.outside_area_override and not already and not can(user, Permission.OVERRIDE_BIN_AREA):
        raise PermissionDenied(_("Solo un amministratore può accettare un contenitore fuori dall'area."))


def _check_unique(data: BinData, bin_: Bin | None) -> None:
    clash = db.session.scalar(select(Bin).where(Bin.operator_id == data.operator_id, Bin.code == data.code))
    if clash is not None and clash is not bin_:
        raise ConflictError(_("Esiste già un contenitore con il codice %(code)s.", code=data.code), field="code")


def apply_bin(data: BinData, user: User | None, bin_: Bin | None, action: str | None = None, reason: str = "") -> Bin:
    """Write checked values on a new or existing bin, with audit and status history; no permission checks."""
    comune, errors = check_bin(data)
    if errors:
        raise ValidationError(errors[0].message, field=errors[0].field)
    assert comune is not None
    _check_unique(data, bin_)
    before = _snapshot(bin_) if bin_ else {}
    bin_ = bin_ or Bin()
    for field in _AUDITED:
        if field not in ("comune_code", "status"):
            setattr(bin_, field, getattr(data, field))
    bin_.comune_code = comune.istat_code
    db.session.add(bin_)
    _set_status(bin_, data.status, user, reason)
    db.session.flush()
    changes = _diff(before, _snapshot(bin_))
    if changes:
        audit(user, bin_.id, action or _action(before, changes), changes)
    return bin_


def _action(before: dict[str, Any], changes: dict[str, Any]) -> str:
    if not before:
        return "create"
    return "move" if set(changes) <= _MOVE_FIELDS else "update"


def _set_status(bin_: Bin, status: str, user: User | None, reason: str) -> None:
    if bin_.status == status and bin_.id is not None:
        return
    bin_.status = status
    bin_.status_history.append(BinStatusChange(status=status, changed_by=user, reason=reason[:200]))


def save_bin(data: BinData, user: User, bin_: Bin | None = None, reason: str = "") -> Bin:
    """Create or edit a bin as ``user``: permissions, checks, comune from the point, audit."""
    data = normalise(data)
    if bin_ is not None:
        ensure_can_edit(user, bin_.operator_id)
    ensure_can_edit(user, data.operator_id)
    _check_override(data, user, bin_)
    return apply_bin(data, user, bin_, reason=reason)


def change_status(bin_: Bin, status: str, user: User, reason: str) -> Bin:
    """Set a new status (active, damaged, inaccessible, removed), keeping the history and the audit."""
    ensure_can_edit(user, bin_.operator_id)
    if status not in {s.value for s in BinStatus}:
        raise ValidationError(_("Stato non valido."), field="status")
    if status == bin_.status:
        return bin_
    old = bin_.status
    _set_status(bin_, status, user, reason.strip())
    db.session.flush()
    audit(user, bin_.id, "status", {"status": [old, status], "reason": reason.strip()})
    return bin_


def _action_labels() -> dict[str, str]:
    return {
        "create": _("creato"),
        "update": _("modificato"),
        "move": _("spostato"),
        "status": _("cambio di stato"),
        "import": _("importato"),
    }


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    action: str
    user_name: str
    summary: str


def history(bin_: Bin) -> list[AuditLine]:
    """The bin's audit trail, newest first, as lines a person can read."""
    query = (
        select(AuditEntry, User.full_name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.entity == "bin", AuditEntry.entity_id == bin_.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    labels = _action_labels()
    lines = []
    for entry, user_name in db.session.execute(query):
        changes = json.loads(entry.changes or "{}")
        lines.append(AuditLine(entry.at, labels.get(entry.action, entry.action), user_name or "", describe(changes)))
    return lines
