"""Demo round: tomorrow's published collection plan, with the demo driver on the busiest route."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.core.clock import local_today
from app.errors import DomainError
from app.extensions import db
from app.fleet.models import Site, SiteKind, Vehicle
from app.rounds.models import PlanKind, RoundPlan
from app.rounds.services import PlanParams, plan_day, publish_plan

log = logging.getLogger(__name__)
DEMO_DRIVER = "autista@demo.fitmi.it"
DEMO_TIME_LIMIT_S = 10.0


def ensure_demo_round(today: date | None = None, time_limit_s: float | None = None) -> RoundPlan | None:
    """Plan and publish tomorrow's collection for the demo driver's organisation (once per date), searching for
    ``time_limit_s`` (default :data:`DEMO_TIME_LIMIT_S`)."""
    tomorrow = (today or local_today()) + timedelta(days=1)
    existing = db.session.scalar(
        select(RoundPlan).where(RoundPlan.service_date == tomorrow, RoundPlan.kind == PlanKind.COLLECTION)
    )
    driver = db.session.scalar(select(User).where(User.email == DEMO_DRIVER))
    if existing is not None or driver is None:
        return existing
    vehicles = db.session.scalars(
        select(Vehicle).where(Vehicle.organisation_id == driver.organisation_id, Vehicle.active.is_(True))
    ).all()
    plant = db.session.scalar(select(Site).where(Site.kind == SiteKind.SORTING_PLANT, Site.active.is_(True)))
    if not vehicles or plant is None:
        return None
    sites = (plant.id, *sorted({v.home_site_id for v in vehicles}))
    limit = DEMO_TIME_LIMIT_S if time_limit_s is None else time_limit_s
    params = PlanParams(tomorrow, sites, tuple(v.id for v in vehicles), time_limit_s=limit)
    try:
        plan = plan_day(params)
    except DomainError as error:  # e.g. no bins in the demo yet: the rest of the demo still works
        log.warning("demo round not planned: %s", error.message)
        return None
    busiest = max(plan.routes, key=lambda r: len(r.stops))
    busiest.driver_id = driver.id
    return publish_plan(plan, plan.version)
