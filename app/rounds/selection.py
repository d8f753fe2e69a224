"""What a collection plan considers: bins due, sites and vehicles, as plain routing records."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.bins.models import Bin, BinStatus
from app.collection.citizen_reports import open_overflow_reports
from app.collection.models import IncidentCode, Pickup
from app.core.clock import ROME, seconds_of_day
from app.core.refs import bin_key, site_key, vehicle_key
from app.extensions import db
from app.fleet.models import Site, SiteKind, Vehicle
from app.rounds.adapters import PlanningInputError, SiteRecord, StopRecord, VehicleRecord

BIN_SERVICE_S = 180  # emptying a bin: open, load the bags, close
PLANT_SERVICE_S = 900  # weighing and unloading at the sorting plant
DEPOT_SERVICE_S = 300  # leaving the depot
# Cost units are hundredths of a euro cent (vehicle costs come in EUR/km and EUR/h). Finer units
# make the optimiser's prizes so large that PyVRP's capacity penalties no longer dominate them.
UNITS_PER_CENT = 100
UNITS_PER_EUR = 100 * UNITS_PER_CENT
KG_VALUE_UNITS = 8 * UNITS_PER_CENT  # 0.08 EUR per kg collected: what an optional bin is worth per kg
OVERFLOW_VALUE_UNITS = 3_000 * UNITS_PER_CENT  # 30 EUR: cost of an overflowing bin (complaints, bags on the street)
MAX_FILL_FACTOR = 1.5  # a bin cannot hold more than 150 % of its nominal full weight


def forecast_bins(bin_ids: list[int], at: datetime) -> dict[int, Any]:
    """Fill forecasts from ``app.collection.forecast`` (a seam that tests may replace)."""
    from app.collection.forecast import forecast_bins as forecast

    return forecast(bin_ids, at)


def site_record(site: Site) -> SiteRecord:
    service = PLANT_SERVICE_S if site.kind == SiteKind.SORTING_PLANT else DEPOT_SERVICE_S
    return SiteRecord(site_key(site.id), site.name, site.lon, site.lat, service)


def vehicle_record(
    vehicle: Vehicle, service_date: date, start: Site, plant: Site, end: Site | None = None
) -> VehicleRecord:
    """The routing vehicle: it unloads at ``plant``; with ``end`` it goes there afterwards, empty."""
    return VehicleRecord(
        key=vehicle_key(vehicle.id),
        capacity_kg=vehicle.capacity_kg,
        shift=(seconds_of_day(service_date, vehicle.shift_start), seconds_of_day(service_date, vehicle.shift_end)),
        start=site_key(start.id),
        end=site_key((end or plant).id),
        reloads=(site_key(plant.id),),
        end_empty=end is not None,
        cost_per_m=max(1, round(vehicle.cost_per_km_eur * UNITS_PER_EUR / 1000)),
        cost_per_s=round(vehicle.cost_per_hour_eur * UNITS_PER_EUR / 3600),
        fixed_cost=round((vehicle.fixed_cost_eur or 0) * UNITS_PER_EUR),
        capacity_l=int(vehicle.capacity_m3 * 1000),
        capacity_pieces=vehicle.capacity_pieces,
    )


SHIFT_ROUNDING_S = 900  # a plan for today starts at the next quarter hour


def from_now(records: tuple[VehicleRecord, ...], service_date: date, now: datetime) -> tuple[VehicleRecord, ...]:
    """For a plan of today, each shift starts no earlier than ``now`` rounded up to the quarter hour."""
    if service_date != now.astimezone(ROME).date():
        return records
    wall = now.astimezone(ROME)
    now_s = wall.hour * 3600 + wall.minute * 60 + wall.second
    start_s = -(-now_s // SHIFT_ROUNDING_S) * SHIFT_ROUNDING_S
    out = tuple(replace(r, shift=(max(r.shift[0], start_s), r.shift[1])) for r in records)
    if all(r.shift[0] >= r.shift[1] for r in out):
        raise PlanningInputError(_("I turni dei veicoli scelti per oggi sono già finiti: pianifica per domani."))
    return tuple(r for r in out if r.shift[0] < r.shift[1])


def load_plant(site_ids: list[int]) -> Site:
    """The sorting plant among the chosen sites (trucks unload there and end the day there)."""
    sites = db.session.scalars(select(Site).where(Site.id.in_(site_ids), Site.active.is_(True))).all()
    plants = [s for s in sites if s.kind == SiteKind.SORTING_PLANT]
    if len(plants) != 1:
        raise PlanningInputError(_("Scegli un (solo) impianto di selezione attivo dove scaricare."), field="site_ids")
    return plants[0]


def load_vehicles(vehicle_ids: list[int]) -> list[Vehicle]:
    vehicles = db.session.scalars(
        select(Vehicle).where(Vehicle.id.in_(vehicle_ids), Vehicle.active.is_(True)).order_by(Vehicle.id)
    ).all()
    if not vehicles:
        raise PlanningInputError(_("Nessun veicolo disponibile: scegline almeno uno."), field="vehicle_ids")
    return list(vehicles)


def open_overflows(bin_ids: list[int]) -> set[int]:
    """Bins whose latest (valid) pickup reported an overflow, or where a citizen saw bags on the ground since."""
    latest = (
        select(Pickup.bin_id, func.max(Pickup.collected_at).label("at"))
        .where(Pickup.bin_id.in_(bin_ids), Pickup.superseded.is_(False))
        .group_by(Pickup.bin_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Pickup.bin_id, Pickup.incidents).join(
            latest, (Pickup.bin_id == latest.c.bin_id) & (Pickup.collected_at == latest.c.at)
        )
    ).all()
    reported = {b for b, incidents in rows if IncidentCode.OVERFLOW in incidents.split(",")}
    return reported | open_overflow_reports(bin_ids)  # and citizens' reports of bags on the ground since


@dataclass(frozen=True)
class Candidate:
    """A bin considered for the day, with its expected kg and why it is (or is not) required."""

    bin: Bin
    record: StopRecord


def candidate_bins(operator_ids: set[int], at: datetime, threshold: float) -> list[Candidate]:
    """Active bins of the operators: required when predicted over ``threshold`` or overflowing."""
    bins = db.session.scalars(
        select(Bin).where(Bin.operator_id.in_(operator_ids), Bin.status == BinStatus.ACTIVE).order_by(Bin.id)
    ).all()
    ids = [b.id for b in bins]
    forecasts = forecast_bins(ids, at) if ids else {}
    overflowing = open_overflows(ids) if ids else set()
    return [Candidate(b, bin_stop(b, forecasts.get(b.id), threshold, b.id in overflowing)) for b in bins]


def bin_stop(b: Bin, fc: Any, threshold: float, overflowing: bool = False) -> StopRecord:
    """The routing stop of a bin: expected kg (capped), required over ``threshold`` or when overflowing."""
    predicted = fc.predicted_kg if fc else b.full_weight_kg / 2
    ratio = fc.fill_ratio if fc else 0.5
    risk = fc.overflow_probability if fc else 0.0
    kg = max(1, math.ceil(min(predicted, b.full_weight_kg * MAX_FILL_FACTOR)))
    required = ratio >= threshold or overflowing
    prize = 0 if required else optional_prize(kg, risk)
    return StopRecord(bin_key(b.id), b.lon, b.lat, kg, BIN_SERVICE_S, required, prize)


def optional_prize(kg: int, overflow_risk: float = 0.0) -> int:
    """What serving an optional bin is worth, in cost units."""
    return round(kg * KG_VALUE_UNITS + overflow_risk * OVERFLOW_VALUE_UNITS)
