"""Creating, editing, moving and listing bins, with access by role and audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.bins.models import AuditEntry, Bin, BinStatusChange
from app.collection.models import Pickup
from app.extensions import db
from tests.app import factories
from tests.app.bins.conftest import BinFactory, bin_count
from tests.app.conftest import post_form


def _form(operator_id, **changes):
    data = {
        "code": "vs-0042",
        "operator_id": operator_id,
        "stream": "reuse",
        "eer_code": "20 01 10",
        "street_type": "Via",
        "street_name": "Giovanni Durando",
        "civic_number": "10 bis",
        "cap": "20158",
        "lon": "9,16190",
        "lat": "45,50370",
        "capacity_l": "2000",
        "full_weight_kg": "250",
        "status": "active",
        "access_notes": "",
        "service_hours": "06:00 - 20:00",
    }
    data.update(changes)
    return data


def test_a_bin_typed_with_decimal_commas_gets_its_comune_from_the_boundaries_and_an_audit_row(client, operator):
    response = post_form(client, "/bins/new", _form(operator.organisation_id))
    assert response.status_code == 302, response.get_data(as_text=True)
    bin_ = db.session.scalar(select(Bin))
    assert (bin_.code, bin_.comune.name, bin_.civic_number, bin_.eer_code) == ("VS-0042", "Milano", "10 bis", "200110")
    assert bin_.service_hours == "06:00-20:00"
    assert [s.status for s in bin_.status_history] == ["active"]
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.user_id, entry.entity_id) == ("create", operator.id, bin_.id)


def test_the_same_code_twice_for_one_operator_is_refused(client, operator):
    BinFactory(code="VS-0042", operator=operator.organisation)
    response = post_form(client, "/bins/new", _form(operator.organisation_id))
    assert response.status_code == 422
    assert "Esiste già un contenitore con il codice VS-0042" in response.get_data(as_text=True)
    assert bin_count() == 1


def test_a_point_outside_the_area_is_refused_for_a_coordinator(client, login_as):
    user = login_as("coordinator")
    org = factories.OrganisationFactory()
    db.session.commit()
    response = post_form(client, "/bins/new", _form(org.id, lon="9,67", lat="45,698", outside_area_override="y"))
    assert response.status_code == 422
    assert "fuori dall&#39;area servita" in response.get_data(as_text=True)
    assert user.role == "coordinator" and bin_count() == 0


def test_an_admin_can_accept_a_bin_outside_the_area_filed_under_the_nearest_comune(client, login_as):
    login_as("admin")
    org = factories.OrganisationFactory()
    db.session.commit()
    # Just over the Adda, in the province of Bergamo, next to Cassano d'Adda.
    response = post_form(client, "/bins/new", _form(org.id, lon="9,5330", lat="45,5260", outside_area_override="y"))
    assert response.status_code == 302, response.get_data(as_text=True)
    bin_ = db.session.scalar(select(Bin))
    assert bin_.outside_area_override and bin_.comune.name == "Cassano d'Adda"


def test_moving_a_bin_is_audited_as_a_move_with_old_and_new_coordinates(client, operator):
    bin_ = BinFactory(
        operator=operator.organisation, code="VS-0042", civic_number="10 bis", service_hours="06:00-20:00"
    )
    db.session.commit()
    response = post_form(client, f"/bins/{bin_.id}/edit", _form(operator.organisation_id, lon="9,2340", lat="45,5355"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(bin_)
    assert bin_.comune.name == "Sesto San Giovanni"
    entry = db.session.scalar(select(AuditEntry))
    changes = json.loads(entry.changes)
    assert entry.action == "move" and set(changes) == {"lon", "lat", "comune_code"}
    assert changes["comune_code"] == [factories.MILANO, bin_.comune_code]
    assert "spostato" in client.get(f"/bins/{bin_.id}").get_data(as_text=True)


def test_a_status_change_is_kept_in_the_history_with_its_reason(client, operator):
    bin_ = BinFactory(operator=operator.organisation)
    db.session.commit()
    response = post_form(
        client, f"/bins/{bin_.id}/status", {"status": "damaged", "reason": "Sportello rotto"}, f"/bins/{bin_.id}"
    )
    assert response.status_code == 302
    change = db.session.scalar(select(BinStatusChange))
    assert (change.status, change.reason, change.changed_by_id) == ("damaged", "Sportello rotto", operator.id)
    assert "Danneggiato" in client.get(f"/bins/{bin_.id}").get_data(as_text=True)


def test_an_operator_sees_and_edits_only_its_own_organisation_bins(client, operator):
    mine = BinFactory(operator=operator.organisation, code="MIO-1")
    theirs = BinFactory(code="ALTRO-1")
    db.session.commit()
    listing = client.get("/bins/").get_data(as_text=True)
    assert "MIO-1" in listing and "ALTRO-1" not in listing
    assert client.get(f"/bins/{theirs.id}").status_code == 404
    assert client.get(f"/bins/{theirs.id}/edit").status_code == 404
    response = post_form(client, "/bins/new", _form(theirs.operator_id), form_url="/bins/new")
    assert response.status_code == 422 and bin_count() == 2
    assert client.get(f"/bins/{mine.id}").status_code == 200


def test_a_driver_may_view_but_not_edit(client, login_as):
    driver = login_as("driver")
    bin_ = BinFactory(operator=driver.organisation)
    db.session.commit()
    assert client.get("/bins/").status_code == 200
    assert client.get(f"/bins/{bin_.id}").status_code == 200
    assert client.get("/bins/map").status_code == 200
    assert client.get(f"/bins/{bin_.id}/edit").status_code == 403
    assert client.get("/bins/import").status_code == 403


def test_a_social_worker_sees_no_bins(client, login_as):
    login_as("social_worker")
    for url in ("/bins/", "/bins/map", "/bins/map.geojson", "/bins/export.csv"):
        assert client.get(url).status_code == 403, url


def test_the_list_filters_by_comune_status_and_search_and_paginates(client, login_as):
    login_as("coordinator")
    org = factories.OrganisationFactory()
    for n in range(55):
        BinFactory(operator=org, code=f"MI-{n:03d}")
    BinFactory(operator=org, code="SESTO-1", comune_code="015209", lon=9.234, lat=45.5355, status="damaged")
    db.session.commit()
    first = client.get("/bins/").get_data(as_text=True)
    assert "(56)" in first and "MI-049" in first and "MI-050" not in first
    assert "MI-050" in client.get("/bins/?page=2").get_data(as_text=True)
    only_sesto = client.get("/bins/?comune=015209").get_data(as_text=True)
    assert "SESTO-1" in only_sesto and "MI-001" not in only_sesto
    assert "SESTO-1" in client.get("/bins/?status=damaged").get_data(as_text=True)
    search = client.get("/bins/?q=sesto").get_data(as_text=True)
    assert "(1)" in search and "SESTO-1" in search


def test_detail_shows_valid_pickups_as_chart_and_table_and_a_qr_code(client, operator):
    bin_ = BinFactory(operator=operator.organisation, code="VS-7")
    start = datetime(2026, 10, 1, 8, tzinfo=UTC)
    for n, kg in enumerate(("120.5", "180.0", "999.0")):
        db.session.add(Pickup(bin=bin_, collected_at=start + timedelta(days=7 * n), weight_kg=Decimal(kg)))
    db.session.flush()
    db.session.execute(Pickup.__table__.update().where(Pickup.weight_kg == Decimal("999.0")).values(superseded=True))
    db.session.commit()
    html = client.get(f"/bins/{bin_.id}").get_data(as_text=True)
    assert html.count("<rect ") == 2
    assert "120,5" in html and "180,0" in html and "999" not in html
    assert 'class="bin-qr"' in html or "bin-qr" in html
    assert f"/collection/pickups/new?code=VS-7&amp;operator={operator.organisation_id}" in html


def test_without_a_fill_source_the_bin_pages_show_no_forecast_and_no_history(client, operator, monkeypatch):
    from app.bins import fill

    monkeypatch.setattr(fill, "_SOURCE", [])  # bins alone: collection registers the source in create_app
    bin_ = BinFactory(operator=operator.organisation, code="VS-8")
    db.session.add(Pickup(bin=bin_, collected_at=datetime(2026, 10, 1, 8, tzinfo=UTC), weight_kg=Decimal("120.5")))
    db.session.commit()
    html = client.get(f"/bins/{bin_.id}").get_data(as_text=True)
    assert "VS-8" in html and "120,5" not in html and "<rect " not in html
    assert client.get("/bins/map.geojson").get_json()["features"][0]["properties"]["fill"] == "unknown"


def test_html_in_access_notes_is_shown_escaped(client, operator):
    bin_ = BinFactory(operator=operator.organisation, access_notes='<img src=x onerror="alert(1)">')
    db.session.commit()
    html = client.get(f"/bins/{bin_.id}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_the_bin_pages_are_translated_for_an_english_user(client, login_as):
    login_as("operator", locale="en")
    html = client.get("/bins/import").get_data(as_text=True)
    assert "Import bins" in html and "Show preview" in html


def test_the_bin_history_reads_in_words_with_organisation_names() -> None:
    from app.bins.history import describe

    org = factories.OrganisationFactory(name="Vesti Solidale Storia")
    db.session.flush()

    line = describe({"operator_id": [None, org.id], "status": ["active", "damaged"]})

    assert line == "gestore: — → Vesti Solidale Storia; stato: Attivo → Danneggiato"
