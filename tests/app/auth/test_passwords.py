"""Every user changes their own password; an admin's reset makes the user choose their own at the next login."""

from __future__ import annotations

from app.auth import services
from app.extensions import db
from tests.app import factories
from tests.app.conftest import login, post_form

NEW = "una-nuova-password-mia"


def test_a_user_changes_their_password_with_the_current_one(client, login_as):
    user = login_as("driver")
    wrong = post_form(
        client, "/account/password", {"current": "sbagliata-davvero", "new": NEW, "repeated": NEW}, "/account"
    )
    assert wrong.status_code == 422 and "La password attuale non è corretta." in wrong.get_data(as_text=True)
    mismatch = {"current": factories.DEFAULT_PASSWORD, "new": NEW, "repeated": NEW + "x"}
    assert post_form(client, "/account/password", mismatch, "/account").status_code == 422
    short = {"current": factories.DEFAULT_PASSWORD, "new": "corta", "repeated": "corta"}
    assert post_form(client, "/account/password", short, "/account").status_code == 422
    db.session.expire_all()
    assert services.authenticate(user.email, factories.DEFAULT_PASSWORD) is not None  # nothing changed so far
    ok = {"current": factories.DEFAULT_PASSWORD, "new": NEW, "repeated": NEW}
    assert post_form(client, "/account/password", ok, "/account").status_code == 302
    db.session.expire_all()
    assert services.authenticate(user.email, factories.DEFAULT_PASSWORD) is None
    assert services.authenticate(user.email, NEW) is not None


def test_an_admins_reset_sends_the_user_to_choose_their_own(client, app, login_as):
    admin = login_as("admin")
    user = factories.UserFactory(role="operator")
    db.session.commit()
    form = {
        "email": user.email,
        "full_name": user.full_name,
        "role": "operator",
        "organisation_id": user.organisation_id,
        "password": "temporanea-123",
        "locale": "it",
        "active": "y",
    }
    assert post_form(client, f"/admin/users/{user.id}", form).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(user), user.id).must_change_password and admin.id != user.id

    other = app.test_client()
    assert login(other, user.email, "temporanea-123").status_code == 302
    home = other.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/account")
    assert other.get("/bins/").status_code == 302
    ok = {"current": "temporanea-123", "new": NEW, "repeated": NEW}
    assert post_form(other, "/account/password", ok, "/account").status_code == 302
    assert other.get("/").status_code == 200
