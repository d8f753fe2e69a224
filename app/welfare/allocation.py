"""Matching stock to request lines (exact size, adjacent sizes, substitutions), reserved through the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.core.clock import utcnow
from app.core.policy import Permission, can
from app.errors import ConflictError, PermissionDenied
from app.extensions import db
from app.fleet.models import Site
from app.stock import services as stock
from app.stock.catalog import CATEGORIES, default_size_system
from app.stock.items import STOCK_SITE_KINDS
from app.stock.models import StockBalance, StockItem, StockLocation, StockMovement
from app.stock.sizes import adjacent_sizes
from app.welfare.models import Allocation, GarmentRequest, RequestLine, RequestStatus
from app.welfare.requests import change_status, locked_request

# A category that may stand in for another when the requested one is missing (same size system).
SUBSTITUTES = {
    "cappotto": ("giacca",),
    "giacca": ("cappotto",),
    "maglione": ("felpa",),
    "felpa": ("maglione",),
    "t-shirt": ("camicia",),
    "camicia": ("t-shirt",),
    "tuta": ("pantaloni",),
}
GRADE_ORDER = {"N": 0, "A": 1, "B": 2}


@dataclass(frozen=True)
class AllocationResult:
    allocated: int
    missing: int


def stock_sites(user: User) -> list[Site]:
    """Warehouses and distribution points whose stock the user may reserve."""
    query = select(Site).where(Site.kind.in_(STOCK_SITE_KINDS), Site.active.is_(True)).order_by(Site.id)
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Site.organisation_id == user.organisation_id)
    return list(db.session.scalars(query))


def _tiers(line: RequestLine) -> Iterator[tuple[str, str, str]]:
    """(match kind, category, size) to try, best first."""
    yield "exact", line.category, line.size
    for size in adjacent_sizes(line.size_system, line.size, 1):
        yield "adjacent", line.category, size
    for category in SUBSTITUTES.get(line.category, ()):
        if category in CATEGORIES and default_size_system(category, line.age_group) == line.size_system:
            yield "substitute", category, line.size


def _candidates(line: RequestLine, category: str, size: str, site_ids: list[int]) -> list[StockBalance]:
    query = (
        select(StockBalance)
        .join(StockItem, StockBalance.item_id == StockItem.id)
        .join(StockLocation, StockBalance.location_id == StockLocation.id)
        .where(
            StockLocation.site_id.in_(site_ids),
            StockItem.category == category,
            StockItem.size_system == line.size_system,
            StockItem.size == size,
            StockItem.age_group.in_((line.age_group, "unisex")),
            StockItem.season.in_((line.season, "tutto")),
            StockBalance.on_hand > StockBalance.reserved,
        )
    )
    rows = list(db.session.scalars(query))
    return sorted(rows, key=lambda b: (GRADE_ORDER.get(b.item.grade, 9), b.location.site_id, b.location_id))


def _reserve(balance: StockBalance, quantity: int, user: User) -> StockMovement | None:
    """Reserve up to ``quantity``; when another request took pieces meanwhile, take what is left."""
    for _attempt in range(3):
        available = stock.balance(balance.item, balance.location).available
        take = min(quantity, available)
        if take <= 0:
            return None
        try:
            with db.session.begin_nested():
                return stock.reserve(balance.item, balance.location, take, user)
        except stock.InsufficientStock:
            continue
    return None


def _allocate_line(line: RequestLine, site_ids: list[int], user: User) -> int:
    need, taken = line.missing, 0
    for match, category, size in _tiers(line):
        for balance in _candidates(line, category, size, site_ids):
            if taken >= need:
                return taken
            reservation = _reserve(balance, need - taken, user)
            if reservation:
                got = reservation.reserved_delta
                db.session.add(
                    Allocation(
                        line=line,
                        item=balance.item,
                        location=balance.location,
                        quantity=got,
                        reservation=reservation,
                        match=match,
                    )
                )
                taken += got
    return taken


def allocate(request: GarmentRequest, user: User) -> AllocationResult:
    """Reserve stock for the open lines of an approved request; partial fulfilment keeps the rest open."""
    if not can(user, Permission.PREPARE_REQUESTS):
        raise PermissionDenied(_("Solo il magazzino prepara le richieste."))
    request = locked_request(request.id)
    if request.status not in (RequestStatus.APPROVED, RequestStatus.PREPARING):
        raise ConflictError(_("Si preparano solo richieste approvate."))
    site_ids = [s.id for s in stock_sites(user)]
    allocated = sum(_allocate_line(line, site_ids, user) for line in request.lines if line.missing)
    db.session.flush()
    if not allocated:
        raise ConflictError(_("Nessun capo disponibile in magazzino per questa richiesta."))
    if request.status == RequestStatus.APPROVED:
        change_status(request, RequestStatus.PREPARING, user)
    db.session.refresh(request)
    return AllocationResult(allocated, sum(line.missing for line in request.lines))


def active_allocations(request: GarmentRequest) -> list[Allocation]:
    return [a for line in request.lines for a in line.allocations if a.released_at is None and a.issued_at is None]


def _reservation(allocation: Allocation) -> StockMovement:
    if allocation.reservation is None:  # only rows the 2026-12-03 migration could not match
        raise ConflictError(_("Prenotazione di magazzino non trovata per questa assegnazione."))
    return allocation.reservation


def release_all(request: GarmentRequest, user: User | None) -> int:
    """Give back every piece still reserved for the request."""
    released = 0
    for allocation in active_allocations(request):
        stock.release(_reservation(allocation), allocation.quantity, user)
        allocation.released_at = utcnow()
        released += allocation.quantity
    db.session.flush()
    return released


def issue_all(request: GarmentRequest, user: User | None) -> int:
    """The reserved pieces leave the stock to the household; each allocation keeps its issue movement."""
    issued = 0
    for allocation in active_allocations(request):
        allocation.issue = stock.issue_reserved(
            _reservation(allocation), allocation.quantity, counterparty=request.household.code, user=user
        )
        allocation.issued_at = utcnow()
        issued += allocation.quantity
    db.session.flush()
    return issued


@dataclass(frozen=True)
class PickRow:
    request_id: int
    household_code: str
    location: str
    category: str
    age_group: str
    size: str
    season: str
    grade: str
    quantity: int
    match: str


def pick_list(site: Site, user: User) -> list[PickRow]:
    """What to take from the shelves of one warehouse for the requests being prepared."""
    if not can(user, Permission.SEE_ALL_OPERATORS) and site.organisation_id != user.organisation_id:
        raise PermissionDenied(_("Puoi vedere solo le liste dei magazzini della tua organizzazione."))
    query = (
        select(Allocation)
        .join(StockLocation, Allocation.location_id == StockLocation.id)
        .where(StockLocation.site_id == site.id, Allocation.released_at.is_(None), Allocation.issued_at.is_(None))
    )
    rows = [
        PickRow(
            a.line.request_id,
            a.line.request.household.code,
            a.location.code,
            a.item.category,
            a.item.age_group,
            a.item.size,
            a.item.season,
            a.item.grade,
            a.quantity,
            a.match,
        )
        for a in db.session.scalars(query)
    ]
    return sorted(rows, key=lambda r: (r.location, r.request_id, r.category))
