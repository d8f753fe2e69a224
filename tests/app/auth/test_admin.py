"""Admins manage users and organisations through validated forms."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import Organisation, User
from app.extensions import db
from tests.app import factories
from tests.app.conftest import login, post_form


def test_admin_creates_a_user_who_can_then_log_in(app, client, login_as):
    login_as("admin")
    org = factories.OrganisationFactory()
    db.session.commit()
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": "Nuovo.Autista@Coop.it",
            "full_name": "Nuovo Autista",
            "role": "driver",
            "organisation_id": org.id,
            "password": "password-sicura-1",
            "locale": "it",
            "active": "y",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.email == "nuovo.autista@coop.it"))
    assert created is not None and created.role == "driver"
    other = app.test_client()
    assert login(other, "nuovo.autista@coop.it", "password-sicura-1").status_code == 302


def test_duplicate_email_is_refused_and_nothing_changes(client, login_as):
    admin = login_as("admin")
    before = db.session.scalar(select(func.count()).select_from(User))
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": admin.email,
            "full_name": "Doppione",
            "role": "operator",
            "organisation_id": admin.organisation_id,
            "password": "password-sicura-1",
            "locale": "it",
        },
    )
    assert response.status_code == 422
    assert "Esiste già un utente con questa e-mail." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_social_worker_must_belong_to_a_social_services_office(client, login_as):
    admin = login_as("admin")
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": "as@comune.it",
            "full_name": "Assistente",
            "role": "social_worker",
            "organisation_id": admin.organisation_id,
            "password": "password-sicura-1",
            "locale": "it",
        },
    )
    assert response.status_code == 422
    assert "servizi sociali" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "as@comune.it")) is None


def test_social_services_office_needs_a_comune(client, login_as):
    login_as("admin")
    response = post_form(client, "/admin/organisations/new", {"name": "Servizi sociali Rho", "kind": "social_services"})
    assert response.status_code == 422
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Servizi sociali Rho")) is None
    response = post_form(
        client,
        "/admin/organisations/new",
        {"name": "Servizi sociali Rho", "kind": "social_services", "comuni": ["015182"]},
    )
    assert response.status_code == 302
    office = db.session.scalar(select(Organisation).where(Organisation.name == "Servizi sociali Rho"))
    assert office.comune_codes == {"015182"}
