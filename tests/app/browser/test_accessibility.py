"""axe-core finds no serious or critical accessibility violation on the main pages (demo data).

axe-core comes from the npm registry, pinned by package.json/package-lock.json and installed by
``make setup`` (``npm ci``); it is injected into each page by Playwright.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.demo import build_demo
from app.extensions import db
from tests.app.browser.conftest import release_db
from tools.main_pages import MainPage, log_in_as, main_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {False: {"width": 1366, "height": 768}, True: {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed ({AXE} missing): run `make setup` (npm ci) first")
    return AXE.read_text(encoding="utf-8")


def _browser_page(new_page: Any, live_server: str, phone: bool) -> Any:
    """A page whose CSP is bypassed, so that axe can be injected as a script; only the app answers."""
    page = new_page(viewport=SIZES[phone], is_mobile=phone, bypass_csp=True)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live_server) else r.abort())
    page.set_default_timeout(60_000)
    return page


def _violations(page: Any, axe_source: str, main_page: MainPage) -> list[str]:
    page.goto(main_page.path, wait_until="networkidle")  # maps and charts fetched after load are in too
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{main_page.name} ({main_page.path}): {v['impact']} {v['id']} – {v['help']}: "
        + json.dumps([n["target"] for n in v["nodes"][:3]])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_main_pages_have_no_serious_accessibility_violations(
    app: Flask, new_page: Any, live_server: str, axe_source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1000 per minute")  # seven sign-ins in a minute
    build_demo()
    db.session.commit()
    pages = main_pages(app)
    release_db()
    found: list[str] = []
    for role in sorted({p.role or "" for p in pages}):
        for phone in (False, True):
            mine = [p for p in pages if (p.role or "") == role and p.phone == phone]
            if not mine:
                continue
            page = _browser_page(new_page, live_server, phone)
            if role:
                log_in_as(page, role)
            for main_page in mine:
                found += _violations(page, axe_source, main_page)
    assert len(pages) >= 20
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
