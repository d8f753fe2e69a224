"""Fuzz: hostile values posted into every field of every form a role reaches never give a server error.

Each demo user logs in and, from the home page, the test follows the links, reads every ``method="post"`` form with
its fields as the page fills them (and the driver's stop forms, which the phone's script sends as JSON), and posts
it once per field and hostile value, with only that field changed (a form without fields, once as it is). Any
answer is fine but a server error: a message, a redirect, a 400. On PostgreSQL this also catches numbers that
overflow an ``integer`` column.

The demo is built, then given what it lacks for the other forms to show (``_add_missing_state``); the test fails
too when the forms it reached leave out a post endpoint of the pages that ``UNREACHED`` does not name.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import MapAdapter

from app.api import tokens
from app.auth import services as auth
from app.auth.models import OrganisationKind, User
from app.core.clock import local_datetime, local_today, utcnow
from app.core.policy import Role
from app.demo import DEMO, USERS, build_demo, demo_password
from app.extensions import db, limiter
from app.fleet.models import Site, SiteKind, Vehicle
from app.reports import registers
from app.rounds import driver_services, jobs, week
from app.rounds.models import StopKind, StopStatus
from app.rounds.services import PlanParams, plan_day, publish_plan, set_driver
from app.sorting import services as sorting
from app.sorting.models import FractionKind, IntakeSource
from app.symbiosis import fulfilment
from app.symbiosis import services as symbiosis
from app.symbiosis.models import Match
from tests.app.conftest import FakeClock, login

# Digits int() refuses, a number too long to convert, one past a database integer, a grid cell made by hand.
HOSTILE = ["²", "9" * 5000, "2147483648", "0:abc"]
# The log-out and downloads are not pages with forms; the log-in form has tests of its own.
SKIP = ("/logout", "/login", "/static/", "/export", "/label")
SKIP += (".csv", ".json", ".geojson", ".gpx", ".pdf", ".xlsx", ".zip")
MAX_PAGES = 400  # a role's pages read, at most
# Pages of one address shape (``/rounds/12``, ``/rounds/13``) are read while each shows a form not seen before
# (a shape with no form yet gets a second try), at most this many: a draft plan shows forms a published one does
# not, a match those of its state.
PAGES_PER_SHAPE = 4
# The post endpoints of the pages (the JSON API under /api/ has its own fuzz test) that no form posted here reaches.
UNREACHED = {
    "auth.login": "the log-in has tests of its own (tests/app/auth); here each role logs in through it",
    "auth.logout": "would end the crawl's session",
    "bins.import_confirm": "its form shows only after a file is uploaded; tests/app/bins/test_import.py posts it",
}


@dataclass(frozen=True)
class Form:
    """A form to post: its address, its fields as the page fills them, whether the page's script sends it as JSON."""

    action: str
    fields: dict[str, list[str]]
    as_json: bool = False


class _Page(HTMLParser):
    """The links of a page and its post forms, each field with the values the page gives it.

    The driver's sheet also has stop forms that its script sends as JSON to the sheet's ``data-action-url``
    (``js-done`` and ``js-skip`` forms, the ``js-undo`` button, each with a ``data-stop-id``): read too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self.scripted: list[tuple[str, str, dict[str, list[str]]]] = []  # stop id, action, fields
        self.script_url = ""
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        script_action = next((c[3:] for c in a.get("class", "").split() if c.startswith("js-")), "")
        self.script_url = a.get("data-action-url") or self.script_url
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            scripted, fields = bool(a.get("data-stop-id") and script_action), dict[str, list[str]]()
            self._fields = fields if a.get("method", "").lower() == "post" or scripted else None
            if scripted:
                self.scripted.append((a["data-stop-id"], script_action, fields))
            elif self._fields is not None:
                self.forms.append((a.get("action", ""), fields))
        elif tag == "button" and a.get("data-stop-id") and script_action:
            self.scripted.append((a["data-stop-id"], script_action, {}))
        elif self._fields is None or not name:
            if tag == "option" and self._fields is not None and self._select:
                self._option(a)
        elif tag in ("input", "textarea"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self._fields.setdefault(name, []).extend([a.get("value", "on")] if "checked" in a else [])
            elif kind not in ("submit", "button", "file"):
                self._fields[name] = [a.get("value", "")]
        elif tag == "select":
            self._select = name
            self._fields[name] = []

    def _option(self, a: dict[str, str]) -> None:
        assert self._fields is not None and self._select is not None
        values = self._fields[self._select]
        if "selected" in a:
            values[:] = [a.get("value", "")]
        elif not values:
            values.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None

    def all_forms(self, url: str) -> list[Form]:
        """Its forms, addressed from ``url``; the script's with the ``collected_at`` the phone adds."""
        forms = [Form(urljoin(url, action or url), fields) for action, fields in self.forms]
        for stop_id, action, fields in self.scripted:
            target = self.script_url.replace("{id}", stop_id).replace("{action}", action)
            forms.append(Form(urljoin(url, target), {**fields, "collected_at": [utcnow().isoformat()]}, True))
        return forms


def _crawl(client: Any, routes: MapAdapter) -> dict[tuple[str, ...], Form]:
    """The forms reachable from the home page, by shape: endpoint, route, the names of its query and its fields."""
    queue, seen, visits, done, with_forms = ["/"], set(), dict[str, int](), set(), set()
    forms: dict[tuple[str, ...], Form] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = url.split("?")[0]  # a page is read once, whatever its query (a sort, a filter, a page number)
        shape = re.sub(r"/\d+", "/N", path)
        if path in seen or shape in done or any(s in url for s in SKIP):
            continue
        seen.add(path)
        response = client.get(url)
        assert response.status_code < 500, url
        new: list[Form] = []
        if response.status_code == 200 and "html" in (response.content_type or ""):
            page = _Page()
            page.feed(response.get_data(as_text=True))
            for href in page.links:
                target = urlparse(urljoin(url, href))
                if target.netloc in ("", "localhost") and target.path.startswith("/"):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
            for form in (f for f in page.all_forms(url) if not any(s in f.action for s in SKIP)):
                address = urlparse(form.action)
                route = routes.match(address.path, method="POST", return_rule=True)[0]
                key = (route.endpoint, route.rule, *sorted(parse_qs(address.query)), "|", *sorted(form.fields))
                if key not in forms:  # a form repeated on every row of a table is posted once
                    forms[key] = form
                    new.append(form)
        visits[shape] = visits.get(shape, 0) + 1
        if new:
            with_forms.add(shape)
        elif shape in with_forms or visits[shape] == 2 or visits[shape] == PAGES_PER_SHAPE:
            done.add(shape)
    return forms


def _post(client: Any, form: Form, fields: dict[str, list[str]]) -> Any:
    if not form.as_json:
        return client.post(form.action, data=fields)
    body = {name: values[0] if len(values) == 1 else values for name, values in fields.items()}
    return client.post(form.action, json=body, headers={"Idempotency-Key": uuid.uuid4().hex})


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _add_missing_state(clock: FakeClock) -> None:
    """What the demo lacks for the other forms to show, made through the app's services (2 s of solving).

    Today's collection, published, with two rounds of the demo driver: one under way with a stop done (he may still
    take it back), one closed, its load waiting at the plant; a week of draft plans (a plan's review with its
    edits, a day's re-plan); a planning job queued 20 minutes ago (the admin's home lists it, its page cancels it);
    an open sorting session with a fraction; the plant's register annotated (an entry's correction), with an
    intake still to annotate; in the marketplace, three matches of the firm's offers for the cooperative (proposed,
    accepted, collected: what the plant takes in) and a school waiting for approval; an API token.
    """
    today, now = local_today(), utcnow()
    driver, operator = _user("autista@demo.fitmi.it"), _user("operatore@demo.fitmi.it")
    coordinator, admin = _user("coordinatore@demo.fitmi.it"), _user("admin@demo.fitmi.it")
    vehicles = tuple(
        db.session.scalars(
            select(Vehicle.id).where(Vehicle.organisation_id == driver.organisation_id, Vehicle.active.is_(True))
        )
    )
    plant = db.session.scalars(select(Site).where(Site.kind == SiteKind.SORTING_PLANT)).one()
    homes = db.session.scalars(select(Vehicle.home_site_id).where(Vehicle.id.in_(vehicles)))
    sites = (plant.id, *sorted(set(homes)))

    plan = plan_day(PlanParams(today, sites, vehicles, threshold=0.5, time_limit_s=1.0))
    under_way, closed = [r for r in plan.routes if any(s.kind == StopKind.BIN for s in r.stops)][:2]
    for route in (under_way, closed):
        set_driver(plan, route.id, driver.id, plan.version)
    publish_plan(plan, plan.version, coordinator)
    for route, kg in ((under_way, 60), (closed, 80)):
        bin_stop = next(s for s in route.stops if s.kind == StopKind.BIN)
        driver_services.mark_done(bin_stop.id, {"weight_kg": kg}, driver)
    for stop in closed.stops:
        if stop.status == StopStatus.PENDING:
            driver_services.mark_skipped(stop.id, {"reason": "no_time"}, driver)
    driver_services.close_route(closed.id, driver)

    week.plan_week(week.WeekParams(today + timedelta(days=2), sites, (vehicles, vehicles), time_limit_s=1.0))
    clock.set(now - timedelta(minutes=20))
    jobs.start_planning(PlanParams(today + timedelta(days=1), sites, vehicles, created_by_id=coordinator.id))
    db.session.commit()  # the job is queued (the test's queue never runs it)
    clock.set(now)

    registers.annotate(plant.id, operator)
    batch = sorting.record_intake(sorting.IntakeData(plant.id, IntakeSource.DROP_OFF, now, "120", "20"), operator)
    session = sorting.open_session(plant.id, [batch.id], operator)
    sorting.add_fraction(session.id, FractionKind.REUSE_A, "10", operator)

    firm, cooperative = _user("sartoria@demo.fitmi.it"), _user("cooperativa@demo.fitmi.it")
    workshop = db.session.scalars(select(Site.id).where(Site.organisation_id == firm.organisation_id)).first()
    # In this order: the coordinators' list of matches (newest first) opens with the two that show them forms, the
    # firm's notices reach the proposed one, and the firm's newest listing is open (it may close it).
    for outcome in ("proposed", "accepted", "collected"):
        offer = symbiosis.ListingData(
            "offer", "material", "deadstock", f"Tela di cotone ({outcome})", "40", "m", weight_kg="10",
            site_id=workshop, fibres={"cotton": 100}, waste_status="by_product",
        )  # fmt: skip
        listing = symbiosis.post_listing(offer, firm)
        match = db.session.scalars(select(Match).where(Match.offer_id == listing.id)).one()
        if outcome != "proposed":
            symbiosis.answer(match.id, True, firm)
            symbiosis.answer(match.id, True, cooperative)
            fulfilment.arrange(match.id, fulfilment.Arrangement("self"), firm)
        if outcome == "collected":
            fulfilment.complete_self_collection(match.id, "40", "10", cooperative)
    # The admin's user form is posted to the first user listed (by name), and a password it accepts ("2147483648")
    # ends that user's sessions: the school's teacher, listed before "Amministratore Demo", takes it.
    school = auth.save_organisation(f"Liceo artistico Brera {DEMO}", OrganisationKind.SCHOOL, [])
    teacher = auth.save_user(
        email="liceo@demo.fitmi.it", full_name="Alberto Airoldi", role=Role.COMPANY, organisation_id=school.id,
        password="una-password-lunga",
    )  # fmt: skip
    symbiosis.save_profile(symbiosis.ProfileData("85.31.20", "Alberto Airoldi", "liceo@demo.fitmi.it"), teacher)

    tokens.create_token(admin.email, "Integrazione gestionale")
    db.session.commit()


@pytest.mark.slow
def test_hostile_values_in_any_form_never_give_a_server_error(app: Flask, clock: FakeClock, sqlite_queue: Any) -> None:
    # 6:30 today, standing still: today's rounds (shifts 6:00-14:00) are under way, and a stop done stays undoable
    clock.set(local_datetime(local_today(), time(6, 30)))
    build_demo()  # once for every role (it takes half a minute): each role's posts change the data the next sees
    _add_missing_state(clock)
    failures, reached, routes = [], set(), app.url_map.bind("localhost")
    try:
        for role in sorted({u[0] for u in USERS}):
            email = next(u[1] for u in USERS if u[0] == role)  # the demo's own: the driver's rounds, the firm's matches
            client = app.test_client()
            app.config["WTF_CSRF_ENABLED"] = True
            limiter.reset()  # the previous role's posts count against this address's rate limits
            assert login(client, email, demo_password(role)).status_code == 302
            app.config["WTF_CSRF_ENABLED"] = False  # the token is tested elsewhere; here it would double the requests
            forms = _crawl(client, routes)
            reached |= {endpoint for endpoint, *_ in forms}
            for form in forms.values():
                limiter.reset()  # a rate limit (the citizens' reports) would answer the form's later posts alone
                for name, value in [(n, v) for n in form.fields for v in HOSTILE] or [("", "")]:
                    where = f"{role}: {form.action}" + (f" {name}={value[:12]!r}" if name else "")
                    try:
                        response = _post(client, form, {**form.fields, name: [value]} if name else form.fields)
                    except Exception as error:  # the test app lets a view's exception through: a 500 in production
                        failures.append(f"{where}: {error!r}"[:300])
                        continue
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
                    # a post that ended the session would leave every later one at the log-in page
                    assert "/login" not in response.headers.get("Location", ""), where
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert failures == []
    pages = {
        r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ()) and not r.rule.startswith("/api/")
    }
    assert pages - reached == set(UNREACHED), "forms not reached (or now reached: take them off UNREACHED)"
