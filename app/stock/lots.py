"""Lots inside the stock: which receipt (the ``in`` movement from a sorting fraction) each piece belongs to.

The ledger of lots is ``stock_lot_move``: each movement that changes ``on_hand`` writes, under the
balance lock the movement already holds, the pieces it adds to or takes from each lot at its
(item, location). A receipt adds its own lot; an outbound, an issue, a transfer out or a negative
adjustment or count draws first-in first-out (the oldest receipt first); a transfer in adds the lots
its transfer out drew; a positive adjustment or count goes to the lot that arrived last at that
(item, location), and is refused when none ever did.

Read functions for other domains: ``lot_pieces``, ``lots_on_hand``, ``lots_of_movement``,
``lots_of_movements``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.errors import ConflictError
from app.extensions import db
from app.sorting.models import Fraction
from app.stock.models import MovementKind, StockItem, StockLocation, StockLotMove, StockMovement

# Lot rows as written: (receipt id, signed pieces); a receipt id of None is stock older than lots.
Rows = list[tuple[int | None, int]]


class LotShare(NamedTuple):
    """Pieces of one lot: its receipt (None for stock loaded before lots were kept) and how many."""

    receipt: StockMovement | None
    pieces: int


def _fifo(rows: Iterable[tuple[int | None, int]]) -> Rows:
    """Lots oldest first; pieces of no known lot (older than lot keeping) come before every receipt."""
    return sorted(((r, int(p)) for r, p in rows), key=lambda row: (row[0] is not None, row[0] or 0))


def _present(item_id: int, location_id: int) -> Rows:
    """The lots on hand at an (item, location), oldest first: one grouped query."""
    query = (
        select(StockLotMove.receipt_id, func.sum(StockLotMove.pieces))
        .where(StockLotMove.item_id == item_id, StockLotMove.location_id == location_id)
        .group_by(StockLotMove.receipt_id)
        .having(func.sum(StockLotMove.pieces) > 0)
    )
    return _fifo(db.session.execute(query))


def _draw(item_id: int, location_id: int, quantity: int) -> Rows:
    drawn: Rows = []
    for receipt_id, pieces in _present(item_id, location_id):
        if quantity == 0:
            break
        take = min(pieces, quantity)
        drawn.append((receipt_id, -take))
        quantity -= take
    if quantity:  # the balance allowed it, so the lots disagree with the balance: refuse, never guess
        raise ConflictError(_("I lotti di questa ubicazione non tornano con il saldo: avvisa l'amministratore."))
    return drawn


def _last_arrival(item_id: int, location_id: int) -> int:
    """The receipt of the lot that arrived last at an (item, location); refused when none ever did."""
    query = (
        select(StockLotMove.receipt_id)
        .where(
            StockLotMove.item_id == item_id,
            StockLotMove.location_id == location_id,
            StockLotMove.pieces > 0,
            StockLotMove.receipt_id.is_not(None),
        )
        .order_by(StockLotMove.id.desc())
        .limit(1)
    )
    receipt_id = db.session.scalar(query)
    if receipt_id is None:
        raise ConflictError(
            _(
                "Nessun lotto noto per questo articolo in questa ubicazione: i pezzi in più si caricano "
                "dal loro lotto di selezione («Carica a magazzino») o con un trasferimento, "
                "non con una rettifica o un inventario."
            ),
            field="quantity",
        )
    return receipt_id


def plan(kind: str, item_id: int, location_id: int, on_hand_delta: int, transfer_out: StockMovement | None) -> Rows:
    """The lot rows a movement will write (a receipt's own lot is added by ``write``); may refuse."""
    if kind == MovementKind.IN_FROM_SORTING or on_hand_delta == 0:
        return []
    if kind == MovementKind.TRANSFER_IN and transfer_out is not None:
        return [(receipt_id, -pieces) for receipt_id, pieces in _rows_of(transfer_out.id)]
    if on_hand_delta < 0:
        return _draw(item_id, location_id, -on_hand_delta)
    return [(_last_arrival(item_id, location_id), on_hand_delta)]


def write(movement: StockMovement, rows: Rows) -> None:
    """Add the lot rows of a movement (flushed with it); a receipt's rows are its own lot."""
    item_id, location_id = movement.item.id, movement.location.id
    if movement.kind == MovementKind.IN_FROM_SORTING:
        db.session.add(
            StockLotMove(
                movement=movement,
                receipt=movement,
                item_id=item_id,
                location_id=location_id,
                pieces=movement.on_hand_delta,
            )
        )
        return
    db.session.add_all(
        StockLotMove(movement=movement, receipt_id=receipt_id, item_id=item_id, location_id=location_id, pieces=pieces)
        for receipt_id, pieces in rows
    )


def _rows_of(movement_id: int) -> Rows:
    query = select(StockLotMove.receipt_id, StockLotMove.pieces).where(StockLotMove.movement_id == movement_id)
    return _fifo(db.session.execute(query.order_by(StockLotMove.id)))


def _receipts(ids: Iterable[int | None]) -> dict[int, StockMovement]:
    """Receipts by id with their fraction and session loaded (for lot codes on pages)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = (
        select(StockMovement)
        .where(StockMovement.id.in_(wanted))
        .options(selectinload(StockMovement.fraction).selectinload(Fraction.session))
    )
    return {m.id: m for m in db.session.scalars(query)}


def lots_of_movements(movement_ids: Iterable[int]) -> dict[int, list[LotShare]]:
    """Per movement id, the lots it added or took, oldest first, pieces counted positive."""
    ids = list(set(movement_ids))
    if not ids:
        return {}
    query = (
        select(StockLotMove.movement_id, StockLotMove.receipt_id, StockLotMove.pieces)
        .where(StockLotMove.movement_id.in_(ids))
        .order_by(StockLotMove.id)
    )
    rows = db.session.execute(query).all()
    receipts = _receipts(r for _m, r, _p in rows)
    found: dict[int, list[LotShare]] = {}
    for movement_id, receipt_id, pieces in rows:
        found.setdefault(movement_id, []).append(
            LotShare(receipts.get(receipt_id) if receipt_id else None, abs(pieces))
        )
    return {m: sorted(shares, key=_share_order) for m, shares in found.items()}


def _share_order(share: LotShare) -> tuple[bool, int]:
    return share.receipt is not None, share.receipt.id if share.receipt else 0


def lots_of_movement(movement: StockMovement) -> list[LotShare]:
    """The lots a movement added (receipt, transfer in, positive correction) or took (every other change)."""
    return lots_of_movements([movement.id]).get(movement.id, [])


def lots_on_hand(item_id: int | None = None, location_id: int | None = None) -> dict[tuple[int, int], list[LotShare]]:
    """Per (item id, location id), the lots on hand, oldest first (the next to leave first)."""
    lot = (StockLotMove.item_id, StockLotMove.location_id, StockLotMove.receipt_id)
    query = select(*lot, func.sum(StockLotMove.pieces))
    if item_id is not None:
        query = query.where(StockLotMove.item_id == item_id)
    if location_id is not None:
        query = query.where(StockLotMove.location_id == location_id)
    query = query.group_by(*lot).having(func.sum(StockLotMove.pieces) > 0)
    rows = db.session.execute(query).all()
    receipts = _receipts(r for _i, _l, r, _p in rows)
    found: dict[tuple[int, int], list[LotShare]] = {}
    for item, location, receipt_id, pieces in rows:
        found.setdefault((item, location), []).append(
            LotShare(receipts.get(receipt_id) if receipt_id else None, int(pieces))
        )
    return {key: sorted(shares, key=_share_order) for key, shares in found.items()}


def lot_pieces(item: StockItem, location: StockLocation) -> list[LotShare]:
    """The lots on hand of one item at one location, oldest first; their pieces sum to ``on_hand``."""
    return lots_on_hand(item.id, location.id).get((item.id, location.id), [])
