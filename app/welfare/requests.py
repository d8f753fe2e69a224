"""Garment requests: lines by category, size and season; statuses with their history; quota rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.models import User
from app.core.clock import utcnow
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.stock.catalog import CATEGORIES, SEASONS, default_size_system
from app.stock.sizes import SizeSystem, normalise_size
from app.welfare.households import touch
from app.welfare.models import (
    Fulfilment,
    GarmentRequest,
    Household,
    HouseholdMember,
    HouseholdStatus,
    RequestLine,
    RequestStatus,
    RequestStatusChange,
)
from app.welfare.privacy import covers

S = RequestStatus
TRANSITIONS = {
    S.DRAFT: {S.SENT, S.CANCELLED},
    S.SENT: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.PREPARING, S.CANCELLED},
    S.PREPARING: {S.READY, S.CANCELLED},
    S.READY: {S.DELIVERED, S.COLLECTED, S.CANCELLED},
}
COUNTED = (S.APPROVED, S.PREPARING, S.READY, S.DELIVERED, S.COLLECTED)


@dataclass(frozen=True)
class LineData:
    member_id: int
    category: str
    season: str
    quantity: int
    size: str = ""
    row: int | None = None  # the line's row on the form, when blank rows were left out


@dataclass(frozen=True)
class RequestData:
    lines: list[LineData]
    fulfilment: str = Fulfilment.DELIVERY
    urgent: bool = False
    window_start: time | None = None
    window_end: time | None = None
    availability: str = ""
    pickup_site_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def max_items_per_month() -> int:
    return int(current_app.config.get("WELFARE_MAX_ITEMS_PER_MONTH", 20))


def line_group(member: HouseholdMember) -> str:
    """The stock's group for a member's garments: a baby (0–2 anni) wears «neonato», others their gender."""
    return "neonato" if member.age_band == "0-2" else member.gender


def _line(household: Household, data: LineData, index: int) -> RequestLine:
    n, row = index + 1, data.row if data.row is not None else index
    path = f"lines[{row}]"
    member = db.session.get(HouseholdMember, data.member_id)
    if member is None or member.household_id != household.id:
        raise ValidationError(_("Riga %(n)d: scegli un componente del nucleo.", n=n), field=f"{path}.member_id")
    if data.category not in CATEGORIES:
        raise ValidationError(_("Riga %(n)d: scegli il capo.", n=n), field=f"{path}.category")
    if data.season not in SEASONS:
        raise ValidationError(_("Riga %(n)d: stagione non valida.", n=n), field=f"{path}.season")
    if not isinstance(data.quantity, int) or data.quantity <= 0:
        raise ValidationError(_("Riga %(n)d: la quantità deve essere maggiore di zero.", n=n), field=f"{path}.quantity")
    group = line_group(member)
    system = default_size_system(data.category, group)
    wanted = data.size.strip() or _member_size(member, system)
    if not wanted:
        raise ValidationError(
            _(
                "Riga %(n)d: scrivi la taglia: %(member)s non ha una taglia registrata per «%(category)s».",
                n=n,
                member=member.label,
                category=CATEGORIES[data.category][0],
            ),
            field=f"{path}.size",
        )
    try:
        size = normalise_size(system, wanted)
    except ValidationError as error:
        raise ValidationError(_("Riga %(n)d: %(msg)s", n=n, msg=error.message), field=f"{path}.size") from error
    return RequestLine(
        member=member,
        category=data.category,
        age_group=group,
        size_system=system,
        size=size,
        season=data.season,
        quantity=data.quantity,
    )


def _member_size(member: HouseholdMember, system: str) -> str:
    if system == SizeSystem.SHOES_EU:
        return member.shoe_size
    if system == SizeSystem.ONE_SIZE:
        return "TU"
    return member.clothing_size if system == member.clothing_size_system else ""


def _check_fulfilment(data: RequestData) -> None:
    if data.fulfilment not in (Fulfilment.DELIVERY, Fulfilment.PICKUP):
        raise ValidationError(_("Modalità di consegna non valida."), field="fulfilment")
    if data.fulfilment == Fulfilment.PICKUP:
        site = db.session.get(Site, data.pickup_site_id or 0)
        if site is None or site.kind != SiteKind.DISTRIBUTION_POINT or not site.active:
            raise ValidationError(_("Scegli un punto di distribuzione attivo."), field="pickup_site_id")
    elif data.window_start and data.window_end and data.window_end <= data.window_start:
        raise ValidationError(_("La fascia oraria deve finire dopo l'inizio."), field="window_end")


def _check_lines(household: Household, data: RequestData) -> list[RequestLine]:
    if household.status != HouseholdStatus.ACTIVE:
        raise ValidationError(_("Il nucleo è stato anonimizzato."))
    if not data.lines:
        raise ValidationError(_("Aggiungi almeno un capo alla richiesta."), field="lines[0].category")
    _check_fulfilment(data)
    return [_line(household, line, i) for i, line in enumerate(data.lines)]


def _write_request(request: GarmentRequest, data: RequestData, lines: list[RequestLine]) -> None:
    delivery = data.fulfilment == Fulfilment.DELIVERY
    request.fulfilment = data.fulfilment
    request.urgent = data.urgent
    request.window_start = data.window_start if delivery else None
    request.window_end = data.window_end if delivery else None
    request.availability = data.availability.strip()
    request.pickup_site_id = data.pickup_site_id if not delivery else None
    request.lines = lines


def create_request(household: Household, data: RequestData, user: User) -> GarmentRequest:
    """A draft request of the chosen members' garments."""
    if not covers(user, household):
        raise PermissionDenied(_("Non puoi creare richieste per questo nucleo."))
    lines = _check_lines(household, data)
    request = GarmentRequest(household=household, created_by_id=user.id)
    _write_request(request, data, lines)
    db.session.add(request)
    record_status(request, "", S.DRAFT, user)
    touch(household)
    db.session.flush()
    return request


def update_draft(request: GarmentRequest, data: RequestData, user: User) -> GarmentRequest:
    """Change the lines and the delivery of a draft (its social worker, before sending it)."""
    if not covers(user, request.household):
        raise PermissionDenied(_("Non puoi modificare questa richiesta."))
    request = locked_request(request.id)
    if request.status != S.DRAFT:
        raise ConflictError(_("Solo una bozza si modifica: questa richiesta è «%(s)s».", s=_status(request.status)))
    lines = _check_lines(request.household, data)
    _write_request(request, data, lines)
    touch(request.household)
    db.session.flush()
    return request


def record_status(request: GarmentRequest, old: str, new: str, user: User | None, note: str = "") -> None:
    request.history.append(
        RequestStatusChange(from_status=old, to_status=new, user_id=user.id if user else None, note=note)
    )


def locked_request(request_id: int) -> GarmentRequest:
    """The request row, locked until commit so that two status changes cannot both pass."""
    query = (
        select(GarmentRequest)
        .where(GarmentRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    request = db.session.scalar(query)
    if request is None:
        raise NotFoundError(_("Richiesta non trovata."))
    return request


def change_status(request: GarmentRequest, new: str, user: User | None, note: str = "") -> GarmentRequest:
    """Move a request along its workflow; a repeated or out-of-order change is refused."""
    request = locked_request(request.id)
    old = request.status
    if new not in TRANSITIONS.get(old, set()):
        if old == new:
            raise ConflictError(_("La richiesta è già «%(s)s».", s=_status(new)))
        raise ConflictError(
            _("Una richiesta «%(old)s» non può diventare «%(new)s».", old=_status(old), new=_status(new))
        )
    request.status = new
    record_status(request, old, new, user, note)
    db.session.flush()
    return request


def _status(status: str) -> str:
    from app.welfare.catalog import status_label

    return status_label(status)


def pieces_this_month(household: Household, at: datetime, exclude_id: int | None = None) -> int:
    """Pieces of the household's approved (or later) requests approved in the calendar month of ``at``."""
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    query = (
        select(func.coalesce(func.sum(RequestLine.quantity), 0))
        .join(GarmentRequest)
        .where(
            GarmentRequest.household_id == household.id,
            GarmentRequest.status.in_(COUNTED),
            GarmentRequest.approved_at >= start,
            GarmentRequest.parent_id.is_(None),
        )
    )
    if exclude_id:
        query = query.where(GarmentRequest.id != exclude_id)
    return int(db.session.scalar(query) or 0)


def check_quota(request: GarmentRequest) -> None:
    """Refuse a request that would take the household beyond its monthly quota of pieces."""
    limit = max_items_per_month()
    used = pieces_this_month(request.household, utcnow(), request.id)
    if used + request.total_pieces > limit:
        raise ValidationError(
            _(
                "Oltre il limite mensile: %(limit)s capi per nucleo al mese, già approvati %(used)s, "
                "richiesti %(asked)s.",
                limit=limit,
                used=used,
                asked=request.total_pieces,
            ),
            field="line",
        )


def send(request: GarmentRequest, user: User) -> GarmentRequest:
    """The social worker sends a draft to the coordinators."""
    if not covers(user, request.household):
        raise PermissionDenied(_("Non puoi inviare questa richiesta."))
    check_quota(request)
    return change_status(request, S.SENT, user)


def approve(request: GarmentRequest, user: User) -> GarmentRequest:
    """A coordinator approves a sent request within the monthly quota."""
    if not can(user, Permission.APPROVE_REQUESTS):
        raise PermissionDenied(_("Solo i coordinatori approvano le richieste."))
    request = locked_request(request.id)
    if request.status == S.SENT:
        check_quota(request)
    change_status(request, S.APPROVED, user)
    request.approved_at = utcnow()
    db.session.flush()
    return request


def reject(request: GarmentRequest, user: User, note: str = "") -> GarmentRequest:
    """A coordinator rejects a sent request, saying why (the social worker reads the reason)."""
    if not can(user, Permission.APPROVE_REQUESTS):
        raise PermissionDenied(_("Solo i coordinatori respingono le richieste."))
    reason = " ".join(note.split())
    if not reason:
        raise ValidationError(_("Scrivi il motivo: l'assistente sociale lo leggerà."), field="note")
    return change_status(request, S.REJECTED, user, reason[:200])
