"""The plant takes in a firm's material a round picked up: listed with the round's arrivals, taken in once."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask import Flask
from sqlalchemy import func, select

from app.core.clock import ROME, local_today
from app.extensions import db
from app.rounds.models import RouteStop, StopKind
from app.sorting.models import IntakeBatch
from app.symbiosis import fulfilment
from app.symbiosis.models import Match
from tests.app import factories
from tests.app.conftest import FakeClock, csrf_token, post_form
from tests.app.symbiosis.conftest import Market
from tests.app.symbiosis.test_fulfilment import _accepted
from tests.app.symbiosis.test_journey import _collection_round, signed_in


def _picked_up(app: Flask, market: Market, clock: FakeClock) -> tuple[Match, object]:
    """A material match picked up (28,5 kg) by today's collection round, which unloads at the plant."""
    clock.set(datetime.combine(local_today(), time(7), ROME))
    coordinator = factories.UserFactory(role="coordinator")
    match = _accepted(market)
    arrangement = fulfilment.Arrangement("pickup", local_today(), time(8), time(12), True)
    fulfilment.arrange(match.id, arrangement, market.firm.user)
    db.session.commit()
    plant, driver = _collection_round(coordinator)
    stop = db.session.scalar(select(RouteStop).where(RouteStop.kind == StopKind.SYMBIOSIS))
    clock.advance(timedelta(hours=2))
    phone = signed_in(app, driver)
    headers = {"Idempotency-Key": str(uuid.uuid4()), "X-CSRFToken": csrf_token(phone, "/account")}
    assert phone.post(f"/driver/api/stops/{stop.id}/done", json={"weight_kg": 28.5}, headers=headers).status_code == 200
    return match, plant


def test_a_plant_worker_takes_in_the_symbiosis_load_from_the_arrivals_once(
    app: Flask, market: Market, clock: FakeClock
) -> None:
    match, plant = _picked_up(app, market, clock)
    worker = factories.UserFactory(role="operator")
    plant.organisation = worker.organisation  # the plant's own staff
    db.session.commit()
    office = signed_in(app, worker)

    listed = office.get("/sorting/arrivals").get_data(as_text=True)
    url = f"/simbiosi/abbinamenti/{match.id}/impianto"
    assert f"Ritiro simbiosi {match.code}" in listed and f'href="{url}"' in listed and "28,5" in listed
    assert office.get(f"/simbiosi/abbinamenti/{match.id}").status_code == 403  # no marketplace permission needed
    page = office.get(url).get_data(as_text=True)
    assert match.code in page and market.firm.organisation.name not in page  # the firm is not named
    assert f'<option selected value="{plant.id}">' in page  # the round's plant is chosen

    taken = post_form(office, url, {"site_id": str(plant.id), "gross_kg": "1.028,5", "tare_kg": "1.000"})
    batch = db.session.scalar(select(IntakeBatch))
    assert taken.status_code == 302 and taken.headers["Location"].endswith(f"/sorting/intake/{batch.id}")
    assert batch.source == "symbiosis" and float(batch.net_kg) == 28.5 and batch.site_id == plant.id
    assert db.session.get(Match, match.id).intake_batch_id == batch.id

    again = post_form(office, url, {"site_id": str(plant.id), "gross_kg": "1.028,5", "tare_kg": "1.000"}, "/sorting/")
    assert again.status_code == 302 and again.headers["Location"].endswith(url)  # back, with the reason
    refused = office.get(url)
    assert refused.status_code == 409 and batch.lot_code in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(IntakeBatch.id))) == 1  # taken in once
    assert match.code not in office.get("/sorting/arrivals").get_data(as_text=True)


def test_another_organisations_plant_worker_neither_sees_nor_takes_the_load(
    app: Flask, market: Market, clock: FakeClock
) -> None:
    match, plant = _picked_up(app, market, clock)
    plant.organisation = factories.OrganisationFactory(name="Impianti Lombardi")
    stranger = factories.UserFactory(role="operator")
    db.session.commit()
    office = signed_in(app, stranger)
    assert match.code not in office.get("/sorting/arrivals").get_data(as_text=True)
    assert office.get(f"/simbiosi/abbinamenti/{match.id}/impianto").status_code == 403
    assert db.session.scalar(select(func.count(IntakeBatch.id))) == 0
