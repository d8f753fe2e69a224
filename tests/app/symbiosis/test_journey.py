"""From a firm's offer to the KPIs: matched, accepted, picked up by a collection round, taken in at the plant."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from app.chain.balance import Status, hops
from app.chain.flow import Scope, follow
from app.core.clock import ROME, local_today
from app.extensions import db
from app.rounds.models import RouteStop, StopKind, StopStatus
from app.sorting.models import IntakeBatch
from app.symbiosis.models import Listing, Match, MatchStatus
from tests.app import factories
from tests.app.conftest import FakeClock, csrf_token, login, post_form
from tests.app.symbiosis.conftest import Market, plan_and_publish


def signed_in(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    login(browser, user.email)
    return browser


def _jpeg_with_gps() -> bytes:
    image, exif = Image.new("RGB", (64, 48), "white"), Image.Exif()
    exif[0x8825] = {2: (45.0, 27.0, 0.0)}  # GPSInfo: where the phone was
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


OFFER_FORM = {
    "side": "offer",
    "kind": "material",
    "category": "deadstock",
    "title": "Popeline di cotone bianco, fine serie",
    "quantity": "120",
    "unit": "m",
    "weight_kg": "30",
    "waste_status": "by_product",
    "fibre_cotton": "100",
}
NEED_FORM = {
    "side": "need",
    "kind": "material",
    "category": "deadstock",
    "title": "Cotone per borse e grembiuli",
    "quantity": "80",
    "unit": "m",
    "fibre_cotton": "100",
}


def _collection_round(coordinator: Any) -> tuple[Any, Any]:
    operator = factories.OrganisationFactory(name="Vesti Solidale Simbiosi")
    plant = factories.SiteFactory(name="Impianto Pantano", kind="sorting_plant", lon=9.1914543, lat=45.4600464)
    vehicle = factories.VehicleFactory(organisation=operator, home_site=plant, shift_start=time(6), shift_end=time(14))
    driver = factories.UserFactory(role="driver", organisation=operator, email="autista@vestisolidale.it")
    db.session.flush()
    plan_and_publish(plant, vehicle, driver, coordinator, local_today())
    db.session.commit()
    return plant, driver


def test_an_offer_matched_accepted_picked_up_and_taken_in_shows_in_the_kpis(
    app: Flask, market: Market, clock: FakeClock
) -> None:
    clock.set(datetime.combine(local_today(), time(7), ROME))
    coordinator = factories.UserFactory(role="coordinator", email="coordinamento@fitmi.it")
    db.session.commit()
    firm, coop = signed_in(app, market.firm.user), signed_in(app, market.coop.user)

    form = OFFER_FORM | {"site_id": str(market.firm.site.id), "csrf_token": csrf_token(firm, "/simbiosi/annunci/nuovo")}
    form["photo"] = (io.BytesIO(_jpeg_with_gps()), "tessuto.jpg")
    assert firm.post("/simbiosi/annunci/nuovo", data=form, content_type="multipart/form-data").status_code == 302
    offer = db.session.scalar(select(Listing).where(Listing.side == "offer"))
    assert len(offer.photos) == 1 and len(Image.open(io.BytesIO(offer.photos[0].data)).getexif()) == 0

    assert post_form(coop, "/simbiosi/annunci/nuovo", NEED_FORM).status_code == 302
    match = db.session.scalar(select(Match))
    assert match.offer_id == offer.id and match.status == MatchStatus.PROPOSED
    url = f"/simbiosi/abbinamenti/{match.id}"
    assert match.code in coop.get("/simbiosi/").get_data(as_text=True)  # both sides are told
    assert match.code in firm.get("/simbiosi/").get_data(as_text=True)

    for browser in (coop, firm):
        assert post_form(browser, f"{url}/risposta", {"accept": "1"}, url).status_code == 302
    arranged = {
        "fulfilment": "pickup",
        "pickup_date": local_today().isoformat(),
        "window_start": "08:00",
        "window_end": "12:00",
        "required": "y",
    }
    assert post_form(firm, f"{url}/ritiro", arranged, url).status_code == 302

    plant, driver = _collection_round(coordinator)
    stop = db.session.scalar(select(RouteStop).where(RouteStop.kind == StopKind.SYMBIOSIS))
    assert stop.required and (stop.window_start_s, stop.window_end_s) == (8 * 3600, 12 * 3600)
    assert stop.planned_kg == 30
    office = signed_in(app, coordinator)
    plan_page = office.get(f"/rounds/{stop.route.plan_id}")
    assert plan_page.status_code == 200 and f"Ritiro simbiosi {match.code}" in plan_page.get_data(as_text=True)

    clock.advance(timedelta(hours=2))
    driver_browser = signed_in(app, driver)
    headers = {"Idempotency-Key": str(uuid.uuid4()), "X-CSRFToken": csrf_token(driver_browser, "/account")}
    done = driver_browser.post(f"/driver/api/stops/{stop.id}/done", json={"weight_kg": 28.5}, headers=headers)
    assert done.status_code == 200, done.get_data(as_text=True)
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert match.status == MatchStatus.COMPLETED and match.route_stop_id == stop.id
    assert (match.moved_quantity, match.moved_unit, float(match.moved_kg)) == (80, "m", 28.5)
    assert db.session.get(RouteStop, stop.id).status == StopStatus.DONE

    intake = {"site_id": str(plant.id), "gross_kg": "1028,5", "tare_kg": "1000"}
    assert post_form(office, f"{url}/impianto", intake, url).status_code == 302
    batch = db.session.scalar(select(IntakeBatch))
    assert batch.source == "symbiosis" and float(batch.net_kg) == 28.5
    assert db.session.get(Match, match.id).intake_batch_id == batch.id
    flow = follow(Scope(local_today(), local_today()))  # the chain enters it at the plant, and still balances
    assert flow.other_sources_kg == batch.net_kg
    assert [(h.key, h.status) for h in hops(flow) if h.status == Status.ALERT] == []

    day = local_today().isoformat()
    html = office.get(f"/reports/kpi?start={day}&end={day}").get_data(as_text=True)
    assert 'data-kpi="symbiosis_kg">28,5 kg' in html
    assert 'data-kpi="symbiosis_matches">1 ' in html
