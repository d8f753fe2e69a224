"""Security headers, the CSP nonce, request ids, structured logs and trusted proxies."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from flask import g

from app.ops.logs import StructuredFormatter
from app.ops.web import tile_source, trust_proxies
from tests.app import factories
from tests.app.conftest import csrf_token
from tests.app.sorting.helpers import intake

TEMPLATES = Path(__file__).resolve().parents[3] / "app" / "templates"


def test_the_login_page_sends_the_security_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'(;|$)", csp), csp
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers


def test_hsts_is_sent_in_production_only(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "FITMI_ENV", "production")
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_each_response_gets_its_own_nonce(client):
    first, second = (client.get("/login").headers["Content-Security-Policy"] for _ in range(2))
    assert first != second


def test_maps_and_the_csp_follow_the_configured_tile_server(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png")
    monkeypatch.setitem(app.config, "MAP_TILE_ATTRIBUTION", "© Tiles Example, © OpenStreetMap")
    login_as("coordinator")
    response = client.get("/bins/map")
    html = response.get_data(as_text=True)
    assert 'data-tiles-url="https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png"' in html
    assert "© Tiles Example, © OpenStreetMap" in html and "tile.openstreetmap.org" not in html
    assert "https://*.tiles.example.org" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png?key=abc", "https://*.tiles.example.org:8443"),
        ("/tiles/{z}/{x}/{y}.png", ""),  # served by the app itself: 'self' covers it
    ],
)
def test_tile_url_templates_become_csp_sources(url, source):
    assert tile_source(url) == source


def test_the_sorting_pages_inline_script_carries_the_responses_nonce(client, login_as):
    from app.sorting import services

    user = login_as("operator")
    batch = intake(site=factories.SortingPlantFactory(organisation=user.organisation), user=user)
    session = services.open_session(batch.site_id, [batch.id], user)
    response = client.get(f"/sorting/sessions/{session.id}")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.get_data(as_text=True))
    assert inline and all(f'nonce="{nonce}"' in attrs or "application/json" in attrs for attrs in inline)


def test_no_template_uses_inline_event_handlers():
    """The CSP refuses ``onclick=`` and friends: behaviour belongs in the static scripts."""
    handlers = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if handlers.search(p.read_text())]
    assert offenders == []


def test_a_sane_request_id_is_echoed_and_anything_else_replaced(client):
    assert client.get("/login", headers={"X-Request-ID": "nginx-7f3a9c1e"}).headers["X-Request-ID"] == "nginx-7f3a9c1e"
    replaced = client.get("/login", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/login").headers["X-Request-ID"])


@pytest.mark.parametrize("style", ["json", "kv"])
def test_log_lines_are_structured_and_carry_the_request_id(app, style):
    record = logging.LogRecord("app.rounds", logging.WARNING, __file__, 1, "piano %s fallito", (7,), None)
    with app.test_request_context("/"):
        g.request_id = "req-12345678"
        line = StructuredFormatter(style).format(record)
    if style == "json":
        data = json.loads(line)
        assert data["msg"] == "piano 7 fallito" and data["request_id"] == "req-12345678"
        assert data["level"] == "warning" and data["logger"] == "app.rounds"
    else:
        assert 'msg="piano 7 fallito"' in line and 'request_id="req-12345678"' in line


def _fail_logins(client, token: str, client_ip: str, times: int) -> list[int]:
    data = {"email": "nessuno@example.org", "password": "sbagliata", "csrf_token": token}
    return [client.post("/login", data=data, headers={"X-Forwarded-For": client_ip}).status_code for _ in range(times)]


def test_with_one_trusted_proxy_the_login_limit_counts_each_forwarded_client(app, client, monkeypatch):
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # restored after the test
    monkeypatch.setitem(app.config, "FITMI_TRUSTED_PROXIES", 1)
    trust_proxies(app)
    token = csrf_token(client)

    assert 429 not in _fail_logins(client, token, "127.0.0.21", 5)
    assert _fail_logins(client, token, "127.0.0.21", 1) == [429]
    assert _fail_logins(client, token, "127.0.0.22", 1) != [429]  # another client behind the same proxy


def test_without_trusted_proxies_forwarded_for_is_ignored(client):
    token = csrf_token(client)

    assert 429 not in _fail_logins(client, token, "127.0.0.21", 5)
    assert _fail_logins(client, token, "127.0.0.22", 1) == [429]  # a forged header does not reset the count
