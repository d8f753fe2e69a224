"""Backward traceability: from pieces that left the stock to their lots, sorting sessions, intakes,
rounds, bins and comuni.

An issue movement's lot rows name the receipts (stock lots) its pieces came from; a receipt names
its fraction, the fraction its session, the session its intake batches, a batch its pickups, round
and unload. Kilos are attributed back in proportion to mass, as on the chain page: a batch's share
of a lot is its share of the session's input kg; a comune's share of a batch is its share of the
batch's logged pickup kg.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.collection.models import Pickup
from app.extensions import db
from app.geo.models import Comune
from app.sorting.models import Fraction, IntakeBatch, SortingSession
from app.stock.lots import lots_of_movement
from app.stock.models import StockMovement
from app.welfare.models import GarmentRequest

ZERO = Decimal(0)


@dataclass
class BatchTrace:
    batch: IntakeBatch
    share: Decimal  # of the session's input kg
    kg: Decimal  # of the traced pieces' kg attributed to this batch
    comuni: dict[str, Decimal]  # comune name -> share of the batch's logged kg
    bins: list[tuple[str, datetime]]  # bin code and collection time of its pickups


@dataclass
class LotTrace:
    receipt: StockMovement
    pieces: int
    fraction: Fraction
    session: SortingSession
    batches: list[BatchTrace] = field(default_factory=list)

    @property
    def kg(self) -> Decimal:
        return self.receipt.item.unit_weight_kg * self.pieces


@dataclass
class PieceTrace:
    movement: StockMovement
    lots: list[LotTrace]
    unknown_pieces: int = 0  # stock older than lot keeping (moved before the lots migration)


def _comuni(pickups: list[Pickup]) -> dict[str, Decimal]:
    """Each comune's share of a batch's pickups, by their kg (weighed or estimated from the fill level)."""
    total = sum((p.kg for p in pickups), ZERO)
    codes = {p.bin.comune_code for p in pickups}
    rows = db.session.execute(select(Comune.istat_code, Comune.name).where(Comune.istat_code.in_(codes)))
    names = {code: name for code, name in rows}
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for pickup in pickups:
        weight = pickup.kg / total if total else Decimal(1) / len(pickups)
        shares[names.get(pickup.bin.comune_code, pickup.bin.comune_code)] += weight
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def _lot(receipt: StockMovement, pieces: int) -> LotTrace:
    fraction = receipt.fraction
    if fraction is None:  # a receipt always has its fraction (constraint); kept for type checkers
        raise LookupError(receipt.id)
    session = fraction.session
    inputs = sum((i.batch.net_kg for i in session.inputs), ZERO)
    lot = LotTrace(receipt=receipt, pieces=pieces, fraction=fraction, session=session)
    for item in session.inputs:
        batch = item.batch
        share = batch.net_kg / inputs if inputs else ZERO
        lot.batches.append(
            BatchTrace(
                batch=batch,
                share=share,
                kg=lot.kg * share,
                comuni=_comuni(list(batch.pickups)),
                bins=[(p.bin.code, p.collected_at) for p in batch.pickups],
            )
        )
    return lot


def trace_movement(movement: StockMovement) -> PieceTrace:
    """Where the pieces of one movement that left the stock (an issue, an outbound) came from."""
    trace = PieceTrace(movement=movement, lots=[])
    for share in lots_of_movement(movement):
        pieces = abs(share.pieces)
        if share.receipt is None:
            trace.unknown_pieces += pieces
        else:
            trace.lots.append(_lot(share.receipt, pieces))
    return trace


def trace_request(request: GarmentRequest) -> list[tuple[Any, PieceTrace]]:
    """For each allocation of a request handed to its household (delivered or collected): the trace of its pieces."""
    out = []
    for line in request.lines:
        for allocation in line.allocations:
            if allocation.issue is not None:
                out.append((allocation, trace_movement(allocation.issue)))
    return out


def comuni_of(traces: list[PieceTrace]) -> dict[str, Decimal]:
    """kg of the traced pieces per comune of collection."""
    kg: dict[str, Decimal] = defaultdict(Decimal)
    for trace in traces:
        for lot in trace.lots:
            for batch in lot.batches:
                for name, share in batch.comuni.items():
                    kg[name] += batch.kg * share
    return dict(sorted(kg.items(), key=lambda kv: -kv[1]))


def as_data(trace: PieceTrace) -> dict[str, Any]:
    """A trace as plain data (JSON export)."""
    return {
        "movement_id": trace.movement.id,
        "kind": trace.movement.kind,
        "pieces": abs(trace.movement.on_hand_delta),
        "unknown_lot_pieces": trace.unknown_pieces,
        "lots": [
            {
                "receipt_id": lot.receipt.id,
                "pieces": lot.pieces,
                "kg": float(lot.kg.quantize(Decimal("0.001"))),
                "fraction": lot.fraction.lot_code,
                "fraction_kind": lot.fraction.kind,
                "session": lot.session.lot_code,
                "batches": [
                    {
                        "lot": b.batch.lot_code,
                        "received_at": b.batch.received_at.isoformat(),
                        "source": b.batch.source,
                        "route_id": b.batch.route_id,
                        "share": float(b.share.quantize(Decimal("0.0001"))),
                        "kg": float(b.kg.quantize(Decimal("0.001"))),
                        "comuni": {k: float(v.quantize(Decimal("0.0001"))) for k, v in b.comuni.items()},
                        "bins": [{"code": code, "collected_at": at.isoformat()} for code, at in b.bins],
                    }
                    for b in lot.batches
                ],
            }
            for lot in trace.lots
        ],
    }
