"""Every role logs in through a real browser and lands on its own home page, in Italian."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.app import factories
from tests.app.browser.conftest import log_in, open_phone_menu

pytestmark = pytest.mark.browser

HOMES = {
    "admin": "Amministrazione",
    "coordinator": "Coordinamento della raccolta",
    "operator": "Operatore della raccolta",
    "driver": "Il mio giro di oggi",
    "social_worker": "Servizi sociali",
}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_logs_in_and_sees_its_italian_home(page, role):
    user = factories.UserFactory(role=role)
    db.session.commit()
    log_in(page, user.email, factories.DEFAULT_PASSWORD)
    page.wait_for_selector(f"h1[data-role={role}]")
    assert page.inner_text("h1") == HOMES[role]
    assert page.get_attribute("html", "lang") == "it"
    assert "Esci" in page.inner_text("nav")


def test_wrong_password_shows_an_italian_message_in_the_browser(page):
    user = factories.UserFactory()
    db.session.commit()
    log_in(page, user.email, "password-sbagliata")
    assert "E-mail o password non corretti." in page.inner_text(".alert-danger")


def test_logout_from_a_phone_returns_to_login(phone):
    user = factories.UserFactory(role="driver")
    db.session.commit()
    log_in(phone, user.email, factories.DEFAULT_PASSWORD)
    phone.wait_for_selector("h1[data-role=driver]")
    open_phone_menu(phone)
    with phone.expect_navigation(url="**/login"):
        phone.get_by_role("button", name="Esci").click()
    assert "Sei uscito." in phone.inner_text("main")
