"""Login, CSRF, rate limits, role guards, redirects and logout."""

from __future__ import annotations

import argon2
import pytest
from sqlalchemy import select

from app.auth.models import LoginSession, User
from app.extensions import db
from tests.app import factories
from tests.app.conftest import csrf_token, login


def test_login_opens_the_role_home_page_in_italian(client):
    user = factories.UserFactory(role="coordinator")
    db.session.commit()
    response = login(client, user.email)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Coordinamento della raccolta" in page
    assert 'lang="it"' in page


@pytest.mark.parametrize("email", ["nessuno@esempio.it", "known"])
def test_wrong_credentials_get_one_italian_message_and_no_session(client, email):
    user = factories.UserFactory()
    db.session.commit()
    response = login(client, user.email if email == "known" else email, password="password-sbagliata")
    assert response.status_code == 401
    assert "E-mail o password non corretti." in response.get_data(as_text=True)
    assert db.session.scalar(select(LoginSession)) is None
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_rejected(client):
    user = factories.UserFactory()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert db.session.scalar(select(LoginSession)) is None


def test_login_attempts_are_rate_limited(client):
    user = factories.UserFactory()
    db.session.commit()
    statuses = [login(client, user.email, password="tentativo-errato").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    blocked = login(client, user.email)  # even the right password waits
    assert blocked.status_code == 429
    assert "Troppi tentativi" in blocked.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/users", "/admin/organisations", "/fleet/vehicles", "/fleet/sites"])
def test_driver_is_forbidden_from_management_pages(client, login_as, url):
    login_as("driver")
    response = client.get(url)
    assert response.status_code == 403
    assert "Non hai i permessi" in response.get_data(as_text=True)


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "evil.example"]
)
def test_login_refuses_redirects_off_site(client, target):
    user = factories.UserFactory()
    db.session.commit()
    response = login(client, user.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next_path(client):
    user = factories.UserFactory(role="admin")
    db.session.commit()
    response = login(client, user.email, next_url="/fleet/sites")
    assert response.headers["Location"] == "/fleet/sites"


def test_logout_invalidates_a_copied_session_cookie(app, client):
    user = factories.UserFactory()
    db.session.commit()
    login(client, user.email)
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_is_not_possible_by_get(client, login_as):
    login_as("operator")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_deactivated_user_is_logged_out_and_cannot_log_in(client, login_as):
    user = login_as("operator")
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert login(client, user.email).status_code == 401


def test_passwords_are_stored_as_argon2id(client):
    from app.auth.services import hash_password

    assert hash_password("una-password-robusta").startswith("$argon2id$")


def test_the_product_hashes_above_owasps_argon2id_minimum(production_hasher):
    # The tests run with a light hasher (conftest); this is the product's own.
    params = argon2.extract_parameters(production_hasher.hash("una-password-robusta"))
    assert params.type is argon2.Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2  # OWASP: 19 MiB, 2 passes


def test_a_password_hashed_with_older_parameters_is_rehashed_at_login(client, monkeypatch, production_hasher):
    from app.auth import services

    monkeypatch.setattr(services, "_hasher", production_hasher)
    old = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    user = factories.UserFactory(password_hash=old.hash(factories.DEFAULT_PASSWORD))
    db.session.commit()
    assert login(client, user.email).status_code == 302
    db.session.refresh(user)
    assert argon2.extract_parameters(user.password_hash) == argon2.extract_parameters(production_hasher.hash("x"))


def test_session_cookie_is_httponly_and_samesite(client):
    user = factories.UserFactory()
    db.session.commit()
    response = login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_oversized_request_is_refused_with_a_clear_message(app, client):
    app.config["MAX_CONTENT_LENGTH"], saved = 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert response.status_code == 413
    assert "dimensione massima" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None
