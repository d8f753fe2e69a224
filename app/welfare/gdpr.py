"""GDPR: export of everything held on a household, erasure that keeps anonymous statistics, retention."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.clock import local_today, utcnow
from app.errors import ConflictError
from app.extensions import db
from app.welfare.models import Delivery, GarmentRequest, Household, HouseholdIdentity, HouseholdStatus, RequestStatus
from app.welfare.privacy import access_log, household_by_code, log_access
from app.welfare.queries import household_requests

OPEN = (RequestStatus.DRAFT, RequestStatus.SENT, RequestStatus.APPROVED, RequestStatus.PREPARING, RequestStatus.READY)


def export(code: str) -> dict[str, Any]:
    """Every datum held on the household (the export itself is logged)."""
    household = household_by_code(code)
    identity = db.session.get(HouseholdIdentity, household.id)
    log_access(household, None, "export")
    return {
        "code": household.code,
        "comune": household.comune.name,
        "status": household.status,
        "consent_at": household.consent_at.isoformat() if household.consent_at else None,
        "retention_until": household.retention_until.isoformat(),
        "identity": None
        if identity is None
        else {
            k: getattr(identity, k) for k in ("name", "phone", "email", "street", "civic", "cap", "lon", "lat", "notes")
        },
        "members": [
            {
                "label": m.label,
                "age_band": m.age_band,
                "gender": m.gender,
                "size": m.clothing_size,
                "shoes": m.shoe_size,
            }
            for m in household.members
        ],
        "requests": [_request(r) for r in household_requests(household)],
        "access_log": [
            {"at": e.at.isoformat(), "user": e.user.email if e.user else None, "purpose": e.purpose}
            for e in access_log(household)
        ],
    }


def _request(request: GarmentRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "status": request.status,
        "created_at": request.created_at.isoformat(),
        "lines": [
            {"category": x.category, "size": x.size, "season": x.season, "quantity": x.quantity} for x in request.lines
        ],
    }


def erase(household: Household) -> Household:
    """Delete identity and free text; keep comune, age bands, genders, sizes and pieces for statistics."""
    open_requests = [r for r in household_requests(household) if r.status in OPEN]
    if open_requests:
        raise ConflictError(
            _(
                "Il nucleo ha richieste aperte (n. %(ids)s): annullale prima.",
                ids=", ".join(str(r.id) for r in open_requests),
            )
        )
    identity = db.session.get(HouseholdIdentity, household.id)
    if identity is not None:
        db.session.delete(identity)
    for index, member in enumerate(household.members, start=1):
        member.label = f"#{index}"
    for delivery in db.session.scalars(
        select(Delivery).join(GarmentRequest).where(GarmentRequest.household_id == household.id)
    ):
        delivery.code_hash, delivery.proof_note = "", ""
    household.status, household.anonymised_at = HouseholdStatus.ANONYMISED, utcnow()
    log_access(household, None, "erase")
    db.session.flush()
    return household


def anonymise_expired(today: date | None = None) -> list[str]:
    """Anonymise the households whose retention date has passed and that have no open request."""
    today = today or local_today()
    query = select(Household).where(Household.status == HouseholdStatus.ACTIVE, Household.retention_until < today)
    done = []
    for household in db.session.scalars(query):
        if not any(r.status in OPEN for r in household_requests(household)):
            erase(household)
            done.append(household.code)
    return done
