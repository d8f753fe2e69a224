"""Every route, as every role and as social workers of other comuni: no unauthorised read or write of a household.

The routes are enumerated from ``app.url_map``, so routes added later are covered automatically.
URL parameters are filled with the ids of a household of comune A and its related rows.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.core.clock import local_today
from app.extensions import db, limiter
from app.welfare.models import (
    Delivery,
    GarmentRequest,
    Household,
    HouseholdIdentity,
    HouseholdMember,
    RequestLine,
    RequestStatusChange,
)
from tests.app import factories
from tests.app.conftest import login
from tests.app.welfare.conftest import SESTO

SKIP_ENDPOINTS = {"static", "bootstrap.static", "auth.logout", "main.vendor"}
ACTIONS = ("send", "approve", "allocate", "ready", "collected", "cancel")
# A payload that would succeed if a route forgot its check: a new identity inside comune A, a member, a request.
PAYLOAD = {
    "name": "Intruso Malintenzionato",
    "phone": "+39 300 000 0000",
    "street": "Via Intrusa",
    "civic": "1",
    "cap": "20139",
    "lon": "9,2210",
    "lat": "45,4380",
    "consent": "y",
    "label": "Intruso",
    "age_band": "18-64",
    "gender": "uomo",
    "clothing_size_system": "letters",
    "clothing_size": "M",
    "lines-0-member_id": "",
    "lines-0-category": "cappotto",
    "lines-0-season": "inverno",
    "lines-0-quantity": "1",
    "fulfilment": "delivery",
    "code": "000000",
    "proof_kind": "signature",
    "proof_note": "firma",
    "reason": "not_home",
    "note": "intrusione",
}
_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _world() -> dict[str, Any]:
    office_a = factories.social_services_of(factories.MILANO)
    household = factories.HouseholdFactory(office=office_a)
    member = factories.MemberFactory(household=household)
    worker_a = factories.UserFactory(role="social_worker", organisation=office_a)
    point = factories.SiteFactory(kind="distribution_point", name="Emporio di prova")
    request = GarmentRequest(household=household, created_by=worker_a, status="inviata")
    request.lines.append(
        RequestLine(
            member=member,
            category="cappotto",
            age_group="bambino",
            size_system="children",
            size="8 anni",
            season="inverno",
            quantity=1,
        )
    )
    db.session.add(request)
    db.session.flush()
    delivery = Delivery(request=request, status="scheduled", service_date=local_today())
    db.session.add(delivery)
    db.session.flush()
    other_driver = factories.UserFactory(role="driver")
    route = factories.RoundRouteFactory(driver=other_driver, plan__kind="delivery")
    stop = factories.RouteStopFactory(
        route=route, kind="delivery", bin=None, reference=delivery.reference, lon=9.221, lat=45.438
    )
    db.session.commit()
    member.household_id  # noqa: B018  (loaded before the session is used by requests)
    params = {
        "household_id": household.id,
        "request_id": request.id,
        "member_id": member.id,
        "delivery_id": delivery.id,
        "site_id": point.id,
        "stop_id": stop.id,
        "route_id": route.id,
        "plan_id": route.plan_id,
        "code": household.code,
    }
    return {"household": household, "worker_a": worker_a, "params": params}


def _urls(app: Flask, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, parameters filled with the household's related ids."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        variants = [{}]
        for arg in rule.arguments:
            if arg == "action":
                converter = rule._converters.get(arg)
                allowed = getattr(converter, "items", None) or ACTIONS  # an any(...) converter names its own
                variants = [v | {"action": a} for v in variants for a in allowed]
            else:
                # arguments given by a rule's defaults (e.g. the round's end: stop_id=None) have no converter
                numeric = arg in rule._converters and rule._converters[arg].regex == r"\d+"
                value = params[arg] if arg in params else (params["household_id"] if numeric else "x")
                variants = [v | {arg: value} for v in variants]
        for values in variants:
            url = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                out.append((rule.endpoint, method, url))
    return out


def _snapshot(with_requests: bool) -> list[tuple[Any, ...]]:
    models: list[type] = [Household, HouseholdIdentity, HouseholdMember]
    if with_requests:
        models += [GarmentRequest, RequestLine, RequestStatusChange, Delivery]
    rows = []
    for model in models:
        for obj in db.session.scalars(select(model).execution_options(populate_existing=True)):
            rows.append(
                (model.__name__, *(getattr(obj, c.key) for c in model.__table__.columns if c.key != "updated_at"))
            )
    db.session.commit()
    return sorted(rows, key=repr)


def _client_as(app: Flask, role: str | None, **fields: Any) -> Any:
    client = app.test_client()
    if role:
        user = factories.UserFactory(role=role, **fields)
        db.session.commit()
        limiter.reset()
        assert login(client, user.email).status_code == 302
    return client


def _token(client: Any) -> str:
    for url in ("/", "/login"):
        match = _TOKEN.search(client.get(url).get_data(as_text=True))
        if match:
            return match.group(1)
    return ""


def _call(client: Any, method: str, url: str, token: str) -> str:
    try:
        response = client.get(url) if method == "GET" else client.post(url, data=PAYLOAD | {"csrf_token": token})
        return response.get_data(as_text=True)
    except Exception as error:  # a crash in a route leaks nothing, but say which
        return f"EXCEPTION {type(error).__name__}: {error}"


def _secrets(household: Household) -> list[str]:
    identity = db.session.get(HouseholdIdentity, household.id)
    return [identity.name, identity.phone, identity.street, identity.email]


def test_no_route_shows_or_changes_a_household_for_anyone_not_allowed(app):
    world = _world()
    household, params = world["household"], world["params"]
    secrets = _secrets(household)
    urls = _urls(app, params)
    assert any(endpoint.startswith("welfare.") for endpoint, _m, _u in urls)
    outsiders: list[tuple[str, str | None, dict[str, Any], bool]] = [
        ("anonimo", None, {}, True),
        ("assistente sociale di Sesto", "social_worker", {"organisation": factories.social_services_of(SESTO)}, True),
        ("assistente sociale senza comuni", "social_worker", {}, True),
        ("autista", "driver", {}, True),
        ("operatore", "operator", {}, False),
        ("coordinatore", "coordinator", {}, False),
    ]
    leaks = []
    for label, role, fields, check_requests in outsiders:
        client = _client_as(app, role, **fields)
        token = _token(client)
        before = _snapshot(check_requests)
        for endpoint, method, url in urls:
            if method == "POST" and role in ("operator", "coordinator") and not endpoint.startswith("welfare."):
                continue  # staff may legitimately change other domains (and start planning jobs)
            body = _call(client, method, url, token)
            leaks += [f"{label}: {method} {url} shows «{s}»" for s in secrets if s and s in body]
        if _snapshot(check_requests) != before:
            leaks.append(f"{label}: household data changed")
    assert leaks == []


def test_the_matrix_would_notice_a_leak(app):
    """The worker of comune A does see the identity on the household page (so the check above is meaningful)."""
    world = _world()
    client = app.test_client()
    limiter.reset()
    login(client, world["worker_a"].email)
    body = client.get(f"/welfare/households/{world['params']['household_id']}").get_data(as_text=True)
    assert _secrets(world["household"])[0] in body
