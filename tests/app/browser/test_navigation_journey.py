"""The navigation bar of every role fits one line on a 1366 × 768 laptop, with its pages grouped in menus."""

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, nav_to

pytestmark = pytest.mark.browser

ROLES = ["admin", "coordinator", "operator", "driver", "social_worker", "company"]


@pytest.fixture
def laptop(new_page: Any) -> Any:
    return new_page(viewport={"width": 1366, "height": 768})


def _fits_one_line(page: Any) -> None:
    page.wait_for_load_state("load")  # the style sheets are in
    bar = page.locator("nav.navbar").bounding_box()
    assert bar is not None and bar["height"] < 70, f"the navigation bar wraps: {bar['height']} px high"
    tops = {round(box["y"]) for box in (e.bounding_box() for e in page.locator("nav .navbar-nav > li").all()) if box}
    assert len(tops) == 1, f"menu items on {len(tops)} lines"
    logout = page.get_by_role("button", name="Esci").bounding_box()
    assert logout is not None and logout["x"] + logout["width"] <= 1366 and logout["y"] < bar["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling


@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_fits_one_line_at_1366_px(laptop, role):
    user = factories.UserFactory(role=role, full_name="Maria Francesca Bianchi Castiglioni")  # a long name
    db.session.commit()
    log_in(laptop, user.email, factories.DEFAULT_PASSWORD)
    laptop.wait_for_selector(f"h1[data-role={role}]")
    _fits_one_line(laptop)


def test_a_page_inside_a_menu_is_reached_and_marked_current(laptop):
    user = factories.UserFactory(role="coordinator")
    db.session.commit()
    log_in(laptop, user.email, factories.DEFAULT_PASSWORD)
    laptop.wait_for_selector("h1[data-role=coordinator]")
    nav_to(laptop, "Indicatori")
    laptop.wait_for_selector("#kpi-summary")
    assert laptop.locator("nav [aria-current=page]").get_attribute("href").endswith("/reports/kpi")
    assert laptop.locator("nav .dropdown-toggle.active").inner_text() == "Dati"
    _fits_one_line(laptop)
