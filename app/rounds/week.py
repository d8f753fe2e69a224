"""«Pianifica la settimana»: 2–7 days planned together, one draft round plan per day; a day re-planned alone."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.bins.models import Bin, BinStatus
from app.core.clock import local_datetime
from app.core.public_holidays import holiday_names
from app.core.refs import bin_key, key_id, vehicle_key
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.fleet.models import Vehicle
from app.i18n import fmt_date, fmt_weekdays
from app.rounds import adapters, bookings, selection, services
from app.rounds.adapters import PlanningInputError, StopRecord, WeekStopRecord
from app.rounds.models import PlanStatus, RoundPlan, RoundRoute, WeekPlan, WeekPlanDay
from app.rounds.selection import (
    BIN_SERVICE_S,
    load_plant,
    load_vehicles,
    site_record,
    vehicle_record,
)

WEEK_JOB = "week"
WEEK_DAY_JOB = "week_day"
MIN_DAYS, MAX_DAYS = 2, 7
#: Days after the last day of a week during which its bins must not overflow, when their visit days allow it, for an
#: operator none of whose vehicles has service days (otherwise each bin waits until its operator's next service day
#: after the week, unless the coordinator gives one number for all).
DAYS_AFTER = 1
MAX_DAYS_AFTER = 7


@dataclass(frozen=True)
class WeekParams:
    """What a coordinator chooses for a week: start, each day's vehicles, the drivers, the sites."""

    start_date: date
    site_ids: tuple[int, ...]
    day_vehicles: tuple[tuple[int, ...], ...]  # one tuple of vehicle ids per day of the horizon
    drivers: dict[int, int] = field(default_factory=dict)  # vehicle id -> user id
    # days after the last one the bins must hold (the next round is then); None: each bin until its operator's
    # next service day
    days_after: int | None = None
    time_limit_s: float = 30.0
    seed: int = 1
    created_by_id: int | None = None

    @property
    def days(self) -> int:
        return len(self.day_vehicles)

    def day(self, index: int) -> date:
        return self.start_date + timedelta(days=index)

    def to_json(self) -> str:
        data = asdict(self) | {"start_date": self.start_date.isoformat()}
        data["drivers"] = {str(k): v for k, v in self.drivers.items()}
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> WeekParams:
        data = json.loads(text)
        data["start_date"] = date.fromisoformat(data["start_date"])
        data["site_ids"] = tuple(data["site_ids"])
        data["day_vehicles"] = tuple(tuple(day) for day in data["day_vehicles"])
        data["drivers"] = {int(k): v for k, v in data["drivers"].items()}
        return cls(**data)

    def day_params(self, index: int, vehicle_ids: tuple[int, ...]) -> services.PlanParams:
        return services.PlanParams(
            service_date=self.day(index),
            site_ids=self.site_ids,
            vehicle_ids=vehicle_ids,
            drivers={v: d for v, d in self.drivers.items() if v in vehicle_ids},
            time_limit_s=self.time_limit_s,
            seed=self.seed,
            created_by_id=self.created_by_id,
            end_empty=bool(current_app.config["ROUNDS_END_EMPTY"]),
        )


def check_week(params: WeekParams) -> None:
    """Refuse a horizon outside 2–7 days, a past start, no plant, or no vehicle on any day, in Italian."""
    if not MIN_DAYS <= params.days <= MAX_DAYS:
        raise PlanningInputError(_("L'orizzonte deve essere da 2 a 7 giorni."), field="days")
    if params.days_after is not None and not 0 <= params.days_after <= MAX_DAYS_AFTER:
        raise PlanningInputError(_("Il prossimo giro deve essere da 0 a 7 giorni dopo l'ultimo."), field="days_after")
    services.check_date(params.start_date)
    load_plant(list(params.site_ids))
    if not any(params.day_vehicles):
        raise PlanningInputError(_("Nessun veicolo in nessun giorno: scegline almeno uno."), field="vehicle_ids")
    for day in params.day_vehicles:
        if day:
            load_vehicles(list(day))
    busy = busy_trucks(params)
    if busy:
        raise PlanningInputError(
            _(
                "Questi mezzi sono già in un giro pubblicato e ancora aperto di quel giorno: %(list)s. Togli ciascuno "
                "da quel giorno nella griglia dei veicoli per giorno.",
                list=busy,
            ),
            field="day_fleet",
        )


def _busy_routes(params: WeekParams) -> list[tuple[int, RoundRoute]]:
    """Each day's trucks on an open route with stops of a published plan of that day, as (day index, route)."""
    return [
        (d, route)
        for d, day in enumerate(params.day_vehicles)
        for route in bookings.open_routes(params.day(d), "vehicle_id", set(day))
    ]


def _named(routes: list[tuple[int, RoundRoute]]) -> str:
    names = (
        _(
            "%(plate)s il %(day)s (piano n. %(plan)s)",
            plate=r.vehicle.plate,
            day=fmt_date(r.plan.service_date),
            plan=r.plan_id,
        )
        for _d, r in routes
    )
    return "; ".join(dict.fromkeys(names))


def busy_trucks(params: WeekParams) -> str:
    """The trucks of the week already on an open published round of a day they are chosen for, in words ("" =
    none): the week plans whole shifts, so such a day would be refused at publication."""
    return _named(_busy_routes(params))


def in_service(params: WeekParams) -> WeekParams:
    """``params`` with each vehicle left out of the days that are not its service days, and of public holidays
    unless it works them (for a week whose grid was left empty: «every day the whole fleet» means the vehicles that
    go out that day)."""
    ids = {v for day in params.day_vehicles for v in day}
    fleet = {v.id: v for v in db.session.scalars(select(Vehicle).where(Vehicle.id.in_(ids)))}
    feasts = holiday_names(params.day(0), params.day(max(params.days - 1, 0)))
    days = tuple(
        tuple(v for v in day if v not in fleet or fleet[v].in_service(params.day(d), feasts))
        for d, day in enumerate(params.day_vehicles)
    )
    if any(params.day_vehicles) and not any(days):
        raise PlanningInputError(
            _(
                "Nessuno dei mezzi scelti è in servizio in questi giorni: %(list)s. Scegli altri giorni, o spunta i "
                "mezzi di ogni giorno nella griglia dei veicoli per giorno.",
                list="; ".join(f"{fleet[v].plate} ({fmt_weekdays(fleet[v].service_days)})" for v in sorted(fleet)),
            ),
            field="vehicle_ids",
        )
    return replace(params, day_vehicles=days)


def next_rounds(operator_ids: set[int], last_day: date) -> dict[int, int]:
    """For each operator, the days from ``last_day`` to the next day one of its active vehicles is in service (a
    public holiday counts for those that work holidays), at most :data:`MAX_DAYS_AFTER`; an operator without such
    vehicles is left out."""
    ahead = [last_day + timedelta(days=n) for n in range(1, 2 * MAX_DAYS_AFTER + 1)]
    feasts = holiday_names(ahead[0], ahead[-1])
    fleets: dict[int, list[Vehicle]] = {}
    query = select(Vehicle).where(Vehicle.organisation_id.in_(operator_ids), Vehicle.active.is_(True))
    for vehicle in db.session.scalars(query):
        fleets.setdefault(vehicle.organisation_id, []).append(vehicle)
    out = {}
    for operator, fleet in fleets.items():
        found = next((n for n, day in enumerate(ahead, 1) if any(v.in_service(day, feasts) for v in fleet)), None)
        if found is not None:
            out[operator] = min(found, MAX_DAYS_AFTER)
    return out


def without_busy_trucks(params: WeekParams) -> tuple[WeekParams, str]:
    """``params`` with each truck left out of the days it is on an open published round, and those trucks in words
    (for a week whose grid was left empty: «every day the whole fleet» means the trucks free that day)."""
    busy = _busy_routes(params)
    taken = {(d, r.vehicle_id) for d, r in busy}
    days = tuple(tuple(v for v in day if (d, v) not in taken) for d, day in enumerate(params.day_vehicles))
    if any(params.day_vehicles) and not any(days):
        raise PlanningInputError(
            _(
                "I mezzi scelti sono tutti in giri pubblicati e ancora aperti in questi giorni: %(list)s. Scegli altri "
                "mezzi o altri giorni.",
                list=_named(busy),
            ),
            field="vehicle_ids",
        )
    return replace(params, day_vehicles=days), _named(busy)


def _week_stop(b: Bin, now: Any, later: Any, emptied_days: int, days_after: int | None) -> WeekStopRecord:
    """A bin's level at the first day's round and what it gains a day, from the fill forecast (capped at full)."""
    full = max(1, int(b.full_weight_kg))
    initial = math.ceil(now.predicted_kg) if now else full // 2
    daily = math.ceil(later.predicted_kg - now.predicted_kg) if now and later else 0
    return WeekStopRecord(
        bin_key(b.id),
        b.lon,
        b.lat,
        min(max(daily, 0), full),
        full,
        min(max(initial, 0), full),
        BIN_SERVICE_S,
        emptied_days,
        days_after,
    )


def week_stops(
    operator_ids: set[int], at: datetime, days: Sequence[date] = (), days_after: dict[int, int] | None = None
) -> list[WeekStopRecord]:
    """Every active bin of the operators, with the forecast at ``at`` and a day later, the days of ``days``
    (bit d = ``days[d]``) on which a published round is still to empty it (the week does not visit it then, and
    counts it empty from there), and the days after the last day until its next round, from ``days_after`` by
    operator (none: the week's own number)."""
    after = days_after or {}
    bins = db.session.scalars(
        select(Bin).where(Bin.operator_id.in_(operator_ids), Bin.status == BinStatus.ACTIVE).order_by(Bin.id)
    ).all()
    ids = [b.id for b in bins]
    if not ids:
        return []
    now, later = selection.forecast_bins(ids, at), selection.forecast_bins(ids, at + timedelta(days=1))
    taken = [bookings.pending_bins(day) for day in days]
    return [
        _week_stop(
            b,
            now.get(b.id),
            later.get(b.id),
            sum(1 << d for d, bins in enumerate(taken) if b.id in bins),
            after.get(b.operator_id),
        )
        for b in bins
    ]


def plan_week(
    params: WeekParams,
    job_id: int | None = None,
    cancel: Any = None,
    end_reads: Any = None,
    progress: Any = None,
) -> WeekPlan:
    """Read, solve the whole horizon, and save one draft round plan per day with rounds, linked by a week plan."""
    check_week(params)
    plant = load_plant(list(params.site_ids))
    fleets = [load_vehicles(list(day)) if day else [] for day in params.day_vehicles]
    vehicles = {v.id: v for day in fleets for v in day}
    end_empty = bool(current_app.config["ROUNDS_END_EMPTY"])
    starts = {
        v.id: v.home_site if v.home_site.active and v.home_site_id in params.site_ids else plant
        for v in vehicles.values()
    }
    sites = {plant.id: plant} | {s.id: s for s in starts.values()}
    earliest = min(v.shift_start for v in vehicles.values())
    operators = {v.organisation_id for v in vehicles.values()}
    horizon = [params.day(d) for d in range(params.days)]
    calendar = next_rounds(operators, horizon[-1]) if params.days_after is None else None
    stops = week_stops(operators, local_datetime(params.start_date, earliest), horizon, calendar)
    if not stops:
        raise PlanningInputError(_("Nessun contenitore da raccogliere per questi veicoli in questa data."))
    day_records = [
        [vehicle_record(v, params.day(d), starts[v.id], plant, starts[v.id] if end_empty else None) for v in day]
        for d, day in enumerate(fleets)
    ]
    site_records = tuple(site_record(s) for s in sites.values())
    start_ids, plant_id = {vid: s.id for vid, s in starts.items()}, plant.id
    fleet_ids = [tuple(v.id for v in day) for day in fleets]
    network = adapters.configured_network()
    if end_reads is not None:
        end_reads()  # the job ends its read transaction: on SQLite it would block the progress writes
    solved = adapters.solve_week(
        site_records,
        day_records,
        stops,
        network,
        time_limit_s=params.time_limit_s,
        seed=params.seed,
        days_after=DAYS_AFTER if params.days_after is None else params.days_after,
        cancel=cancel,
        progress=progress,
    )
    week = WeekPlan(
        start_date=params.start_date,
        params_json=params.to_json(),
        overflowing_json=json.dumps(sorted(key_id(k) for k in solved.overflowing)),
        job_id=job_id,
        created_by_id=params.created_by_id,
    )
    for d, day in enumerate(solved.days):
        ids = fleet_ids[d]
        row = WeekPlanDay(
            day_index=d, service_date=params.day(d), vehicle_ids_json=json.dumps(ids), stops_json=json.dumps(day.kg)
        )
        if day.built is not None:
            day_params = params.day_params(d, ids)
            prepared = _prepared(day_params, site_records, day_records[d], stops, day.kg, start_ids, plant_id)
            row.plan = services.save(prepared, _computed(prepared, day.built, day.result, network))
        week.days.append(row)
    db.session.add(week)
    db.session.flush()
    return week


def _prepared(
    p: services.PlanParams,
    sites: Any,
    vehicles: Any,
    stops: Any,
    kg: dict[str, int],
    starts: dict[int, int],
    plant_id: int,
) -> services.Prepared:
    coords = {s.key: s for s in stops}
    return services.Prepared(
        params=p,
        sites=tuple(sites),
        vehicles=tuple(vehicles),
        stops=tuple(StopRecord(k, coords[k].lon, coords[k].lat, v, coords[k].service_s) for k, v in kg.items()),
        start_sites={vehicle_key(vid): site_id for vid, site_id in starts.items()},
        plant_id=plant_id,
        network_file=current_app.config.get("ROAD_NETWORK_FILE"),
        cache_dir=current_app.config["GIS_CACHE_DIR"],
    )


def _computed(prepared: services.Prepared, built: Any, result: Any, network: Any) -> services.Computed:
    coords = prepared.coords
    paths = {r.vehicle_key: adapters.road_path(network, [coords[v.key] for v in r.visits]) for r in result.routes}
    return services.Computed(built, result, paths)


def replan_day(day: WeekPlanDay, cancel: Any = None) -> RoundPlan:
    """Re-plan one day alone with the bins the week gave it (but those a published round of the day now holds), on
    its trucks free that day; the other days stay as they are."""
    old = day.plan
    if old is not None and old.status != PlanStatus.DRAFT:
        raise ValidationError(_("Questo giorno è già pubblicato: non si può ripianificare da qui."))
    params = WeekParams.from_json(day.week.params_json)
    kg = json.loads(day.stops_json or "{}")
    if not kg:
        raise ValidationError(_("Nessun contenitore assegnato a questo giorno."))
    chosen = tuple(json.loads(day.vehicle_ids_json or "[]"))
    busy = bookings.open_routes(day.service_date, "vehicle_id", set(chosen))
    ids = tuple(v for v in chosen if v not in {r.vehicle_id for r in busy})
    if chosen and not ids:
        raise ValidationError(
            _(
                "I mezzi di questo giorno sono tutti in giri pubblicati e ancora aperti: %(list)s. Ripianifica la "
                "settimana con altri mezzi.",
                list=_named([(day.day_index, r) for r in busy]),
            )
        )
    day_params = params.day_params(day.day_index, ids)
    base = services.prepare(replace(day_params, threshold=0.0))
    bins = {s.key: s for s in base.stops}
    stops = tuple(replace(bins[k], demand_kg=v, required=True, prize=0) for k, v in kg.items() if k in bins)
    prepared = replace(base, stops=stops)
    plan = services.save(prepared, services.compute(prepared, cancel=cancel))
    day.plan = plan
    if old is not None:
        db.session.delete(old)
    db.session.flush()
    return plan


def week_day(day_id: int) -> WeekPlanDay:
    day = db.session.get(WeekPlanDay, day_id)
    if day is None:
        raise NotFoundError(_("Giorno non trovato."))
    return day


def start_week(params: WeekParams) -> Any:
    """Check the choices and queue the week as one background job (nothing is queued when they are refused)."""
    from app.rounds import jobs

    check_week(params)
    return jobs.start_job(WEEK_JOB, params.to_json(), params.created_by_id)


def start_day(day: WeekPlanDay, user_id: int | None) -> Any:
    """Queue the re-plan of one day of a week (refused at once when the day is published)."""
    from app.rounds import jobs

    if day.plan is not None and day.plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Questo giorno è già pubblicato: non si può ripianificare da qui."))
    limit = WeekParams.from_json(day.week.params_json).time_limit_s
    return jobs.start_job(WEEK_DAY_JOB, json.dumps({"day_id": day.id, "time_limit_s": limit}), user_id)


def _run_week(job: Any, reporter: Any) -> int | None:
    params = WeekParams.from_json(job.params_json)
    week = plan_week(params, job.id, reporter, end_reads=db.session.rollback, progress=reporter.progress)
    # kept for _finish to write with the plans: a write of its own now would wait on the plans' transaction
    reporter.points.append([0.0, sum(d.plan.cost_eur_cents for d in week.days if d.plan)])
    return next((d.plan_id for d in week.days if d.plan_id), None)


def _run_day(job: Any, reporter: Any) -> int | None:
    plan = replan_day(week_day(json.loads(job.params_json)["day_id"]), cancel=reporter)
    reporter.points.append([0.0, plan.cost_eur_cents])
    return plan.id


def register_jobs() -> None:
    from app.rounds import jobs

    jobs.RUNNERS[WEEK_JOB] = _run_week
    jobs.RUNNERS[WEEK_DAY_JOB] = _run_day


def overflowing_bins(week: WeekPlan) -> list[Bin]:
    """The bins the week could not keep below full until the next round after its last day, by code."""
    ids = json.loads(week.overflowing_json or "[]")
    if not ids:
        return []
    return list(db.session.scalars(select(Bin).where(Bin.id.in_(ids)).order_by(Bin.code, Bin.id)))


def week_rows(week: WeekPlan) -> list[dict[str, Any]]:
    """The days of a week for its page: the day, its trucks, how many bins and kg the week gave it, how many of
    them its plan left out (a day whose search found no plan within capacity in its share of the budget), and its
    plan's rounds (and those still without a driver, which block its publication), km and hours as the plan stands
    now (edited or re-planned since)."""
    ids = {v for day in week.days for v in json.loads(day.vehicle_ids_json or "[]")}
    plates = {v.id: v.plate for v in db.session.scalars(select(Vehicle).where(Vehicle.id.in_(ids)))}
    rows = []
    for day in week.days:
        kg = json.loads(day.stops_json or "{}")
        plan = day.plan
        left_out = sum(1 for u in plan.unassigned if u.required) if plan else 0
        out = [r for r in plan.routes if r.stops] if plan else []  # the trucks that go out (idle ones stay listed)
        trucks = [plates.get(v, str(v)) for v in json.loads(day.vehicle_ids_json or "[]")]
        rows.append(
            {
                "day": day,
                "trucks": trucks,
                "bins": len(kg),
                "kg": sum(kg.values()),
                "left_out": left_out,
                "rounds": len(out),
                "without_driver": sum(1 for r in out if r.driver_id is None),
                "km": plan.distance_m / 1000 if plan else 0.0,
                "hours": plan.duration_s / 3600 if plan else 0.0,
                "plan_kg": sum(r.load_kg for r in out),
            }
        )
    return rows


def week_totals(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The week's sums of :func:`week_rows`, and its km per tonne its plans collect (None when they collect none)."""
    totals = {key: sum(row[key] for row in rows) for key in ("rounds", "bins", "kg", "km", "hours", "plan_kg")}
    return totals | {"km_per_t": totals["km"] / (totals["plan_kg"] / 1000) if totals["plan_kg"] else None}
