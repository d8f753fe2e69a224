"""Each KPI as a table (header, rows of plain values) with the words that say what its chart shows.

The page, the CSV and the XLSX exports are drawn from these same tables, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import fmt_number
from app.reports.kpis import OUTCOMES, Kpis
from app.reports.kpis.co2e import TRUCK_KG_CO2E_PER_KM
from app.reports.kpis.sorting import DISPOSAL, OUTCOME_OF_KIND
from app.rounds.models import PlanKind
from app.sorting.codes import FRACTION_LABELS
from app.stock.catalog import CATEGORIES

TOP = 15  # bars in a chart of comuni; the table holds them all
OUTCOME_LABELS = {
    "reuse": _l("Riutilizzo"),
    "recycling": _l("Riciclo"),
    "disposal": _l("Smaltimento"),
    "loss": _l("Perdite dichiarate"),
}
KIND_LABELS = {PlanKind.COLLECTION: _l("Raccolta"), PlanKind.DELIVERY: _l("Consegna")}


@dataclass(frozen=True)
class Table:
    key: str  # also the export's file name and sheet
    title: str
    header: Sequence[str]
    rows: list[list[Any]]
    summary: str  # what the chart shows, in words (screen readers, print)
    chart: tuple[list[str], list[float], str] | None = None  # labels, values, unit
    decimals: Sequence[int] = ()  # per column, for the page


def _kg(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))


def _month_label(day: Any) -> str:
    return str(format_date(day, "MMMM yyyy"))


def by_month(k: Kpis) -> Table:
    c = k.collected
    rows = [[_month_label(m), _kg(kg)] for m, kg in zip(c.months, c.by_month, strict=True)]
    best = max(rows, key=lambda r: r[1]) if rows else None
    summary = ngettext(
        "Kg raccolti ai contenitori per mese: in totale %(kg)s kg in %(n)s svuotamento.",
        "Kg raccolti ai contenitori per mese: in totale %(kg)s kg in %(n)s svuotamenti.",
        c.pickups,
        kg=fmt_number(c.kg),
        n=fmt_number(c.pickups, 0),
    )
    if best and best[1]:
        summary += " " + _("Il mese con più kg è %(month)s (%(kg)s kg).", month=best[0], kg=fmt_number(best[1]))
    header = [_("Mese"), _("Kg raccolti")]
    return Table("mesi", _("Kg raccolti per mese"), header, rows, summary, _chart(rows, "kg"), (0, 1))


def by_comune(k: Kpis) -> Table:
    rows = [
        [c.code, c.name, c.population, _kg(c.kg), c.pickups, _per_inhabitant(c.kg_per_inhabitant)]
        for c in k.collected.by_comune
    ]
    with_kg = [c for c in k.collected.by_comune if c.kg]
    summary = ngettext(
        "Kg raccolti per comune: %(num)s comune con raccolte nel periodo.",
        "Kg raccolti per comune: %(num)s comuni con raccolte nel periodo.",
        len(with_kg),
    )
    if with_kg:
        top = with_kg[0]
        summary += " " + _("Il primo è %(name)s con %(kg)s kg.", name=top.name, kg=fmt_number(top.kg))
    per_head = [c for c in with_kg if c.kg_per_inhabitant is not None]
    if per_head:
        best = max(per_head, key=lambda c: c.kg_per_inhabitant or 0)
        summary += " " + _(
            "Per abitante il più alto è %(name)s (%(kg)s kg).", name=best.name, kg=fmt_number(best.kg_per_inhabitant, 2)
        )
    header = [
        _("Codice ISTAT"),
        _("Comune"),
        _("Abitanti (ISTAT)"),
        _("Kg raccolti"),
        _("Svuotamenti"),
        _("Kg per abitante"),
    ]
    chart = _chart([[r[1], r[3]] for r in rows[:TOP]], "kg")
    return Table("comuni", _("Kg raccolti per comune"), header, rows, summary, chart, (0, 0, 0, 1, 0, 3))


def _per_inhabitant(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.001"))


def by_operator(k: Kpis) -> Table:
    rows = [[o.name, _kg(o.kg), o.pickups] for o in k.collected.by_operator]
    summary = ngettext(
        "Kg raccolti per gestore: %(num)s gestore.", "Kg raccolti per gestore: %(num)s gestori.", len(rows)
    )
    if rows:
        summary += " " + _("Il primo è %(name)s con %(kg)s kg.", name=rows[0][0], kg=fmt_number(rows[0][1]))
    header = [_("Gestore"), _("Kg raccolti"), _("Svuotamenti")]
    return Table("gestori", _("Kg raccolti per gestore"), header, rows, summary, _chart(rows, "kg"), (0, 1, 0))


def outcomes(k: Kpis) -> Table:
    s = k.split
    rows: list[list[Any]] = [[str(OUTCOME_LABELS[o]), "", _kg(s.by_outcome[o]), _percent(s.share(o))] for o in OUTCOMES]
    rows += [
        [
            str(OUTCOME_LABELS.get(_outcome(kind), "")),
            str(FRACTION_LABELS.get(kind, kind)),
            _kg(kg),
            _percent(kg / s.kg),
        ]
        for kind, kg in sorted(s.by_kind.items())
        if s.kg
    ]
    summary = ngettext(
        "Esito della selezione di %(n)s sessione chiusa nel periodo, %(kg)s kg: riutilizzo %(reuse)s %%, "
        "riciclo %(recycling)s %%, smaltimento %(disposal)s %%, perdite %(loss)s %%.",
        "Esito della selezione di %(n)s sessioni chiuse nel periodo, %(kg)s kg: riutilizzo %(reuse)s %%, "
        "riciclo %(recycling)s %%, smaltimento %(disposal)s %%, perdite %(loss)s %%.",
        s.sessions,
        n=fmt_number(s.sessions, 0),
        kg=fmt_number(s.kg),
        **{o: fmt_number(_percent(s.share(o))) for o in OUTCOMES},
    )
    header = [_("Esito"), _("Frazione"), _("Kg"), _("Quota %")]
    chart = _chart([[r[0], r[2]] for r in rows[: len(OUTCOMES)]], "kg")
    return Table("selezione", _("Riutilizzo, riciclo e smaltimento"), header, rows, summary, chart, (0, 0, 1, 1))


def _outcome(kind: str) -> str:
    return OUTCOME_OF_KIND.get(kind, DISPOSAL)  # type: ignore[call-overload]  (a StrEnum key is its str)


def _percent(share: Decimal | None) -> Decimal | None:
    return None if share is None else (share * 100).quantize(Decimal("0.1"))


def pieces(k: Kpis) -> Table:
    p = k.pieces
    rows = [
        [
            str(CATEGORIES[c][0]) if c in CATEGORIES else c,
            p.to_stock.get(c, Decimal(0)).quantize(Decimal(1)),
            p.to_households.get(c, 0),
        ]
        for c in p.categories
    ]
    stocked = sum((r[1] for r in rows), Decimal(0))
    handed = sum(r[2] for r in rows)
    summary = _(
        "Capi per categoria: %(stocked)s entrati a magazzino dalla selezione, %(handed)s consegnati alle famiglie.",
        stocked=fmt_number(stocked, 0),
        handed=fmt_number(handed, 0),
    )
    header = [_("Categoria"), _("Capi a magazzino"), _("Capi alle famiglie")]
    return Table("capi", _("Capi a magazzino e consegnati"), header, rows, summary, _chart(rows, _("capi")), (0, 0, 0))


def households(k: Kpis) -> Table:
    rows = [[r.comune_code, r.comune_name, r.households, r.people] for r in k.served]
    summary = _(
        "Famiglie servite (richiesta consegnata o ritirata nel periodo): %(h)s nuclei, %(p)s persone, in %(n)s comuni.",
        h=fmt_number(k.households, 0),
        p=fmt_number(k.people, 0),
        n=len(rows),
    )
    header = [_("Codice ISTAT"), _("Comune"), _("Nuclei serviti"), _("Persone")]
    chart = _chart([[r[1], r[2]] for r in rows[:TOP]], _("nuclei"))
    return Table("famiglie", _("Famiglie e persone servite per comune"), header, rows, summary, chart, (0, 0, 0, 0))


def logistics(k: Kpis) -> Table:
    g = k.logistics
    rows: list[list[Any]] = []
    for kind, driving in g.by_kind.items():
        label = str(KIND_LABELS.get(kind, kind))
        rows += [
            [label, _("Giri svolti"), driving.routes],
            [label, _("Km percorsi"), driving.km.quantize(Decimal("0.1"))],
            [label, _("Ore di guida e servizio"), driving.hours.quantize(Decimal("0.1"))],
            [label, _("Fermate svolte"), driving.stops_done],
        ]
    rows += [
        [_("Totale"), _("Kg per km (raccolta)"), _round(g.kg_per_km, "0.1")],
        [_("Totale"), _("Fermate per ora"), _round(g.stops_per_hour, "0.01")],
        [_("Totale"), _("Segnalazioni di traboccamento"), k.collected.overflow_incidents],
        [_("Totale"), _("Consegne a domicilio"), g.deliveries],
        [_("Totale"), _("Consegne con fascia oraria"), g.with_window],
        [_("Totale"), _("Consegne nella fascia oraria"), g.on_time],
        [_("Totale"), _("Consegne puntuali %"), _percent(g.on_time_share)],
    ]
    summary = _(
        "Camion: %(km)s km e %(h)s ore in %(n)s giri; %(kgkm)s kg raccolti per km, %(sph)s fermate l'ora; "
        "%(overflow)s contenitori trovati traboccanti; %(on_time)s consegne su %(window)s nella fascia chiesta.",
        km=fmt_number(g.km),
        h=fmt_number(g.hours),
        n=fmt_number(sum(d.routes for d in g.by_kind.values()), 0),
        kgkm=fmt_number(g.kg_per_km),
        sph=fmt_number(g.stops_per_hour, 2),
        overflow=fmt_number(k.collected.overflow_incidents, 0),
        on_time=g.on_time,
        window=g.with_window,
    )
    header = [_("Giri"), _("Indicatore"), _("Valore")]
    chart = _chart([[str(KIND_LABELS.get(kind, kind)), d.km] for kind, d in g.by_kind.items()], "km")
    return Table("logistica", _("Km, ore e puntualità"), header, rows, summary, chart, (0, 0, 2))


def _round(value: Decimal | None, step: str) -> Decimal | None:
    return None if value is None else value.quantize(Decimal(step))


def co2e(k: Kpis) -> Table:
    c = k.co2e
    rows = [
        [
            _percent(s.displacement),
            _round(s.reuse_t, "0.1"),
            _round(c.recycling_t, "0.1"),
            _round(-c.collection_t, "0.01"),
            _round(s.net_t, "0.1"),
        ]
        for s in c.scenarios
    ]
    summary = _(
        "CO2e evitata: tra %(low)s e %(high)s t, secondo la quota di capi riutilizzati che sostituisce "
        "un acquisto nuovo (%(plow)s %% – %(phigh)s %%); già tolte %(truck)s t dei camion di raccolta "
        "(%(km)s km × %(factor)s kg CO2e/km).",
        low=fmt_number(c.low.net_t),
        high=fmt_number(c.high.net_t),
        plow=fmt_number(_percent(c.low.displacement), 0),
        phigh=fmt_number(_percent(c.high.displacement), 0),
        truck=fmt_number(c.collection_t, 2),
        km=fmt_number(c.collection_km),
        factor=fmt_number(TRUCK_KG_CO2E_PER_KM, 3),
    )
    header = [
        _("Capi che sostituiscono un nuovo %"),
        _("t CO2e dal riutilizzo"),
        _("t CO2e dal riciclo"),
        _("t CO2e dei camion"),
        _("t CO2e evitate (netto)"),
    ]
    chart = _chart([[f"{fmt_number(r[0], 0)} %", r[4]] for r in rows], "t CO2e")
    return Table("co2e", _("CO2e evitata"), header, rows, summary, chart, (0, 1, 1, 2, 1))


def symbiosis(k: Kpis) -> Table:
    """The marketplace's figures: no chart (four unlike numbers), the table says it all."""
    m = k.symbiosis
    rows: list[list[Any]] = [
        [_("Kg di eccedenze deviati"), m.diverted_kg],
        [_("Macchinari riutilizzati"), m.machines],
        [_("Abbinamenti conclusi"), m.matches],
        [_("t CO2e evitate (bassa)"), _round(m.co2e_low_t, "0.01")],
        [_("t CO2e evitate (alta)"), _round(m.co2e_high_t, "0.01")],
    ]
    summary = _(
        "Simbiosi industriale: %(kg)s kg di eccedenze e %(machines)s macchinari passati a un secondo utilizzatore.",
        kg=fmt_number(m.diverted_kg),
        machines=m.machines,
    )
    return Table("simbiosi", _("Simbiosi industriale"), [_("Indicatore"), _("Valore")], rows, summary, None, (0, 2))


def _chart(rows: Sequence[Sequence[Any]], unit: str) -> tuple[list[str], list[float], str]:
    return [str(r[0]) for r in rows], [float(r[1] or 0) for r in rows], unit


BUILDERS: dict[str, Callable[[Kpis], Table]] = {
    "mesi": by_month,
    "comuni": by_comune,
    "gestori": by_operator,
    "selezione": outcomes,
    "capi": pieces,
    "famiglie": households,
    "logistica": logistics,
    "co2e": co2e,
    "simbiosi": symbiosis,
}


def tables(k: Kpis) -> list[Table]:
    return [build(k) for build in BUILDERS.values()]
