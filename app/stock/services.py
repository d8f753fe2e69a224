"""The stock ledger: every change is a movement row; balances are cached under a row lock.

Public API (also used by redistribution): ``receive_from_sorting``, ``reserve``, ``release``,
``issue_reserved``, ``take_out``, ``transfer``, ``adjust``, ``count``, ``balance``, ``ledger_balance``.
A reservation is the ``reserve`` movement itself: releases and issues point at it, and the caller
(a welfare allocation) keeps it by foreign key.
Every call that changes ``on_hand`` also writes its lot rows (``app.stock.lots``) under the same lock, so
each piece keeps the receipt, and through it the sorting fraction, it came from.
Each call is atomic inside the caller's transaction and refuses to make ``on_hand`` or
``available = on_hand - reserved`` negative, also under concurrent requests: on PostgreSQL the
(item, location) balance row is locked with ``SELECT … FOR UPDATE``; on SQLite every transaction
already holds the write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import User
from app.core.clock import utcnow
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.sorting import ledger as kg_ledger
from app.sorting.models import Fraction, FractionKind, LedgerKind
from app.stock import lots
from app.stock.catalog import DESTINATIONS
from app.stock.models import MovementKind, StockBalance, StockCount, StockItem, StockLocation, StockMovement

REUSE_FRACTIONS = (FractionKind.REUSE_A, FractionKind.REUSE_B)


class InsufficientStock(ConflictError):
    code = "insufficient_stock"


class ReservedStock(ConflictError):
    code = "reserved_stock"


@dataclass(frozen=True)
class Balance:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _insert(dialect: str) -> object:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _locked_balance(item_id: int, location_id: int) -> StockBalance:
    """The cached balance row of (item, location), created if missing, locked until commit."""
    insert = _insert(db.session.get_bind().dialect.name)
    db.session.execute(
        insert(StockBalance)  # type: ignore[operator]
        .values(item_id=item_id, location_id=location_id, on_hand=0, reserved=0, updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    query = (
        select(StockBalance)
        .where(StockBalance.item_id == item_id, StockBalance.location_id == location_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.execute(query).scalar_one()


def _refuse(row: StockBalance, on_hand_delta: int, reserved_delta: int) -> None:
    on_hand, reserved = row.on_hand + on_hand_delta, row.reserved + reserved_delta
    if on_hand < 0 or (reserved_delta > 0 and on_hand < reserved):
        raise InsufficientStock(
            ngettext(
                "Scorte insufficienti: disponibile %(num)s pezzo (in magazzino %(on_hand)s, riservati %(reserved)s).",
                "Scorte insufficienti: disponibili %(num)s pezzi (in magazzino %(on_hand)s, riservati %(reserved)s).",
                row.available,
                on_hand=row.on_hand,
                reserved=row.reserved,
            ),
            field="quantity",
        )
    if on_hand < reserved:
        raise ReservedStock(
            _(
                "Pezzi riservati: se ne possono muovere al massimo %(available)s; "
                "gli altri %(reserved)s sono riservati a richieste.",
                available=max(row.available, 0),
                reserved=row.reserved,
            ),
            field="quantity",
        )
    if reserved < 0:
        raise ConflictError(_("Non ci sono abbastanza pezzi riservati."), field="quantity")


def _move(
    item: StockItem, location: StockLocation, kind: str, on_hand_delta: int, reserved_delta: int = 0, **fields: object
) -> StockMovement:
    """Lock the balance, check it stays valid, append the movement, its lot rows and the new cache together."""
    row = _locked_balance(item.id, location.id)
    _refuse(row, on_hand_delta, reserved_delta)
    pair = fields.get("transfer_out")
    lot_rows = lots.plan(kind, item.id, location.id, on_hand_delta, pair if isinstance(pair, StockMovement) else None)
    movement = StockMovement(
        item=item,
        location=location,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        **fields,
    )
    db.session.add(movement)
    lots.write(movement, lot_rows)
    row.on_hand += on_hand_delta
    row.reserved += reserved_delta
    row.updated_at = utcnow()
    db.session.flush()
    return movement


def _positive(quantity: int) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValidationError(
            _("La quantità deve essere un numero intero di pezzi maggiore di zero."), field="quantity"
        )
    return quantity


def _user_fields(user: User | None) -> dict[str, object]:
    return {"user_id": user.id if user else None}


def balance(item: StockItem, location: StockLocation) -> Balance:
    """The cached balance (equal to ``ledger_balance`` at every commit)."""
    row = db.session.get(StockBalance, (item.id, location.id), populate_existing=True)
    return Balance(row.on_hand, row.reserved) if row else Balance(0, 0)


def ledger_balance(item: StockItem, location: StockLocation) -> Balance:
    """The balance summed from the movement rows: the source of truth."""
    on_hand, reserved = db.session.execute(
        select(
            func.coalesce(func.sum(StockMovement.on_hand_delta), 0),
            func.coalesce(func.sum(StockMovement.reserved_delta), 0),
        ).where(StockMovement.item_id == item.id, StockMovement.location_id == location.id)
    ).one()
    return Balance(int(on_hand), int(reserved))


def _source_lot(fraction: Fraction | None) -> Fraction:
    """The lot pieces come from: a reuse fraction with kilos left (its session closed, checked on withdrawal)."""
    if fraction is None:
        raise ValidationError(_("Indica il lotto di selezione da cui vengono i pezzi."), field="fraction_id")
    if fraction.kind not in REUSE_FRACTIONS:
        raise ValidationError(_("Solo le frazioni di riuso (A o B) diventano scorte."), field="fraction_id")
    if not fraction.session.is_open and kg_ledger.fraction_balance_kg(fraction.id) <= 0:
        raise ConflictError(
            _("Il lotto %(lot)s è esaurito: non ha più kg da caricare a magazzino.", lot=fraction.lot_code),
            field="fraction_id",
        )
    return fraction


def receive_from_sorting(
    item: StockItem,
    location: StockLocation,
    quantity: int,
    fraction: Fraction | None,
    user: User | None,
    is_demo: bool = False,
) -> StockMovement:
    """Pieces sorted for reuse enter stock; their estimated kilos leave the fraction's kg balance."""
    quantity = _positive(quantity)
    fraction = _source_lot(fraction)
    weight = kg_ledger.to_kg(item.unit_weight_kg * quantity, "quantity")
    entry = kg_ledger.withdraw_from_fraction(fraction, weight, LedgerKind.TO_STOCK, user)
    return _move(
        item,
        location,
        MovementKind.IN_FROM_SORTING,
        quantity,
        fraction=fraction,
        kg_entry=entry,
        is_demo=is_demo,
        **_user_fields(user),
    )


def reserve(item: StockItem, location: StockLocation, quantity: int, user: User | None = None) -> StockMovement:
    """Set pieces aside; the returned movement is the reservation. Refused beyond what is available."""
    return _move(item, location, MovementKind.RESERVE, 0, _positive(quantity), **_user_fields(user))


def reserved_for(reservation: StockMovement) -> int:
    """Pieces still held by a reservation: reserved less what its releases and issues settled."""
    settled = db.session.scalar(
        select(func.coalesce(func.sum(StockMovement.reserved_delta), 0)).where(
            StockMovement.reservation_id == reservation.id
        )
    )
    return reservation.reserved_delta + int(settled)


def _held(reservation: StockMovement, quantity: int | None) -> int:
    """Lock the reservation's balance row; the quantity to settle (all that is held by default)."""
    if reservation.kind != MovementKind.RESERVE:
        raise ValidationError(_("Il movimento indicato non è una prenotazione."), field="reservation")
    _locked_balance(reservation.item_id, reservation.location_id)
    held = reserved_for(reservation)
    quantity = held if quantity is None else _positive(quantity)
    if quantity > held:
        raise ConflictError(
            ngettext(
                "Per la prenotazione n. %(ref)s è riservato solo %(num)s pezzo.",
                "Per la prenotazione n. %(ref)s sono riservati solo %(num)s pezzi.",
                held,
                ref=reservation.id,
            ),
            field="quantity",
        )
    return quantity


def release(reservation: StockMovement, quantity: int | None = None, user: User | None = None) -> StockMovement | None:
    """Give back pieces of a reservation (all of them by default); None if none were held."""
    quantity = _held(reservation, quantity)
    if quantity == 0:
        return None
    return _move(
        reservation.item,
        reservation.location,
        MovementKind.RELEASE,
        0,
        -quantity,
        reservation=reservation,
        **_user_fields(user),
    )


def issue_reserved(
    reservation: StockMovement, quantity: int, counterparty: str, user: User | None = None
) -> StockMovement:
    """Hand reserved pieces to a household: they leave both the reservation and the stock."""
    quantity = _held(reservation, _positive(quantity))
    return _move(
        reservation.item,
        reservation.location,
        MovementKind.ISSUE_RESERVED,
        -quantity,
        -quantity,
        reservation=reservation,
        counterparty=counterparty.strip(),
        destination_kind="household",
        **_user_fields(user),
    )


def take_out(
    item: StockItem,
    location: StockLocation,
    quantity: int,
    destination_kind: str,
    counterparty: str,
    user: User | None = None,
) -> StockMovement:
    """Pieces leave to a household, a shop or a recycler; reserved pieces cannot be taken."""
    if destination_kind not in DESTINATIONS:
        raise ValidationError(_("Destinazione non valida."), field="destination_kind")
    if not counterparty.strip():
        raise ValidationError(_("Indica a chi sono consegnati i pezzi."), field="counterparty")
    return _move(
        item,
        location,
        MovementKind.OUT,
        -_positive(quantity),
        counterparty=counterparty.strip(),
        destination_kind=destination_kind,
        **_user_fields(user),
    )


def transfer(
    item: StockItem, source: StockLocation, target: StockLocation, quantity: int, user: User | None = None
) -> tuple[StockMovement, StockMovement]:
    """Move pieces between two locations: one movement out, one in that points at it."""
    quantity = _positive(quantity)
    if source.id == target.id:
        raise ValidationError(_("Origine e destinazione coincidono."), field="target_location_id")
    # Lock both rows in id order so two opposite transfers cannot deadlock.
    for location in sorted((source, target), key=lambda loc: loc.id):
        _locked_balance(item.id, location.id)
    out = _move(item, source, MovementKind.TRANSFER_OUT, -quantity, **_user_fields(user))
    into = _move(item, target, MovementKind.TRANSFER_IN, quantity, transfer_out=out, **_user_fields(user))
    return out, into


def _reason(reason: str) -> str:
    if len(reason.strip()) < 3:
        raise ValidationError(_("Una rettifica richiede sempre una motivazione."), field="reason")
    return reason.strip()


def adjust(
    item: StockItem, location: StockLocation, delta: int, reason: str, user: User | None = None
) -> StockMovement:
    """Correct a balance by ``delta`` pieces, with a mandatory reason."""
    return _adjust(item, location, delta, _reason(reason), user)


def _adjust(
    item: StockItem,
    location: StockLocation,
    delta: int,
    reason: str,
    user: User | None,
    count: StockCount | None = None,
) -> StockMovement:
    if not isinstance(delta, int) or delta == 0:
        raise ValidationError(_("La rettifica deve essere un numero intero diverso da zero."), field="quantity")
    kind = MovementKind.COUNT if count else MovementKind.ADJUST
    return _move(item, location, kind, delta, reason=reason, count=count, **_user_fields(user))


def count(
    location: StockLocation, counted: dict[int, int], reason: str, user: User | None = None
) -> list[StockMovement]:
    """A physical count of a location: one ``count`` movement per item whose balance differs."""
    reason = _reason(reason)
    if any(not isinstance(q, int) or q < 0 for q in counted.values()):
        raise ValidationError(_("Le quantità contate devono essere numeri interi non negativi."), field="counts")
    record = StockCount(location=location, reason=reason, **_user_fields(user))
    db.session.add(record)
    movements = []
    for item_id in sorted(counted):
        item = db.session.get(StockItem, item_id)
        if item is None:
            raise ValidationError(_("Articolo inesistente."), field="counts")
        row = _locked_balance(item.id, location.id)
        if counted[item_id] != row.on_hand:
            movements.append(_adjust(item, location, counted[item_id] - row.on_hand, reason, user, record))
    return movements
