"""How stops, left-out stops and the plan checker's findings read for people (never solver keys or English)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _

from app.core.clock import at_second, local_hhmm
from app.core.refs import StopKey, site_key, vehicle_key
from app.errors import DomainError
from app.i18n import fmt_number
from app.rounds import kinds
from app.rounds.models import RoundPlan, RouteStop, StopKind
from app.rounds.persist import stop_key


def reference_label(reference: str) -> str:
    """A domain's stop reference (``delivery:12``) as a label, when no row tells more: «Consegna n. 12»."""
    kind, _colon, number = reference.partition(":")
    if kind == StopKind.DELIVERY and number.isdigit():
        return _("Consegna n. %(n)s", n=number)
    if kind == StopKind.SYMBIOSIS and number.isdigit():
        return _("Ritiro simbiosi n. %(n)s", n=number)
    return reference


def stop_code(stop: RouteStop) -> str:
    """The short name of a stop: the bin code, the unload site, or its kind's label (a household's code)."""
    if stop.kind == StopKind.RELOAD:
        return stop.site.name if stop.site else _("scarico")
    if stop.bin is not None:
        return stop.bin.code
    try:
        label = kinds.stop_kind(stop.kind).sheet_fields(stop, None).get("label")
    except DomainError:  # a kind that cannot say (its record gone): the reference still names the stop
        label = None
    return str(label) if label else reference_label(stop.reference)


def key_names(plan: RoundPlan, stops: Iterable[RouteStop]) -> dict[str, str]:
    """Solver key → label of the plan's vehicles, sites and the given stops, to explain a refused check."""
    names = {}
    for route in plan.routes:
        names[vehicle_key(route.vehicle_id)] = route.vehicle.plate
        for site in (route.start_site, route.end_site):
            names[site_key(site.id)] = site.name
    for stop in stops:
        names[stop_key(stop)] = stop_code(stop)
    return names


def _hhmm(day: date, seconds: Any) -> str:
    return local_hhmm(at_second(day, int(seconds)))


_UNITS = ("kg", "litri", "capi")


def _over(value: Any, limit: Any) -> tuple[int, int, str]:
    """The first dimension of a load outside its capacity: (load, capacity, unit)."""
    pairs = list(zip(value or (), limit or (), strict=False))
    for i, (x, c) in enumerate(pairs):
        if x > c or x < 0:
            return int(x), int(c), _UNITS[i] if i < len(_UNITS) else ""
    return (int(pairs[0][0]), int(pairs[0][1]), "kg") if pairs else (0, 0, "kg")


def explain(violation: str, names: dict[str, str], day: date) -> str:
    """One finding of the plan checker as an Italian sentence naming the truck plate and the stop."""
    code = getattr(violation, "code", "other")
    route_id = getattr(violation, "route_id", None) or ""
    plate = names.get(route_id.partition("#")[0], _("un veicolo"))
    at_key = getattr(violation, "at", None) or ""
    where = names.get(at_key) or _place(at_key)
    value, limit = getattr(violation, "value", None), getattr(violation, "limit", None)
    if code == "capacity":
        load, capacity, unit = _over(value, limit)
        return _(
            "il mezzo %(plate)s a %(where)s avrebbe a bordo %(load)s %(unit)s, oltre la capienza di %(cap)s %(unit)s",
            plate=plate, where=where, load=fmt_number(load, 0), cap=fmt_number(capacity, 0), unit=unit,
        )  # fmt: skip
    if code == "window":
        return _(
            "il mezzo %(plate)s arriverebbe a %(where)s alle %(time)s, dopo la fine della fascia oraria (%(end)s)",
            plate=plate, where=where, time=_hhmm(day, value), end=_hhmm(day, limit),
        )  # fmt: skip
    if code == "site_closed":
        return _(
            "il mezzo %(plate)s arriverebbe a %(where)s alle %(time)s, dopo la chiusura (%(end)s)",
            plate=plate, where=where, time=_hhmm(day, value), end=_hhmm(day, limit),
        )  # fmt: skip
    if code == "shift_end":
        return _(
            "il mezzo %(plate)s rientrerebbe alle %(time)s, dopo la fine del turno (%(end)s)",
            plate=plate, time=_hhmm(day, value), end=_hhmm(day, limit),
        )  # fmt: skip
    if code == "shift_start":
        return _("il giro del mezzo %(plate)s partirebbe fuori dal turno", plate=plate)
    if code == "max_duration":
        return _("il giro del mezzo %(plate)s durerebbe più del massimo consentito", plate=plate)
    if code in ("end_loaded", "must_end_empty"):
        return _("il mezzo %(plate)s deve scaricare all'impianto prima di rientrare", plate=plate)
    return _("il piano non supera un controllo di coerenza (%(plate)s)", plate=plate)


def _place(key: str) -> str:
    if key.startswith("carry:"):
        return _("il carico già a bordo")
    if key.startswith("pos:"):
        return _("la posizione attuale")
    try:
        parsed = StopKey.parse(key)
    except ValueError:
        return _("una fermata")
    return reference_label(parsed.value) if parsed.kind == "ref" else _("una fermata")


def explain_all(violations: Sequence[str], names: dict[str, str], day: date, limit: int = 3) -> str:
    """The first few findings, each once, joined for a flash message."""
    sentences = dict.fromkeys(explain(v, names, day) for v in violations)
    return "; ".join(list(sentences)[:limit])
