"""The sorting pages: intake form, session with live balance, close, roles (outbound: test_outbound_pages)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.sorting import services
from app.sorting.models import IntakeBatch, SortingSession
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.sorting.helpers import intake


def _operator_with_plant(login_as):
    user = login_as("operator")
    plant = factories.SortingPlantFactory(organisation=user.organisation)
    db.session.commit()
    return user, plant


def _intake_form(plant, **changes):
    data = {
        "site_id": plant.id,
        "source": "round",
        "source_ref": "Giro Nord 3",
        "received_at": "2026-11-20T08:30",
        "gross_kg": "4.730,5",
        "tare_kg": "3.200",
        "eer_code": "20 01 10",
        "notes": "",
    }
    return {**data, **changes}


def test_operator_records_an_intake_typed_the_italian_way(client, login_as):
    _, plant = _operator_with_plant(login_as)
    response = post_form(client, "/sorting/intake/new", _intake_form(plant))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Carico registrato." in client.get(response.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(select(IntakeBatch))
    assert str(batch.net_kg) == "1530.5" and batch.received_at.hour == 7  # 08:30 in Milan is 07:30 UTC


def test_tare_above_gross_is_shown_on_the_field_and_nothing_is_saved(client, login_as):
    _, plant = _operator_with_plant(login_as)
    response = post_form(client, "/sorting/intake/new", _intake_form(plant, tare_kg="5000"))
    assert response.status_code == 422
    assert "La tara deve essere minore del peso lordo." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(IntakeBatch)) == 0


def test_an_unbalanced_session_cannot_be_closed_from_the_page(client, login_as):
    user, plant = _operator_with_plant(login_as)
    batch = intake(plant, gross="1500", tare="500")
    session = services.open_session(plant.id, [batch.id], user)
    services.add_fraction(session.id, "reuse_b", "900", user)
    db.session.commit()
    url = f"/sorting/sessions/{session.id}"
    response = post_form(client, f"{url}/close", {"loss_reason": "umidità"}, form_url=url)
    assert response.status_code == 422
    assert "differenza 100,0 kg" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.status == "open"


def test_fractions_entered_on_the_page_close_the_session(client, login_as):
    user, plant = _operator_with_plant(login_as)
    batch = intake(plant, gross="1500", tare="500")
    session = services.open_session(plant.id, [batch.id], user)
    db.session.commit()
    url = f"/sorting/sessions/{session.id}"
    assert (
        post_form(client, f"{url}/fractions", {"kind": "reuse_b", "weight_kg": "600"}, form_url=url).status_code == 302
    )
    post_form(client, f"{url}/fractions", {"kind": "recycle_mixed", "weight_kg": "395,5"}, form_url=url)
    page = client.get(url).get_data(as_text=True)
    assert 'data-outputs="995.5"' in page and "Il bilancio quadra" in page
    assert post_form(client, f"{url}/close", {"loss_reason": "umidità"}, form_url=url).status_code == 302
    assert db.session.get(SortingSession, session.id).status == "closed"


def test_operators_do_not_see_other_organisations_batches(client, login_as):
    login_as("operator")
    batch = intake(factories.SortingPlantFactory(organisation=factories.OrganisationFactory()))
    db.session.commit()
    assert client.get(f"/sorting/intake/{batch.id}").status_code == 403
    assert batch.lot_code not in client.get("/sorting/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["driver", "social_worker"])
def test_drivers_and_social_workers_cannot_open_the_sorting_pages(client, login_as, role):
    login_as(role)
    assert client.get("/sorting/").status_code == 403


def test_the_live_balance_takes_its_bounds_and_number_format_from_the_server(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "SORTING_LOSS_TOLERANCE_PERCENT", "3")
    user, plant = _operator_with_plant(login_as)
    batch = intake(plant, gross="1500", tare="500")
    session = services.open_session(plant.id, [batch.id], user)
    db.session.commit()
    html = client.get(f"/sorting/sessions/{session.id}").get_data(as_text=True)
    assert 'data-max-loss="30.0"' in html and 'data-locale="it"' in html  # 3 % of 1000 kg, by the server's rule
    assert "it-IT" not in html and "data-tolerance" not in html and "tol / 100" not in html
