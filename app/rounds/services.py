"""Round planning: choose the bins, solve, check and save a draft plan; edits, publication, re-plans."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.core.clock import at_second, local_datetime, local_today, utcnow
from app.core.refs import StopKey, bin_id_of, key_id, vehicle_key
from app.errors import ValidationError
from app.extensions import db
from app.rounds import adapters, bookings, kinds
from app.rounds.adapters import PlanningInputError, SiteRecord, SolveResult, StopRecord, VehicleRecord
from app.rounds.editing import guard, move_stop, publish_plan, publish_reviewed, reorder_stop, set_driver, set_locked
from app.rounds.models import PlanKind, PlanStatus, RoundPlan, RoundRoute, UnassignedStop
from app.rounds.persist import apply_path, apply_visits, new_stop, refresh_totals
from app.rounds.replan import replan_remaining
from app.rounds.selection import (
    candidate_bins,
    from_now,
    load_plant,
    load_vehicles,
    site_record,
    vehicle_record,
)

__all__ = [
    "PlanParams",
    "PlanningInputError",
    "Prepared",
    "compute",
    "move_stop",
    "plan_day",
    "prepare",
    "publish_plan",
    "publish_reviewed",
    "reorder_stop",
    "replan_published",
    "replan_remaining",
    "save",
    "set_driver",
    "set_locked",
]

DEFAULT_THRESHOLD = 0.8
DEFAULT_TIME_LIMIT_S = 30.0
#: What a coordinator may choose for a day's plan (the form in %, the command line as a share), and how long it
#: may search (seconds).
THRESHOLD_PERCENT_RANGE = (10, 150)
TIME_LIMIT_RANGE_S = (1, 300)


@dataclass(frozen=True)
class PlanParams:
    """What a coordinator chooses for a day's collection plan."""

    service_date: date
    site_ids: tuple[int, ...]
    vehicle_ids: tuple[int, ...]
    drivers: dict[int, int] = field(default_factory=dict)  # vehicle id -> user id
    threshold: float = DEFAULT_THRESHOLD
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    seed: int = 1
    kind: str = PlanKind.COLLECTION
    created_by_id: int | None = None
    end_empty: bool | None = None  # collection: unload, then go home empty; None = the app setting

    def to_json(self) -> str:
        data = asdict(self) | {"service_date": self.service_date.isoformat()}
        data["drivers"] = {str(k): v for k, v in self.drivers.items()}
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> PlanParams:
        data = json.loads(text)
        data["service_date"] = date.fromisoformat(data["service_date"])
        data["site_ids"], data["vehicle_ids"] = tuple(data["site_ids"]), tuple(data["vehicle_ids"])
        data["drivers"] = {int(k): v for k, v in data["drivers"].items()}
        data.setdefault("end_empty", False)  # plans made before #18 ended at the plant
        return cls(**data)


@dataclass(frozen=True)
class Prepared:
    """Everything the solve needs, as plain values (no rows): safe to use after the session ends."""

    params: PlanParams
    sites: tuple[SiteRecord, ...]
    vehicles: tuple[VehicleRecord, ...]
    stops: tuple[StopRecord, ...]
    start_sites: dict[str, int]  # vehicle key -> start site id
    plant_id: int
    network_file: str | None
    cache_dir: str

    @property
    def coords(self) -> dict[str, tuple[float, float]]:
        return {r.key: (r.lon, r.lat) for r in (*self.sites, *self.stops)}

    @property
    def records(self) -> dict[str, StopRecord]:
        return {s.key: s for s in self.stops}

    def end_site(self, vehicle_key: str) -> int:
        """Where the vehicle's round ends: back at its start after the final unload, or at the plant."""
        return self.start_sites[vehicle_key] if self.params.end_empty else self.plant_id


def check_date(service_date: date) -> None:
    if service_date < local_today():
        raise PlanningInputError(_("La data del servizio è nel passato: scegli oggi o un giorno futuro."))


def prepare(params: PlanParams) -> Prepared:
    """Read sites, vehicles and candidate bins for the day (the only database reads of a plan)."""
    check_date(params.service_date)
    if params.end_empty is None:
        params = replace(params, end_empty=bool(current_app.config["ROUNDS_END_EMPTY"]))
    plant = load_plant(list(params.site_ids))
    vehicles = load_vehicles(list(params.vehicle_ids))
    starts = {
        v.id: v.home_site if v.home_site.active and v.home_site_id in params.site_ids else plant for v in vehicles
    }
    sites = {plant.id: plant} | {s.id: s for s in starts.values()}
    earliest = min(v.shift_start for v in vehicles)
    at = local_datetime(params.service_date, earliest)
    considered = candidate_bins({v.organisation_id for v in vehicles}, at, params.threshold)
    taken = bookings.pending_bins(params.service_date)  # already on a published round of the day
    candidates = [c for c in considered if c.bin.id not in taken]
    others = kinds.collection_stops(params.service_date)
    if not candidates and not others:
        if considered:
            raise PlanningInputError(
                _("I contenitori di questi veicoli sono già nei giri pubblicati di questo giorno, ancora da svuotare.")
            )
        raise PlanningInputError(_("Nessun contenitore da raccogliere per questi veicoli in questa data."))
    return Prepared(
        params=params,
        sites=tuple(site_record(s) for s in sites.values()),
        vehicles=from_now(
            tuple(
                vehicle_record(v, params.service_date, starts[v.id], plant, starts[v.id] if params.end_empty else None)
                for v in vehicles
            ),
            params.service_date,
            utcnow(),
        ),
        stops=(*(c.record for c in candidates), *others),
        start_sites={vehicle_key(v.id): starts[v.id].id for v in vehicles},
        plant_id=plant.id,
        network_file=current_app.config.get("ROAD_NETWORK_FILE"),
        cache_dir=current_app.config["GIS_CACHE_DIR"],
    )


@dataclass(frozen=True)
class Computed:
    built: adapters.Built
    result: SolveResult
    paths: dict[str, adapters.RoadPath]


def compute(prepared: Prepared, progress: Callable[[float, int], None] | None = None, cancel: Any = None) -> Computed:
    """Solve and check the plan, and trace each route's road path (no database access)."""
    network = adapters.network_for(prepared.network_file, prepared.cache_dir)
    built = adapters.build_problem(prepared.sites, prepared.vehicles, prepared.stops, network)
    p = prepared.params
    result = adapters.solve_problem(built, time_limit_s=p.time_limit_s, seed=p.seed, progress=progress, cancel=cancel)
    coords = prepared.coords
    paths = {r.vehicle_key: adapters.road_path(network, [coords[v.key] for v in r.visits]) for r in result.routes}
    return Computed(built, result, paths)


def save(prepared: Prepared, computed: Computed) -> RoundPlan:
    """Write the plan, its routes, stops and unassigned bins in one flush."""
    p = prepared.params
    plan = RoundPlan(
        kind=p.kind,
        service_date=p.service_date,
        approximate=computed.built.approximate,
        network_hash=computed.built.network_hash,
        params_json=p.to_json(),
        created_by_id=p.created_by_id,
    )
    coords, records = prepared.coords, prepared.records
    for position, result in enumerate(computed.result.routes):
        vehicle_id = key_id(result.vehicle_key)
        route = RoundRoute(
            position=position,
            vehicle_id=vehicle_id,
            driver_id=p.drivers.get(vehicle_id),
            start_site_id=prepared.start_sites[result.vehicle_key],
            end_site_id=prepared.end_site(result.vehicle_key),
        )
        apply_visits(route, [new_stop(v, coords, records) for v in result.visits[1:-1]], result, p.service_date)
        apply_path(route, computed.paths[result.vehicle_key])
        plan.routes.append(route)
    _add_idle_routes(plan, prepared)
    plan.unassigned = [_unassigned(key, reason, records) for key, reason in sorted(computed.result.unassigned.items())]
    refresh_totals(plan, computed.result.cost)
    db.session.add(plan)
    db.session.flush()
    return plan


def _add_idle_routes(plan: RoundPlan, prepared: Prepared) -> None:
    """An empty route for each chosen vehicle the optimiser left idle, so stops can be moved onto it."""
    used = {r.vehicle_id for r in plan.routes}
    for record in prepared.vehicles:
        vehicle_id = key_id(record.key)
        if vehicle_id not in used:
            start = at_second(prepared.params.service_date, record.shift[0])
            plan.routes.append(
                RoundRoute(
                    position=len(plan.routes),
                    vehicle_id=vehicle_id,
                    driver_id=prepared.params.drivers.get(vehicle_id),
                    start_site_id=prepared.start_sites[record.key],
                    end_site_id=prepared.end_site(record.key),
                    start_at=start,
                    end_at=start,
                    distance_m=0,
                    duration_s=0,
                    load_kg=0,
                )
            )


def _unassigned(key: str, reason: str, records: dict[str, StopRecord]) -> UnassignedStop:
    bin_id = bin_id_of(key)
    record = records.get(key)
    return UnassignedStop(
        bin_id=bin_id,
        reference="" if bin_id is not None else StopKey.parse(key).value,
        required=record.required if record else False,
        planned_kg=record.demand_kg if record else 0,
        reason=reason[:300],
    )


def plan_day(params: PlanParams, progress: Callable[[float, int], None] | None = None, cancel: Any = None) -> RoundPlan:
    """Plan a day of any kind synchronously (the CLI, the demo and tests; the web queues a job instead)."""
    kind = kinds.get(params.kind)
    kind.check(params)
    prepared = kind.prepare(params)
    return save(prepared, compute(prepared, progress, cancel))


def replan_published(plan: RoundPlan, expected_version: int, now: datetime) -> RoundPlan:
    """Re-plan a published plan from ``now`` (what is done stays): a new version for the drivers."""
    guard(plan, expected_version)
    if plan.status != PlanStatus.PUBLISHED:
        raise ValidationError(_("Si ripianifica solo un piano pubblicato: una bozza si modifica a mano."))
    return replan_remaining(plan, now)


def check_collection(params: PlanParams) -> None:
    """Refuse a past date, a missing sorting plant or no vehicles before queuing a collection plan."""
    check_date(params.service_date)
    load_plant(list(params.site_ids))
    load_vehicles(list(params.vehicle_ids))
