"""Small builders shared by the sorting and stock tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.extensions import db
from app.sorting import services
from app.sorting.models import Fraction, IntakeBatch, SortingSession
from tests.app import factories

ARRIVAL = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def intake(site=None, gross="1500", tare="500", user=None, **changes) -> IntakeBatch:
    site = site or factories.SortingPlantFactory()
    data = services.IntakeData(site_id=site.id, source="round", received_at=ARRIVAL, gross_kg=gross, tare_kg=tare)
    return services.record_intake(services.IntakeData(**{**data.__dict__, **changes}), user)


def closed_session(fractions: dict[str, str], net_kg: str = "1000", user=None) -> SortingSession:
    """A closed session over one batch of ``net_kg`` with the given fraction weights."""
    batch = intake(gross=str(Decimal(net_kg) + 500), tare="500", user=user)
    session = services.open_session(batch.site_id, [batch.id], user)
    for kind, kg in fractions.items():
        services.add_fraction(session.id, kind, kg, user)
    return services.close_session(session.id, user)


def reuse_b_fraction(kg: str = "200") -> Fraction:
    session = closed_session({"reuse_b": kg, "recycle_mixed": str(1000 - Decimal(kg))})
    return next(f for f in session.fractions if f.kind == "reuse_b")


def driven_round(layout: str = "BBRBB", kg: int = 100, driver=None, plant=None, done: int | None = None):
    """A published collection round of today: ``B`` a bin stop, ``R`` an unload at the plant.

    The first ``done`` stops (default all) are marked done in order by the driver through driver mode,
    ``kg`` each at the bins, one minute apart; returns the route.
    """
    from datetime import timedelta

    from app.core.clock import local_today, utcnow
    from app.rounds import driver_services

    driver = driver or factories.UserFactory(role="driver")
    plant = plant or factories.SortingPlantFactory(organisation=driver.organisation)
    route = factories.driver_round(driver, stops=0, service_date=local_today())
    route.end_site = plant
    for sequence, kind in enumerate(layout, start=1):
        if kind == "B":
            bin_ = factories.BinFactory(operator=driver.organisation)
            factories.RouteStopFactory(route=route, sequence=sequence, bin=bin_)
        else:
            factories.RouteStopFactory(route=route, sequence=sequence, kind="reload", bin=None, site=plant)
    db.session.flush()
    start = utcnow() - timedelta(hours=2)
    for i, stop in enumerate(route.stops[: len(layout) if done is None else done]):
        at = (start + timedelta(minutes=i)).isoformat()
        body = {"weight_kg": kg, "collected_at": at} if stop.kind == "bin" else {"collected_at": at}
        driver_services.mark_done(stop.id, body, driver)
    db.session.flush()
    return route
