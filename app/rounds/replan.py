"""Mid-day re-plan: keep what is done, start each truck where it is now, re-optimise what is pending.

The routing library has no notion of a load already on board nor of stops pinned to a vehicle, so:
the load a truck carries since its last unload is a required pseudo-stop at its current position
whose window is the re-plan instant (only that truck can reach it in time), and locked stops are
left out of the solve and put back on their own route, in their order, where they cost least;
the result is then re-checked as a whole with the plan checker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.bins.models import Bin, BinStatus
from app.core.clock import at_second, local_midnight, seconds_of_day
from app.core.refs import StopKey, bin_id_of, bin_key, vehicle_key
from app.errors import ValidationError
from app.extensions import db
from app.rounds import adapters, labels, unload
from app.rounds.adapters import SiteRecord, StopRecord, VehicleRecord
from app.rounds.editing import network
from app.rounds.models import PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus, UnassignedStop
from app.rounds.persist import apply_path, new_stop, refresh_totals, route_points, stop_key, stop_record
from app.rounds.selection import bin_stop, forecast_bins, optional_prize, site_record

REPLAN_TIME_LIMIT_S = 3.0  # the routing library may search twice (second pass relaxed)


@dataclass
class _Truck:
    """Where one route stands at the re-plan instant."""

    route: RoundRoute
    history: list[RouteStop]  # kept as they are (done, skipped, and the unloads between them)
    pending: list[RouteStop]
    start_s: int
    site: SiteRecord
    carried_kg: int
    locked: list[RouteStop] = field(default_factory=list)

    @property
    def key(self) -> str:
        return vehicle_key(self.route.vehicle_id)


def _truck(route: RoundRoute, now_s: int) -> _Truck:
    stops = sorted(route.stops, key=lambda s: s.sequence)
    touched = [i for i, s in enumerate(stops) if s.status != StopStatus.PENDING]
    last = touched[-1] if touched else -1
    history = [s for s in stops[: last + 1] if s.status != StopStatus.PENDING or s.kind == StopKind.RELOAD]
    pending = [s for s in stops if s not in history and s.kind != StopKind.RELOAD]
    carried = 0
    for stop in stops[: last + 1]:
        if stop.kind == StopKind.RELOAD:
            carried = 0
        elif stop.status == StopStatus.DONE:
            carried += round(stop.actual_kg if stop.actual_kg is not None else stop.planned_kg)
    if history:
        here = history[-1]
        site = SiteRecord(f"pos:{route.id}", route.vehicle.plate, here.lon, here.lat, 0)
    else:
        site = site_record(route.start_site)
    shift_start = int((route.start_at - local_midnight(route.plan.service_date)).total_seconds())
    return _Truck(route, history, pending, max(now_s, shift_start), site, carried)


def _carry(truck: _Truck) -> StopRecord:
    """The load on board as a stop the truck must 'collect' where it stands, right now."""
    s = truck.site
    return StopRecord(
        f"carry:{truck.route.id}", s.lon, s.lat, truck.carried_kg, 0, True, 0, window=(truck.start_s,) * 2
    )


def _stop_record(row: RouteStop) -> StopRecord:
    prize = 0 if row.required else optional_prize(row.planned_kg)
    return replace(stop_record(row), required=row.required, prize=prize)


def _extra_stops(plan: RoundPlan, bin_ids: Iterable[int], now: datetime, known: set[str]) -> list[StopRecord]:
    ids = [i for i in bin_ids if bin_key(i) not in known]
    bins = db.session.scalars(select(Bin).where(Bin.id.in_(ids), Bin.status == BinStatus.ACTIVE)).all()
    forecasts = forecast_bins([b.id for b in bins], now) if bins else {}
    return [bin_stop(b, forecasts.get(b.id), 0.0, overflowing=True) for b in bins]


def replan_remaining(
    plan: RoundPlan,
    now: datetime,
    vehicle_ids_available: Iterable[int] | None = None,
    extra_bin_ids: Iterable[int] = (),
    *,
    time_limit_s: float = REPLAN_TIME_LIMIT_S,
    seed: int = 1,
) -> RoundPlan:
    """Re-optimise the pending stops of ``plan`` from ``now`` with the vehicles still available."""
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError(_("Il piano è chiuso e non si può più modificare."))
    now_s = int((now - local_midnight(plan.service_date)).total_seconds())
    available = {r.vehicle_id for r in plan.routes} if vehicle_ids_available is None else set(vehicle_ids_available)
    trucks = [_truck(r, now_s) for r in plan.routes]
    working = [t for t in trucks if t.route.vehicle_id in available and t.start_s < _shift_end(t)]
    pool: list[RouteStop] = []
    for t in trucks:
        keep = t in working
        t.locked = [s for s in t.pending if s.locked and keep]
        pool += [s for s in t.pending if s not in t.locked]
    rows = {stop_key(s): s for s in pool}
    free = [_stop_record(s) for s in pool] + _extra_stops(plan, extra_bin_ids, now, set(rows))
    if not working:
        raise ValidationError(_("Nessun veicolo disponibile per ripianificare."))
    check, left_out = _solve(plan, working, free, time_limit_s, seed)
    records = {r.key: r for r in free}
    _write(plan, working, trucks, check, rows, records)
    _unassigned(plan, left_out, rows, records)
    db.session.flush()
    return plan


def _shift_end(truck: _Truck) -> int:
    return seconds_of_day(truck.route.plan.service_date, truck.route.vehicle.shift_end)


def _vehicles(plan: RoundPlan, working: list[_Truck]) -> list[VehicleRecord]:
    out = []
    for t in working:
        base = unload.route_vehicle(t.route, unload.unload_site(plan))
        out.append(replace(base, shift=(t.start_s, max(base.shift[1], t.start_s)), start=t.site.key))
    return out


def _solve(
    plan: RoundPlan, working: list[_Truck], free: list[StopRecord], time_limit_s: float, seed: int
) -> tuple[adapters.Recheck, dict[str, str]]:
    """Solve the free stops, then put locked stops back on their routes and check everything."""
    plant = site_record(unload.plant_of(working[0].route, unload.unload_site(plan)))
    ends = [site_record(t.route.end_site) for t in working]
    sites = list({s.key: s for s in [plant, *(t.site for t in working), *ends]}.values())
    vehicles = _vehicles(plan, working)
    carries = [_carry(t) for t in working if t.carried_kg > 0]
    net = network()
    solved = adapters.solve_problem(  # inside a web request: one search, no process to start
        adapters.build_problem(sites, vehicles, [*carries, *free], net), time_limit_s=time_limit_s, seed=seed, workers=1
    )
    served = {v.key for r in solved.routes for v in r.visits if v.kind == "stop"}
    locked = [_stop_record(s) for t in working for s in t.locked]
    kept = [s for s in [*carries, *free] if s.key in served]
    built = adapters.build_problem(sites, vehicles, [*kept, *locked], net)
    sequences = {r.vehicle_key: [v.key for v in r.visits[1:-1]] for r in solved.routes}
    closing = [plant.key] if unload.unload_site(plan) is not None else []  # the final unload stays last
    for t in working:
        keys, earliest = sequences.get(t.key, []), 1 if t.carried_kg > 0 else 0
        keys = keys[:-1] if closing and keys[-1:] == closing else keys
        for row in t.locked:
            keys = adapters.insert_cheapest(built, t.key, keys, stop_key(row), earliest)
            earliest = keys.index(stop_key(row)) + 1
        sequences[t.key] = keys + closing if keys else keys
    check = adapters.recheck(built, {t.key: (t.start_s, sequences[t.key]) for t in working if sequences[t.key]})
    if check.violations:
        names = labels.key_names(plan, [s for t in working for s in (*t.locked, *t.pending)])
        detail = labels.explain_all(check.violations, names, plan.service_date)
        raise ValidationError(_("La ripianificazione non supera il controllo del piano: %(detail)s.", detail=detail))
    left_out = {k: r for k, r in solved.unassigned.items() if not k.startswith("carry:")}
    return check, left_out


def _write(
    plan: RoundPlan,
    working: list[_Truck],
    trucks: list[_Truck],
    check: adapters.Recheck,
    rows: dict[str, RouteStop],
    records: dict[str, StopRecord],
) -> None:
    """Keep history rows, append the re-planned tail of each truck, list what no truck can take."""
    by_key = {r.vehicle_key: r for r in check.routes}
    plant = unload.unload_site(plan)
    sites = [site_record(s) for t in working for s in (t.route.end_site, unload.plant_of(t.route, plant))]
    coords = {r.key: (r.lon, r.lat) for r in [*records.values(), *sites]}
    locked_rows = {stop_key(s): s for t in working for s in t.locked}
    for t in trucks:
        result = by_key.get(t.key)
        visits = [v for v in (result.visits[1:-1] if result else ()) if not v.key.startswith("carry:")]
        tail = [locked_rows.get(v.key) or rows.get(v.key) or new_stop(v, coords, records) for v in visits]
        for row, visit in zip(tail, visits, strict=True):
            row.arrival_at = at_second(plan.service_date, visit.arrival_s)
            row.departure_at = at_second(plan.service_date, visit.departure_s)
            row.load_after_kg = visit.load_kg
        t.route.stops = [*t.history, *tail]
        for seq, row in enumerate(t.route.stops, start=1):
            row.sequence = seq
        _route_totals(t.route, result.end_s if result else None, plan)
    refresh_totals(plan, check.cost)
    plan.version += 1


def _route_totals(route: RoundRoute, end_s: int | None, plan: RoundPlan) -> None:
    if end_s is not None:
        route.end_at = at_second(plan.service_date, end_s)
    elif route.stops:
        route.end_at = route.stops[-1].departure_at
    route.duration_s = int((route.end_at - route.start_at).total_seconds())
    route.load_kg = sum(s.planned_kg for s in route.stops if s.kind != StopKind.RELOAD)
    if route.stops:
        path = adapters.road_path(network(), route_points(route))
        apply_path(route, path)
        route.distance_m = path.distance_m
    else:
        route.distance_m, route.geometry_json, route.streets_json = 0, "", "[]"


def _unassigned(
    plan: RoundPlan, reasons: dict[str, str], rows: dict[str, RouteStop], records: dict[str, StopRecord]
) -> None:
    planned = {s.bin_id for r in plan.routes for s in r.stops if s.bin_id}
    plan.unassigned = [u for u in plan.unassigned if u.bin_id not in planned]
    for key, reason in sorted(reasons.items()):
        row = rows.get(key)
        bin_id = bin_id_of(key)
        text = _("Ripianificazione: %(reason)s", reason=reason)
        kg = row.planned_kg if row else records[key].demand_kg if key in records else 0
        plan.unassigned.append(
            UnassignedStop(
                bin_id=bin_id,
                reference="" if bin_id is not None else StopKey.parse(key).value,
                required=bool(row and row.required),
                planned_kg=kg,
                reason=text[:300],
            )
        )
