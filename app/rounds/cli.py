"""``flask rounds plan`` (headless planning, for cron) and ``flask rounds worker`` (the job consumer)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from app.core.clock import local_hhmm
from app.core.inputs import excerpt, whole_number
from app.errors import DomainError
from app.extensions import db
from app.fleet.models import Site, SiteKind, Vehicle
from app.rounds.models import RoundPlan
from app.rounds.services import (
    DEFAULT_THRESHOLD,
    DEFAULT_TIME_LIMIT_S,
    THRESHOLD_PERCENT_RANGE,
    TIME_LIMIT_RANGE_S,
    PlanParams,
    plan_day,
)

rounds_group = AppGroup("rounds", help="Giri di raccolta: pianificazione e worker dei calcoli.")


def _site(ref: str) -> Site:
    number = whole_number(ref)
    clause = Site.id == number if number is not None else or_(Site.name == ref, Site.name.ilike(f"%{ref}%"))
    sites = db.session.scalars(select(Site).where(clause, Site.kind == SiteKind.SORTING_PLANT)).all()
    if len(sites) != 1:
        raise click.ClickException(f"Impianto di selezione «{ref}»: {len(sites)} corrispondenze, ne serve una.")
    return sites[0]


def _vehicles(refs: str, plant: Site) -> list[int]:
    if refs:
        wanted = [r.strip().upper() for r in refs.split(",") if r.strip()]
        numbers = [n for r in wanted if (n := whole_number(r)) is not None]
        rows = db.session.scalars(select(Vehicle).where(or_(Vehicle.id.in_(numbers), Vehicle.plate.in_(wanted)))).all()
        found = {v.plate.upper() for v in rows} | {str(v.id) for v in rows}
        unknown = [r for r in wanted if r not in found]
        if unknown:
            raise click.ClickException(f"Veicoli sconosciuti: {', '.join(excerpt(r) for r in unknown)}.")
        return [v.id for v in rows]
    # Without --vehicles: the active vehicles of the plant's organisation.
    query = select(Vehicle.id).where(Vehicle.active.is_(True))
    if plant.organisation_id:
        query = query.where(Vehicle.organisation_id == plant.organisation_id)
    return list(db.session.scalars(query.order_by(Vehicle.id)))


#: The largest seed the solver takes.
SEED_MAX = 2**31 - 1


def _between(value: float, low: float, high: float) -> float:
    if not low <= value <= high:  # NaN too: it compares false
        raise click.BadParameter(f"{value} non è tra {low:g} e {high:g}.")
    return value


def summary(plan: RoundPlan) -> list[str]:
    """Lines printed after a headless plan."""
    mode = "approssimato (linea retta × tortuosità)" if plan.approximate else "rete stradale"
    lines = [
        f"Piano {plan.id} del {plan.service_date:%d/%m/%Y}: {len(plan.routes)} giri, "
        f"{plan.distance_m / 1000:.1f} km, {plan.duration_s / 3600:.1f} h, modo {mode}",
    ]
    for route in plan.routes:
        bins = sum(1 for s in route.stops if s.kind == "bin")
        reloads = sum(1 for s in route.stops if s.kind == "reload")
        lines.append(
            f"  {route.vehicle.plate}: {bins} contenitori, {reloads} scarichi intermedi, "
            f"{route.load_kg} kg, {route.distance_m / 1000:.1f} km, "
            f"{local_hhmm(route.start_at)}-{local_hhmm(route.end_at)}"
        )
    lines.append(f"  Non assegnati: {len(plan.unassigned)}")
    return lines


@rounds_group.command("plan")
@click.option("--date", "service_date", required=True, type=click.DateTime(["%Y-%m-%d"]), help="AAAA-MM-GG")
@click.option("--site", required=True, help="Id o nome dell'impianto di selezione.")
@click.option("--vehicles", default="", help="Targhe o id separati da virgole (predefinito: tutti quelli attivi).")
@click.option(
    "--threshold",
    default=DEFAULT_THRESHOLD,
    show_default=True,
    type=float,
    callback=lambda _c, _p, v: _between(v, *(p / 100 for p in THRESHOLD_PERCENT_RANGE)),
    help="Soglia di riempimento, come quota (0,8 = 80 %).",
)
@click.option(
    "--time-limit",
    default=DEFAULT_TIME_LIMIT_S,
    show_default=True,
    type=float,
    callback=lambda _c, _p, v: _between(v, *TIME_LIMIT_RANGE_S),
    help="Secondi di calcolo.",
)
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0, SEED_MAX))
def plan_command(
    service_date: object, site: str, vehicles: str, threshold: float, time_limit: float, seed: int
) -> None:
    """Plan a day's collection rounds synchronously and print a summary."""
    day: date = service_date.date()  # type: ignore[attr-defined]
    plant = _site(site)
    ids = _vehicles(vehicles, plant)
    sites = (plant.id, *{v.home_site_id for v in db.session.scalars(select(Vehicle).where(Vehicle.id.in_(ids)))})
    params = PlanParams(day, tuple(sites), tuple(ids), threshold=threshold, time_limit_s=time_limit, seed=seed)
    try:
        plan = plan_day(params)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    for line in summary(plan):
        click.echo(line)


@rounds_group.command("worker")
def worker_command() -> None:
    """Run the planning-job consumer in the foreground (production: one per server)."""
    from flask import current_app

    from app.rounds.jobs import run_consumer

    run_consumer(current_app._get_current_object())  # type: ignore[attr-defined]
