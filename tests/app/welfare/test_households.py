"""Social workers register pseudonymous households of their comuni; identity is kept apart and logged."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.welfare.models import Household, HouseholdIdentity, HouseholdMember, IdentityAccessLog
from tests.app import factories
from tests.app.conftest import post_form

FORM = {
    "name": "Famiglia Bianchi Demo",
    "phone": "+39 333 765 4321",
    "email": "",
    "street": "Via Padova",
    "civic": "120",
    "cap": "20132",
    "lon": "9,2290",
    "lat": "45,4990",
    "notes": "Citofono 3",
    "consent": "y",
}


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_social_worker_registers_a_household_with_a_pseudonymous_code(client, login_as, office_a):
    worker = login_as("social_worker", organisation=office_a)
    response = post_form(client, "/welfare/households/new", FORM)
    assert response.status_code == 302
    household = db.session.scalar(select(Household))
    assert re.fullmatch(r"MI-[2-9A-HJ-NP-Z]{5}", household.code)
    assert household.comune_code == factories.MILANO and household.office_id == office_a.id
    assert db.session.get(HouseholdIdentity, household.id).name == "Famiglia Bianchi Demo"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Famiglia Bianchi Demo" in page and household.code in page
    log = db.session.scalars(select(IdentityAccessLog)).all()
    assert [(e.user_id, e.purpose) for e in log] == [(worker.id, "create"), (worker.id, "view")]


def test_household_table_holds_no_personal_data():
    columns = set(Household.__table__.columns.keys())
    assert not columns & {"name", "phone", "email", "street", "civic", "cap", "lon", "lat", "notes"}


def test_address_outside_the_metro_area_is_refused(client, login_as, office_a):
    login_as("social_worker", organisation=office_a)
    response = post_form(client, "/welfare/households/new", FORM | {"lon": "9,6700", "lat": "45,6980"})
    assert response.status_code == 422
    assert "fuori dall&#39;area servita" in response.get_data(as_text=True)
    assert _count(Household) == 0 and _count(HouseholdIdentity) == 0


def test_address_in_a_comune_of_another_office_is_refused(client, login_as, office_b):
    login_as("social_worker", organisation=office_b)
    response = post_form(client, "/welfare/households/new", FORM)
    assert response.status_code == 422
    assert "fuori dai comuni del tuo ufficio" in response.get_data(as_text=True)
    assert _count(Household) == 0


def test_consent_is_required(client, login_as, office_a):
    login_as("social_worker", organisation=office_a)
    response = post_form(client, "/welfare/households/new", {k: v for k, v in FORM.items() if k != "consent"})
    assert response.status_code == 422
    assert "consenso" in response.get_data(as_text=True)
    assert _count(Household) == 0


def test_member_with_a_size_that_does_not_exist_is_refused(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    url = f"/welfare/households/{household.id}/members"
    data = {"label": "Figlio 3", "age_band": "6-10", "gender": "bambino", "clothing_size_system": "children"}
    response = post_form(client, url, data | {"clothing_size": "99 anni"}, f"/welfare/households/{household.id}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "non esiste" in page
    assert _count(HouseholdMember) == 2
    ok = post_form(
        client, url, data | {"clothing_size": "10 ANNI", "shoe_size": "34"}, f"/welfare/households/{household.id}"
    )
    assert ok.status_code == 302
    assert (
        db.session.scalar(select(HouseholdMember).where(HouseholdMember.label == "Figlio 3")).clothing_size == "10 anni"
    )


def test_worker_of_another_comune_cannot_open_the_household(client, login_as, household, office_b):
    login_as("social_worker", organisation=office_b)
    response = client.get(f"/welfare/households/{household.id}")
    assert response.status_code == 404
    assert "Esposito" not in response.get_data(as_text=True)
    assert _count(IdentityAccessLog) == 0


def test_access_log_rows_cannot_be_changed_or_deleted(household):
    from app.errors import PermissionDenied
    from app.welfare.privacy import log_access

    entry = log_access(household, None, "view")
    db.session.commit()
    entry.purpose = "nascosto"
    with pytest.raises(PermissionDenied):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(IdentityAccessLog, entry.id))
    with pytest.raises(PermissionDenied):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(IdentityAccessLog, entry.id).purpose == "view"
