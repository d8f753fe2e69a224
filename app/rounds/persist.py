"""Writing routing results onto plan rows: routes, stops with times and loads, totals, road paths."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from app.core.clock import at_second
from app.core.refs import StopKey, bin_id_of, bin_key, key_id, reference_key, site_key
from app.rounds import kinds
from app.rounds.adapters import RoadPath, RouteResult, StopRecord, VisitResult
from app.rounds.models import RoundPlan, RoundRoute, RouteStop, StopKind
from app.rounds.selection import UNITS_PER_CENT


def stop_key(stop: RouteStop) -> str:
    """The routing key of a stop row: its bin, its reload site, or its reference."""
    if stop.kind == StopKind.RELOAD:
        return site_key(stop.site_id)
    if stop.bin_id is not None:
        return bin_key(stop.bin_id)
    return reference_key(stop.reference)


def _reference_kind(reference: str) -> str:
    """A domain's stop kind from its reference (``symbiosis:4`` → ``symbiosis``); deliveries by default."""
    prefix = reference.partition(":")[0]
    return prefix if kinds.is_stop_kind(prefix) else StopKind.DELIVERY


def new_stop(visit: VisitResult, coords: dict[str, tuple[float, float]], records: dict[str, StopRecord]) -> RouteStop:
    """A stop row for a visit of a fresh solve, keeping what it was planned with (load, service time, window)."""
    lon, lat = coords[visit.key]
    if visit.kind == "reload":
        return RouteStop(kind=StopKind.RELOAD, site_id=key_id(visit.key), lon=lon, lat=lat, sequence=0)
    record = records[visit.key]
    bin_id = bin_id_of(visit.key)
    window = record.window or (None, None)
    reference = "" if bin_id is not None else StopKey.parse(visit.key).value
    return RouteStop(
        kind=StopKind.BIN if bin_id is not None else _reference_kind(reference),
        bin_id=bin_id,
        reference=reference,
        lon=lon,
        lat=lat,
        sequence=0,
        planned_kg=record.demand_kg,
        planned_pieces=record.pieces,
        planned_volume_l=record.volume_l,
        service_s=record.service_s,
        window_start_s=window[0],
        window_end_s=window[1],
        required=record.required,
    )


def stop_record(stop: RouteStop) -> StopRecord:
    """The routing record of a planned stop, as it was planned (for re-checking edits); required, no prize."""
    window = None if stop.window_start_s is None else (stop.window_start_s, stop.window_end_s or stop.window_start_s)
    kind = "delivery" if stop.kind == StopKind.DELIVERY else "pickup"
    return StopRecord(
        stop_key(stop),
        stop.lon,
        stop.lat,
        stop.planned_kg,
        stop.service_s,
        kind=kind,
        window=window,
        volume_l=stop.planned_volume_l,
        pieces=stop.planned_pieces,
    )


def apply_visits(route: RoundRoute, stops: Sequence[RouteStop], result: RouteResult, service_date: date) -> None:
    """Set order, times and loads of ``stops`` (aligned with the inner visits of ``result``)."""
    inner = result.visits[1:-1]
    assert len(inner) == len(stops), "stop rows and visits out of step"
    for seq, (row, visit) in enumerate(zip(stops, inner, strict=True), start=1):
        row.sequence = seq
        row.arrival_at = at_second(service_date, visit.arrival_s)
        row.departure_at = at_second(service_date, visit.departure_s)
        row.load_after_kg = visit.load_kg
    route.stops = list(stops)
    route.start_at = at_second(service_date, result.start_s)
    route.end_at = at_second(service_date, result.end_s)
    route.distance_m = result.distance_m
    route.duration_s = result.end_s - result.start_s
    route.load_kg = sum(s.planned_kg for s in stops if s.kind != StopKind.RELOAD)


def apply_path(route: RoundRoute, path: RoadPath) -> None:
    route.geometry_json = json.dumps(path.geometry, separators=(",", ":"))
    route.streets_json = json.dumps(path.streets, ensure_ascii=False)


def route_points(route: RoundRoute) -> list[tuple[float, float]]:
    """Start site, each stop, end site: the points the road path goes through."""
    return [
        (route.start_site.lon, route.start_site.lat),
        *((s.lon, s.lat) for s in route.stops),
        (route.end_site.lon, route.end_site.lat),
    ]


def refresh_totals(plan: RoundPlan, cost_units: int) -> None:
    plan.distance_m = sum(r.distance_m for r in plan.routes)
    plan.duration_s = sum(r.duration_s for r in plan.routes)
    plan.cost_eur_cents = round(cost_units / UNITS_PER_CENT)
