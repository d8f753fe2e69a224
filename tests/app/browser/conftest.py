"""A live server and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import gc
import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from huey import SqliteHuey
from werkzeug.serving import make_server

from app.extensions import db
from app.rounds import jobs

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run must install the Debian package 'chromium'")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on a desktop viewport; commit test data first."""
    db.session.commit()
    context = offline_tiles(
        chromium.new_context(base_url=live_server, locale="it-IT", viewport={"width": 1280, "height": 800})
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield from _refusing_csp_violations(page)
    finally:
        context.close()


def offline_tiles(context: Any) -> Any:
    """No map tile is fetched from the internet (tests never touch the network): the maps work without them."""
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    return context


def _refusing_csp_violations(page: Any) -> Iterator[Any]:
    """Yield the page; fail the test if the Content-Security-Policy blocked anything of the app's own."""
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"


PHONE = {"locale": "it-IT", "viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(chromium: Any, live_server: str) -> Iterator[Any]:
    """A phone-sized browser context, as a driver or operator in the street would use."""
    db.session.commit()
    context = offline_tiles(chromium.new_context(base_url=live_server, **PHONE))
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield from _refusing_csp_violations(page)
    finally:
        context.close()


@pytest.fixture
def new_page(chromium: Any, live_server: str) -> Iterator[Any]:
    """A factory of fresh browser contexts (one per person; ``new_context`` options), refusing CSP violations."""
    contexts: list[Any] = []
    blocked: list[str] = []

    def make(**options: Any) -> Any:
        db.session.commit()
        context = offline_tiles(chromium.new_context(base_url=live_server, **({"locale": "it-IT"} | options)))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"


@pytest.fixture
def phone_at(new_page: Any) -> Any:
    """Phones whose browser gives the position ``(lat, lon)`` (permission granted)."""

    def make(lat: float, lon: float) -> Any:
        return new_page(geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"], **PHONE)

    return make


@pytest.fixture
def planning_queue(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[jobs.JobQueue]:
    """The embedded queue as in production (a consumer thread in the web process), on a file of the test's own."""
    queue = jobs.JobQueue(app, SqliteHuey("fitmi-journey", filename=str(tmp_path / "queue.sqlite3")))
    monkeypatch.setitem(app.extensions, "rounds_queue", queue)
    monkeypatch.setitem(app.config, "ROUNDS_WORKER", "embedded")
    yield queue
    queue.stop_embedded()


def plan_on_the_page(page: Any, day: date, plates: tuple[str, ...], drivers: dict[int, str]) -> None:
    """The coordinator's planning page: a plan for ``day`` with these trucks and drivers (by truck id); waits for
    the job, run by the embedded queue (``planning_queue``), to open the plan's review page."""
    page.goto("/rounds/plan/new")
    page.wait_for_load_state("load")  # the form's script is in: it ticks the trucks out on the day chosen
    page.fill("input[name=service_date]", day.isoformat())
    for box in page.locator("input[name=vehicle_ids]").all():
        box.uncheck()
    for plate in plates:
        page.get_by_label(plate).check()
    for vehicle_id, name in drivers.items():
        page.select_option(f"select[name=driver_{vehicle_id}]", label=name)
    page.fill("input[name=time_limit_s]", "2")
    page.get_by_role("button", name="Calcola i giri").click()
    page.wait_for_url(re.compile(r"/rounds/jobs/\d+$"))
    assert page.get_by_role("heading", name="Calcolo dei giri in corso").is_visible()
    page.wait_for_url(re.compile(r"/rounds/\d+$"), timeout=60_000)  # the page polls the job, then opens the plan


def publish_on_the_page(page: Any) -> None:
    """Publish the plan shown on the review page (the confirmation ticked)."""
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Pubblica").click()
    page.locator("h1 .badge", has_text="pubblicato").wait_for()


def release_db() -> None:
    """End the test's transaction before the browser acts.

    Reading an expired attribute (``user.email``) opens a transaction, and on SQLite every
    transaction takes the write lock at once: the live server would wait on it.
    """
    db.session.commit()


def log_in(page: Any, email: str, password: str) -> None:
    release_db()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")


def open_phone_menu(page: Any) -> None:
    """Open the collapsed navigation on a phone, once Bootstrap's click handlers exist (the page's
    elements are there before the scripts at the end of the body have run: they have by the load event;
    ``wait_for_function`` would poll with eval, which the app's CSP refuses) and its animation is over."""
    page.wait_for_load_state("load")
    page.click("button.navbar-toggler")
    page.wait_for_selector("#nav.show")


def nav_to(page: Any, name: str) -> None:
    """Follow the navigation bar's link ``name``, opening its menu first when it sits in one."""
    page.wait_for_load_state("load")  # Bootstrap's dropdown handlers are there by then
    named = page.get_by_role("link", name=name, exact=True, include_hidden=True)  # also inside a closed menu
    link = page.locator("nav").locator(named)
    if not link.is_visible():
        page.locator("nav li.dropdown", has=named).locator("[data-bs-toggle=dropdown]").click()
    link.click()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Chromium may abort a static-file download of the live dev server mid-transfer (navigation,
    going offline); the server thread's file handle is then closed by the garbage collector later,
    in whichever test runs. Only that warning is ignored, only in browser tests."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed file <_io.BufferedReader:ResourceWarning"))
            item.add_marker(
                pytest.mark.filterwarnings(
                    r"ignore:Exception ignored in. <_io.FileIO name=.*/static/:pytest.PytestUnraisableExceptionWarning"
                )
            )


@pytest.fixture(autouse=True)
def _collect_dropped_handles() -> Iterator[None]:
    """Collect such dropped handles while the browser test (and its filter) is still current."""
    yield
    gc.collect()
