"""Request steps after approval: ready, collected at a distribution point, cancelled (stock released)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.core.policy import Permission, can
from app.errors import ConflictError, PermissionDenied
from app.extensions import db
from app.fleet.models import Site
from app.welfare import messages
from app.welfare.allocation import active_allocations, issue_all, release_all
from app.welfare.models import (
    Delivery,
    DeliveryStatus,
    Fulfilment,
    GarmentRequest,
    RequestLine,
    RequestStatus,
)
from app.welfare.privacy import covers
from app.welfare.requests import TRANSITIONS, change_status, locked_request, record_status


def allowed_actions(request: GarmentRequest, user: User) -> list[str]:
    """The actions ``user`` may take on ``request`` in its present state, in the order a page offers them.

    The services check the same rules again when an action is taken; this only says which to offer.
    """
    status, own = request.status, covers(user, request.household)
    prepares = can(user, Permission.PREPARE_REQUESTS)
    approves = can(user, Permission.APPROVE_REQUESTS)
    offered = {
        "edit": status == RequestStatus.DRAFT and own,
        "send": status == RequestStatus.DRAFT and own,
        "approve": status == RequestStatus.SENT and approves,
        "reject": status == RequestStatus.SENT and approves,
        "allocate": status in (RequestStatus.APPROVED, RequestStatus.PREPARING) and prepares,
        "ready": status == RequestStatus.PREPARING and prepares,
        "collected": status == RequestStatus.READY and request.fulfilment == Fulfilment.PICKUP and prepares,
        "cancel": RequestStatus.CANCELLED in TRANSITIONS.get(status, set())
        and (own or can(user, Permission.CANCEL_ANY_REQUEST)),
    }
    return [name for name, allowed in offered.items() if allowed]


def _check_preparer(user: User) -> None:
    if not can(user, Permission.PREPARE_REQUESTS):
        raise PermissionDenied(_("Solo il magazzino prepara le richieste."))


def _carry_over(request: GarmentRequest, user: User) -> GarmentRequest | None:
    """Pieces not found stay open in a new approved request linked to this one."""
    missing = [line for line in request.lines if line.missing]
    if not missing:
        return None
    rest = GarmentRequest(
        household_id=request.household_id,
        created_by_id=request.created_by_id,
        status=RequestStatus.APPROVED,
        urgent=request.urgent,
        fulfilment=request.fulfilment,
        window_start=request.window_start,
        window_end=request.window_end,
        availability=request.availability,
        pickup_site_id=request.pickup_site_id,
        approved_at=request.approved_at,
        parent_id=request.id,
        is_demo=request.is_demo,
        lines=[
            RequestLine(
                member_id=line.member_id,
                category=line.category,
                age_group=line.age_group,
                size_system=line.size_system,
                size=line.size,
                season=line.season,
                quantity=line.missing,
            )
            for line in missing
        ],
    )
    db.session.add(rest)
    with force_locale("it"):
        record_status(rest, "", RequestStatus.APPROVED, user, _("Resto della richiesta n. %(id)s", id=request.id))
    return rest


def mark_ready(request: GarmentRequest, user: User) -> GarmentRequest:
    """The pieces found are packed: delivery to plan, or the family told to collect them."""
    _check_preparer(user)
    request = locked_request(request.id)
    if request.status == RequestStatus.PREPARING and not active_allocations(request):
        raise ConflictError(_("Nessun capo riservato: esegui prima l'abbinamento con il magazzino."))
    change_status(request, RequestStatus.READY, user)
    _carry_over(request, user)
    if request.fulfilment == Fulfilment.DELIVERY:
        db.session.add(Delivery(request=request))
    else:
        messages.ready_for_pickup(request, user)
    db.session.flush()
    return request


def cancel(request: GarmentRequest, user: User, note: str = "") -> GarmentRequest:
    """Cancel a request (its social worker or a coordinator); reserved stock is given back."""
    if not (covers(user, request.household) or can(user, Permission.CANCEL_ANY_REQUEST)):
        raise PermissionDenied(_("Non puoi annullare questa richiesta."))
    request = locked_request(request.id)
    change_status(request, RequestStatus.CANCELLED, user, note)
    release_all(request, user)
    for delivery in db.session.scalars(select(Delivery).where(Delivery.request_id == request.id)):
        if delivery.status in (DeliveryStatus.TO_PLAN, DeliveryStatus.SCHEDULED, DeliveryStatus.FAILED):
            delivery.status = DeliveryStatus.CANCELLED
            delivery.code_hash = ""
    db.session.flush()
    return request


def pickups_at(site: Site, user: User) -> list[GarmentRequest]:
    """Ready requests waiting at a distribution point (codes and pieces only)."""
    _check_site(site, user)
    query = select(GarmentRequest).where(
        GarmentRequest.pickup_site_id == site.id,
        GarmentRequest.status == RequestStatus.READY,
        GarmentRequest.fulfilment == Fulfilment.PICKUP,
    )
    return list(db.session.scalars(query.order_by(GarmentRequest.id)))


def _check_site(site: Site, user: User) -> None:
    _check_preparer(user)
    if not can(user, Permission.SEE_ALL_OPERATORS) and site.organisation_id != user.organisation_id:
        raise PermissionDenied(_("Questo punto di distribuzione non è della tua organizzazione."))


def mark_collected(request: GarmentRequest, user: User) -> GarmentRequest:
    """The family collected the pieces at the distribution point: they leave the stock."""
    if request.pickup_site is None:
        raise ConflictError(_("Questa richiesta non è da ritirare a un punto di distribuzione."))
    _check_site(request.pickup_site, user)
    change_status(request, RequestStatus.COLLECTED, user)
    issue_all(request, user)
    with force_locale("it"):
        messages.completed(request, _("ritirata"))
    return request
