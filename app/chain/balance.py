"""The chain balance: each hop of a period's kilos with its difference, tolerance and colour.

bins (pickups) → weighed in → sorted → out + in stock + at the plant + declared losses → pieces.
A difference is *explained* when a record says why (a declared sorting loss, a weighbridge
difference with its reason, kilos still on the way or waiting to be sorted) and *unexplained*
otherwise; unexplained ones are listed with the records behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from app.chain.flow import ZERO, Flow, origin_kg
from app.chain.pieces import Pieces
from app.i18n import fmt_date, fmt_number

# Below this a difference is rounding of attributed shares, not kilos.
NOISE_KG = Decimal("0.05")


class Status:
    OK = "ok"  # within tolerance, nothing waiting
    PENDING = "pending"  # kilos still on their way to this hop
    EXPLAINED = "explained"  # outside tolerance, with a recorded reason
    ALERT = "alert"  # outside tolerance without a reason, or records missing


@dataclass(frozen=True)
class Record:
    """A record behind a difference, for the drill-down."""

    kind: str  # batch, pickup
    ref: str
    label: str
    kg: Decimal
    reason: str = ""
    target_id: int = 0


@dataclass
class Hop:
    key: str
    label: str
    kg: Decimal
    expected_kg: Decimal
    tolerance_percent: Decimal | None
    pending_kg: Decimal = ZERO
    pending_label: str = ""
    explained: list[Record] = field(default_factory=list)
    unexplained: list[Record] = field(default_factory=list)
    note: str = ""
    unit: str = "kg"

    @property
    def difference_kg(self) -> Decimal:
        diff = self.kg - self.expected_kg
        return ZERO if abs(diff) < NOISE_KG else diff

    @property
    def difference_percent(self) -> Decimal:
        return self.difference_kg / self.expected_kg * 100 if self.expected_kg else ZERO

    @property
    def within_tolerance(self) -> bool:
        if self.tolerance_percent is None:
            return self.difference_kg == 0
        return abs(self.difference_percent) <= self.tolerance_percent

    @property
    def status(self) -> str:
        if self.unexplained or (not self.within_tolerance and not self.explained):
            return Status.ALERT
        if self.explained:
            return Status.EXPLAINED
        if self.pending_kg > NOISE_KG:
            return Status.PENDING
        return Status.OK


def _batch_label(batch_lot: str, received: str, diff_kg: Decimal, percent: Decimal) -> str:
    return _(
        "Carico %(lot)s del %(day)s: netto diverso dai pesi ai contenitori di %(kg)s kg (%(pct)s %%)",
        lot=batch_lot,
        day=received,
        kg=fmt_number(diff_kg),
        pct=fmt_number(percent),
    )


def _weighbridge_records(flow: Flow) -> tuple[list[Record], list[Record]]:
    explained, unexplained = [], []
    for batch in sorted(flow.batches.values(), key=lambda b: b.received_at):
        if not batch.logged_kg or batch.share == 0:
            continue
        if abs(batch.difference_percent) <= flow.intake_tolerance_percent:
            continue
        diff = (batch.net_kg - batch.logged_kg) * batch.share
        label = _batch_label(batch.lot_code, fmt_date(batch.received_at), diff, batch.difference_percent)
        record = Record("batch", batch.lot_code, label, diff, batch.difference_reason, batch.id)
        (explained if batch.difference_reason else unexplained).append(record)
    return explained, unexplained


def _transit_records(flow: Flow) -> list[Record]:
    return [
        Record(
            "pickup",
            str(p.id),
            _(
                "Svuotamento n. %(id)s del contenitore %(bin)s (%(day)s): non pesato in impianto dopo %(days)s giorni",
                id=p.id,
                bin=p.bin_code,
                day=fmt_date(p.collected_at),
                days=flow.transit_days,
            ),
            p.kg,
            target_id=p.bin_id,
        )
        for p in flow.in_transit
    ]


def hops(flow: Flow, pieces: Pieces | None = None) -> list[Hop]:
    """The hops of the chain for ``flow``, in order: kilos, then pieces when ``pieces`` is given."""
    explained, unexplained = _weighbridge_records(flow)
    weighed = Hop(
        key="weighed",
        label=_("Pesato in impianto"),
        kg=flow.weighed_kg,
        expected_kg=flow.weighed_logged_kg + flow.other_sources_kg,
        tolerance_percent=flow.intake_tolerance_percent,
        pending_kg=flow.in_transit_kg,
        pending_label=_("ancora sui mezzi o in attesa di scarico"),
        explained=explained,
        unexplained=unexplained + _transit_records(flow),
        note=_("Netto di pesa dei carichi contro i kg registrati ai contenitori degli stessi svuotamenti."),
    )
    fractions_kg = sum(flow.fractions_kg.values(), ZERO)
    sorted_hop = Hop(
        key="sorted",
        label=_("Selezionato in frazioni"),
        kg=fractions_kg,
        expected_kg=flow.sorted_kg,
        tolerance_percent=flow.loss_tolerance_percent,
        pending_kg=flow.waiting_sorting_kg,
        pending_label=_("in attesa di selezione"),
        note=_(
            "La differenza sono le perdite dichiarate alla chiusura delle sessioni (umidità, polvere): "
            "%(kg)s kg; ogni sessione chiude solo entro la tolleranza.",
            kg=fmt_number(flow.loss_kg),
        ),
    )
    out = Hop(
        key="out",
        label=_("Uscito + a magazzino + ancora in impianto"),
        kg=flow.outbound_kg + flow.to_stock_kg + flow.at_plant_kg,
        expected_kg=fractions_kg,
        tolerance_percent=None,
        pending_kg=flow.at_plant_kg,
        pending_label=_("frazioni ancora in impianto"),
        note=_("Dal registro dei kg: ogni uscita e ogni carico a magazzino preleva dal suo lotto."),
    )
    found = [weighed, sorted_hop, out]
    if pieces is not None:
        found.append(_pieces_hop(pieces))
    return found


def _pieces_hop(pieces: Pieces) -> Hop:
    explained = []
    if pieces.adjusted:
        label = _("Rettifiche e inventari di magazzino, ciascuno con la sua motivazione")
        explained.append(Record("stock", "adjust", label, pieces.adjusted))
    return Hop(
        key="pieces",
        label=_("Capi: consegnati + altre uscite + a magazzino − rettifiche"),
        kg=pieces.delivered + pieces.out + pieces.in_stock - pieces.adjusted,
        expected_kg=pieces.received,
        tolerance_percent=None,
        pending_kg=pieces.in_stock,
        pending_label=_("capi ancora a magazzino"),
        explained=explained,
        note=_(
            "Capi entrati a magazzino dalle frazioni di riuso: %(received)s; consegnati alle famiglie: %(delivered)s.",
            received=fmt_number(pieces.received),
            delivered=fmt_number(pieces.delivered),
        ),
        unit=_("capi"),
    )


def _kg(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1")))


def as_data(flow: Flow, hop_list: list[Hop], pieces: Pieces) -> dict[str, Any]:
    """The balance and the forward trace as plain data (JSON export), kg to 0,1 and pieces to 0,1."""
    scope = flow.scope
    by_comune, _by_bin = origin_kg(flow)
    return {
        "scope": {
            "start": scope.start.isoformat(),
            "end": scope.end.isoformat(),
            "operator_id": scope.operator_id,
            "plant_id": scope.plant_id,
            "comune_code": scope.comune_code,
            "bin_id": scope.bin_id,
        },
        "kg": {
            "bins": _kg(flow.logged_kg),
            "other_sources": _kg(flow.other_sources_kg),
            "in_transit": _kg(flow.in_transit_kg),
            "weighed": _kg(flow.weighed_kg),
            "waiting_sorting": _kg(flow.waiting_sorting_kg),
            "sorted": _kg(flow.sorted_kg),
            "declared_loss": _kg(flow.loss_kg),
            "outbound": _kg(flow.outbound_kg),
            "to_stock": _kg(flow.to_stock_kg),
            "at_plant": _kg(flow.at_plant_kg),
        },
        "pickups": len(flow.pickups),
        "unweighed_pickups": flow.unweighed_pickups,
        "fractions_kg": {kind: _kg(kg) for kind, kg in sorted(flow.fractions_kg.items())},
        "outbound_kg": [
            {"destination": dest, "eer_code": eer, "operation": op, "kg": _kg(kg)}
            for (dest, eer, op), kg in sorted(flow.outbound_by.items())
        ],
        "pieces": {
            "received": _kg(pieces.received),
            "delivered": _kg(pieces.delivered),
            "out": _kg(pieces.out),
            "adjusted": _kg(pieces.adjusted),
            "in_stock": _kg(pieces.in_stock),
            "by_category": {c: {k: _kg(v) for k, v in row.items()} for c, row in sorted(pieces.by_category.items())},
            "unit_weight_kg": {c: float(w.quantize(Decimal("0.001"))) for c, w in sorted(pieces.unit_weights.items())},
        },
        "kg_by_comune": {code: _kg(kg) for code, kg in sorted(by_comune.items())},
        "hops": [
            {
                "key": hop.key,
                "label": hop.label,
                "unit": hop.unit,
                "expected": _kg(hop.expected_kg),
                "registered": _kg(hop.kg),
                "difference": _kg(hop.difference_kg),
                "difference_percent": _kg(hop.difference_percent),
                "tolerance_percent": None if hop.tolerance_percent is None else _kg(hop.tolerance_percent),
                "pending": _kg(hop.pending_kg),
                "status": hop.status,
                "unexplained": [_record(r) for r in hop.unexplained],
                "explained": [_record(r) for r in hop.explained],
            }
            for hop in hop_list
        ],
    }


def _record(record: Record) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "ref": record.ref,
        "label": record.label,
        "kg": _kg(record.kg),
        "reason": record.reason,
    }


def csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The JSON export flattened for a spreadsheet: section, key, quantity, unit, status, note."""
    rows: list[list[Any]] = [["kg", key, value, "kg", "", ""] for key, value in data["kg"].items()]
    rows += [["fraction", kind, kg, "kg", "", ""] for kind, kg in data["fractions_kg"].items()]
    rows += [
        ["outbound", f"{o['destination']} · EER {o['eer_code']} {o['operation']}".strip(), o["kg"], "kg", "", ""]
        for o in data["outbound_kg"]
    ]
    rows += [
        ["pieces", key, value, "pz", "", ""] for key, value in data["pieces"].items() if not isinstance(value, dict)
    ]
    rows += [["comune", code, kg, "kg", "", ""] for code, kg in data["kg_by_comune"].items()]
    for hop in data["hops"]:
        rows.append(["hop", hop["key"], hop["difference"], hop["unit"], hop["status"], hop["label"]])
        rows += [["unexplained", r["ref"], r["kg"], "kg", r["kind"], r["label"]] for r in hop["unexplained"]]
        rows += [["explained", r["ref"], r["kg"], "kg", r["reason"], r["label"]] for r in hop["explained"]]
    return rows
