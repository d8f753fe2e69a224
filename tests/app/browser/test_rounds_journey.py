"""Collection rounds end to end in a real browser: planned, edited and published by the coordinator,
worked offline by the driver on a phone, and nothing counted twice."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.collection.models import Pickup
from app.core.clock import local_today
from app.core.public_holidays import holiday_names
from app.extensions import db
from app.fleet.models import Vehicle
from app.rounds import jobs
from app.rounds.models import RoundRoute, RouteStop, StopPhoto
from tests.app import factories
from tests.app.browser.conftest import log_in, open_phone_menu, plan_on_the_page, publish_on_the_page, release_db
from tests.app.conftest import FakeClock

pytestmark = [pytest.mark.browser]
DRIVER, SPARE_DRIVER = "Luca Ferrari", "Giorgio Brambilla"
TRUCK, SPARE = "EZ482KM", "FA913TR"
# Yellow bins of central Milan (the route-sheet walk) and of NoLo and Loreto, between Lambrate and Cinisello.
BINS = [
    *factories.MILAN_STOPS,
    ("Via", "Padova", "36", "20127", 9.2190, 45.4960),
    ("Viale", "Monza", "120", "20127", 9.2262, 45.5032),
    ("Via", "Rovereto", "5", "20127", 9.2230, 45.5010),
    ("Via", "Leoncavallo", "12", "20131", 9.2242, 45.4940),
    ("Piazzale", "Loreto", "1", "20131", 9.2163, 45.4858),
    ("Via", "Palmanova", "59", "20132", 9.2380, 45.5010),
]


@dataclass
class Seeded:
    coordinator_email: str
    driver_email: str
    driver_id: int
    truck_id: int


def _seed() -> Seeded:
    """A depot in Lambrate, a sorting plant, two trucks (the spare one dearer), a driver, twelve bins due tomorrow."""
    org = factories.OrganisationFactory(name="Vesti Solidale")
    depot = factories.SiteFactory(name="Deposito Lambrate", organisation=org)
    factories.SortingPlantFactory(name="Impianto di selezione Cinisello")
    trucks = [
        factories.VehicleFactory(
            plate=plate, label=label, organisation=org, home_site=depot, capacity_kg=5000, cost_per_km_eur=per_km
        )
        for plate, label, per_km in ((TRUCK, "Iveco Eurocargo", "0.420"), (SPARE, "Fiat Ducato (riserva)", "0.900"))
    ]
    driver = factories.UserFactory(role="driver", full_name=DRIVER, organisation=org)
    factories.UserFactory(role="driver", full_name=SPARE_DRIVER, organisation=org)
    coordination = factories.OrganisationFactory(name="Coordinamento FIT-MI", kind="coordination")
    coordinator = factories.UserFactory(role="coordinator", organisation=coordination)
    last_emptied = datetime.combine(local_today() - timedelta(days=7), time(8), tzinfo=UTC)
    for n, (street_type, street, civic, cap, lon, lat) in enumerate(BINS, start=101):
        bin_ = factories.BinFactory(
            code=f"VS-{n}",  # no code is part of another: the page checks below match by text
            operator=org,
            street_type=street_type,
            street_name=street,
            civic_number=civic,
            cap=cap,
            lon=lon,
            lat=lat,
        )
        for weeks in range(6):  # emptied every week, about 300 kg each time: full again by tomorrow
            at = last_emptied - timedelta(weeks=weeks)
            db.session.add(Pickup(bin=bin_, collected_at=at, weight_kg=Decimal(290 + 5 * weeks)))
    db.session.flush()
    seeded = Seeded(coordinator.email, driver.email, driver.id, trucks[0].id)
    release_db()
    return seeded


def _png(width: int, height: int) -> bytes:
    """A plain yellow PNG picture (what a phone camera would hand over, only simpler)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc8\xb4\x28" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _jpeg_long_side(data: bytes) -> int:
    at = data.index(b"\xff\xc0")  # baseline frame header: height, width
    return max(struct.unpack(">HH", data[at + 5 : at + 9]))


PNG = _png(2000, 1500)


def _pickups() -> int:
    count = db.session.scalar(select(func.count()).select_from(Pickup).where(Pickup.source == "round"))
    release_db()
    return count


def _statuses(route_id: int) -> list[str]:
    query = select(RouteStop.status).where(RouteStop.route_id == route_id).order_by(RouteStop.sequence)
    statuses = list(db.session.scalars(query))
    release_db()
    return statuses


def _route_of(driver_id: int) -> tuple[int, list[int]]:
    """The driver's route in the published plan and its bin stops in order."""
    route = db.session.scalar(select(RoundRoute).where(RoundRoute.driver_id == driver_id))
    found = route.id, [s.id for s in route.stops if s.kind == "bin"]
    release_db()
    return found


def _mark_done(phone: Any, stop_id: int, field: str, value: str) -> None:
    card = phone.locator(f"#stop-{stop_id}")
    card.locator("summary", has_text="Fatto").click()
    card.locator(f"input[name={field}]").fill(value)
    card.get_by_role("button", name="Conferma fatto").click()


def _skip(phone: Any, stop_id: int, reason: str) -> None:
    card = phone.locator(f"#stop-{stop_id}")
    card.locator("summary", has_text="Salta").click()
    card.locator("select[name=reason]").select_option(reason)
    card.get_by_role("button", name="Conferma salto").click()


def _plan_tomorrow(page: Any, seeded: Seeded) -> None:
    """New plan for tomorrow with both trucks and the driver on the main one; wait for the job to open the plan."""
    plan_on_the_page(page, local_today() + timedelta(days=1), (TRUCK, SPARE), {seeded.truck_id: DRIVER})


def _move_last_stop_to_the_spare_truck(page: Any) -> str:
    """On the review page, move the last bin of the driver's route to the spare truck; returns its code."""
    ours = page.locator("details[data-route]").filter(has=page.locator("summary", has_text=DRIVER))
    last = ours.locator("tbody tr[data-stop]:not(.table-warning)").last  # not the unloads
    sequence, code = last.locator("td").nth(0).inner_text(), last.locator("td").nth(2).inner_text()
    form = ours.locator("form[data-role=edit-form]")
    form.locator("select[name=stop_id]").select_option(label=f"{sequence} · {code}")
    form.locator("select[name=to_route_id]").select_option(label=SPARE)
    form.locator("input[name=position]").fill("1")
    form.get_by_role("button", name="Applica").click()
    page.get_by_text("Piano aggiornato e ricontrollato").wait_for()
    spare = page.locator("details[data-route]", has_text=f"{SPARE} Fiat Ducato")
    assert spare.locator("tbody tr[data-stop]", has_text=code).count() == 1
    assert ours.locator("tbody tr[data-stop]", has_text=code).count() == 0
    return code


def test_coordinator_plans_and_publishes_then_the_driver_works_offline_and_pickups_count_once(
    page: Any, phone: Any, planning_queue: jobs.JobQueue, clock: FakeClock
) -> None:
    seeded = _seed()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # offline: no tiles
    log_in(page, seeded.coordinator_email, factories.DEFAULT_PASSWORD)
    _plan_tomorrow(page, seeded)
    assert page.locator("[data-role=unassigned] li").count() == 0  # every bin due is on a route
    moved = _move_last_stop_to_the_spare_truck(page)
    spare = page.locator("details[data-route]", has_text=f"{SPARE} Fiat Ducato")
    spare.locator("select[name=driver_id]").select_option(label=SPARE_DRIVER)  # every route needs its driver
    spare.get_by_role("button", name="Assegna").click()
    page.get_by_text("Autista assegnato.").wait_for()
    publish_on_the_page(page)

    clock.advance(timedelta(days=1))  # the next morning
    route_id, stop_ids = _route_of(seeded.driver_id)
    log_in(phone, seeded.driver_email, factories.DEFAULT_PASSWORD)
    phone.goto("/driver/")
    phone.locator("#driver-routes a", has_text=TRUCK).click()
    phone.wait_for_url(f"**/driver/route/{route_id}")
    assert phone.get_by_text(moved, exact=True).count() == 0  # the bin moved to the spare truck is not on this sheet
    phone.locator("html[data-offline-ready=true]").wait_for(state="attached")  # sheet cached
    phone.locator("html[data-sync-idle]").wait_for(state="attached")

    phone.context.set_offline(True)
    phone.reload()  # the sheet comes from the service worker's cache
    phone.locator(f"#stop-{stop_ids[0]}").wait_for()
    _mark_done(phone, stop_ids[0], "weight_kg", "120,5")
    _mark_done(phone, stop_ids[1], "fill_percent", "80")
    _skip(phone, stop_ids[2], "no_time")
    assert phone.locator("#sync-count").inner_text() == "3"
    assert phone.locator("#sync-status").is_visible()
    assert phone.locator(f"#stop-{stop_ids[0]} .stop-status").inner_text() == "In attesa di invio"
    assert _pickups() == 0

    phone.context.set_offline(False)
    phone.locator("#sync-status").wait_for(state="hidden")
    assert phone.locator(f"#stop-{stop_ids[0]} .stop-outcome").inner_text() == "Fatto: 120,5 kg"
    assert _pickups() == 2
    assert _statuses(route_id)[:4] == ["done", "done", "skipped", "pending"]

    phone.reload()  # a second sync pass (page load) finds nothing to send
    phone.locator("html[data-sync-idle]").wait_for(state="attached")
    assert phone.locator(f"#stop-{stop_ids[2]} .stop-status").inner_text() == "Saltato"
    assert _pickups() == 2

    _done_with_photo(phone, stop_ids[3])
    assert _photo_sizes() == [1280]  # the 2000 px picture shrunk on the phone before it was queued
    _log_out(phone)
    assert phone.evaluate("caches.keys()") == [] and phone.evaluate("localStorage.length") == 0


def _done_with_photo(phone: Any, stop_id: int) -> None:
    card = phone.locator(f"#stop-{stop_id}")
    card.locator("summary", has_text="Fatto").click()
    card.locator("input[name=fill_percent]").fill("50")
    card.locator("input[name=photo]").set_input_files({"name": "bin.png", "mimeType": "image/png", "buffer": PNG})
    card.get_by_role("button", name="Conferma fatto").click()
    card.locator(".stop-status", has_text="Fatto").wait_for()


def _photo_sizes() -> list[int]:
    sizes = [_jpeg_long_side(photo.data) for photo in db.session.scalars(select(StopPhoto))]
    release_db()
    return sizes


def _log_out(phone: Any) -> None:
    open_phone_menu(phone)
    with phone.expect_navigation(url="**/login"):
        phone.get_by_role("button", name="Esci").click()


def test_the_new_plan_form_follows_the_day_chosen_with_the_trucks_out_that_day(page: Any) -> None:
    seeded = _seed()
    spare = db.session.scalar(select(Vehicle).where(Vehicle.plate == SPARE))
    spare.service_weekdays = [5]  # the spare truck goes out on Saturdays only
    spare.works_holidays = False
    release_db()
    first = local_today() + timedelta(days=7 + (5 - local_today().weekday()) % 7)  # one week or more ahead
    saturday = next(d for d in (first + timedelta(weeks=w) for w in range(3)) if not holiday_names(d, d))
    christmas = date(local_today().year + 1, 12, 25)
    log_in(page, seeded.coordinator_email, factories.DEFAULT_PASSWORD)
    page.goto("/rounds/plan/new")
    page.wait_for_load_state("load")
    truck, spare_box = page.get_by_label(TRUCK), page.get_by_label(SPARE)
    spare_off = page.locator("[data-service-days]", has=spare_box).locator("[data-role=off-duty]")
    truck_off = page.locator("[data-service-days]", has=truck).locator("[data-role=off-duty]")

    page.fill("input[name=service_date]", saturday.isoformat())
    expect(page.locator("[data-role=day-name]")).to_have_text(f"sab {saturday:%d/%m/%Y}")
    expect(spare_box).to_be_checked()
    expect(truck).to_be_checked()  # the seeded trucks go out every day
    expect(spare_off).to_be_hidden()

    page.fill("input[name=service_date]", christmas.isoformat())
    expect(page.locator("[data-role=day-name]")).to_contain_text(f"25/12/{christmas.year} · Natale")
    expect(spare_box).not_to_be_checked()
    expect(spare_off).to_be_visible()
    expect(truck_off).to_be_hidden()

    spare_box.check()  # the coordinator's own choice: an extra shift, kept when the day changes again
    page.fill("input[name=service_date]", saturday.isoformat())
    page.fill("input[name=service_date]", christmas.isoformat())
    expect(spare_box).to_be_checked()
    expect(spare_off).to_be_visible()
