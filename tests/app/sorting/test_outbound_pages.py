"""The outbound pages: register with several lines, add a line, leg page, CSV with every field, partners, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.sorting import ledger
from app.sorting.models import KgEntry, OutboundLeg, OutboundPartner
from tests.app import factories
from tests.app.conftest import csrf_token, post_form
from tests.app.sorting.helpers import closed_session
from tests.app.sorting.legs import CARRIER, RECYCLER, partner

URL = "/sorting/outbound"


@pytest.fixture
def plant_session(login_as):
    """An operator, a closed session at their organisation's plant, and its registered recycler and carrier."""
    user = login_as("operator")
    session = closed_session({"recycle_cotton": "600", "recycle_wool": "390"})
    session.site.organisation_id = user.organisation_id
    db.session.flush()
    recycler, carrier = partner(RECYCLER, session), partner(CARRIER, session)
    db.session.commit()
    return session, recycler, carrier


def _form(session, recycler, carrier, **changes):
    cotton, wool = session.fractions
    data = {
        "site_id": session.site_id,
        "shipped_at": "2026-11-22T10:00",
        "document_kind": "fir",
        "document_number": "FIR RX 000123/26",
        "destination_id": recycler.id,
        "carrier_id": carrier.id,
        "rd_operation": "R3",
        "eer_code": "191208",
        "notes": "",
        "lines-0-fraction_id": "0",
        "lines-0-weight_kg": "",
        "lines-1-fraction_id": cotton.id,
        "lines-1-weight_kg": "600",
        "lines-2-fraction_id": wool.id,
        "lines-2-weight_kg": "1.390,0",
        "lines-3-fraction_id": "0",
        "lines-3-weight_kg": "",
    }
    return data | changes


def test_a_leg_of_two_lots_typed_the_italian_way_is_recorded_and_shown(client, plant_session):
    session, recycler, carrier = plant_session
    data = _form(session, recycler, carrier, **{"lines-2-weight_kg": "390,0"})
    response = post_form(client, URL, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    leg = db.session.scalar(select(OutboundLeg))
    assert response.headers["Location"].endswith(f"/sorting/outbound/{leg.id}")
    assert [str(line.weight_kg) for line in leg.lines] == ["600.0", "390.0"]
    page = client.get(f"/sorting/outbound/{leg.id}").get_data(as_text=True)
    for text in (session.fractions[0].lot_code, session.lot_code, "AUA 2024/118", "MI/012345", "19 12 08", "R3"):
        assert text in page
    assert "990,0" in page  # the leg's total


def test_a_refused_line_is_shown_on_its_row_naming_the_lot_and_nothing_moves(client, plant_session):
    session, recycler, carrier = plant_session
    response = post_form(client, URL, _form(session, recycler, carrier))  # 1.390 kg of a 390 kg lot
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    wool = session.fractions[1]
    assert f"Il lotto {wool.lot_code} ha solo 390,0 kg disponibili" in html
    # The message sits under the weight of the row that named the lot.
    row = html.split('name="lines-2-weight_kg"')[1].split("</tr>")[0]
    assert "ha solo 390,0 kg" in row
    assert db.session.scalar(select(func.count()).select_from(OutboundLeg)) == 0
    assert db.session.scalar(select(func.count()).where(KgEntry.kind == "outbound")) == 0
    assert ledger.fraction_balance_kg(session.fractions[0].id) == 600


def test_a_waste_leg_without_fir_number_is_refused_on_the_field(client, plant_session):
    session, recycler, carrier = plant_session
    data = _form(session, recycler, carrier, document_number="", **{"lines-2-weight_kg": "390"})
    response = post_form(client, URL, data)
    assert response.status_code == 422 and "indica il suo numero" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundLeg)) == 0


def test_add_a_line_gives_one_more_row_and_saves_nothing(client, plant_session):
    session, recycler, carrier = plant_session
    response = post_form(client, URL, _form(session, recycler, carrier, add_line="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="lines-4-fraction_id"' in html
    assert db.session.scalar(select(func.count()).select_from(OutboundLeg)) == 0


def test_the_csv_has_one_row_per_line_with_every_field(client, plant_session):
    session, recycler, carrier = plant_session
    post_form(
        client, URL, _form(session, recycler, carrier, notes="=cmd|' /C calc'!A0", **{"lines-2-weight_kg": "390"})
    )
    text = client.get("/sorting/outbound.csv").get_data(as_text=True)
    header, *rows = text.lstrip("\ufeff").strip().split("\r\n")
    assert header.startswith("Uscita;Data;Impianto;Documento;Numero documento;EER;Operazione R/D;Destinatario")
    assert len(rows) == 2 and len(header.split(";")) == 23
    assert "FIR;FIR RX 000123/26;191208;R3;Tessile Riciclo Prato srl;" in rows[0]
    assert ";AUA 2024/118;Regione Toscana;R3 R13;Trasporti Lombardi snc;;MI/012345;" in rows[0]
    assert f";{session.fractions[1].lot_code};{session.lot_code};Riciclo lana;390,0;" in rows[1]
    assert rows[0].endswith(";'=cmd|' /C calc'!A0")  # a formula in the notes is shown, never run


def test_operators_see_only_their_organisations_legs(client, plant_session, login_as):
    session, recycler, carrier = plant_session
    post_form(client, URL, _form(session, recycler, carrier, **{"lines-2-weight_kg": "390"}))
    leg = db.session.scalar(select(OutboundLeg))
    client.post("/logout", data={"csrf_token": csrf_token(client, URL)})
    login_as("operator", organisation=factories.OrganisationFactory())
    assert client.get(f"/sorting/outbound/{leg.id}").status_code == 403
    assert "FIR RX 000123/26" not in client.get(URL).get_data(as_text=True)


@pytest.mark.parametrize("role", ["driver", "social_worker"])
def test_drivers_and_social_workers_cannot_open_outbound_or_partners(client, login_as, role):
    login_as(role)
    assert client.get(URL).status_code == 403 and client.get("/sorting/partners").status_code == 403


NO_PLANT = {"authorisation_number": "", "authorisation_authority": "", "operations": ""}


def _partner_form(**changes):
    data = {
        "kind": "recovery_plant",
        "name": "Rigenera Tessile spa",
        "fiscal_code": "IT 09876543210",
        "address": "Via Lanzone 3, 20123 Milano",
        "authorisation_number": "R.G. 4512/2023",
        "authorisation_authority": "Città metropolitana di Milano",
        "operations": "r3, R13",
        "albo_number": "",
    }
    return data | changes


def test_an_operator_registers_edits_and_deactivates_a_partner_of_their_organisation(client, login_as):
    user = login_as("operator")
    assert post_form(client, "/sorting/partners/new", _partner_form()).status_code == 302
    found = db.session.scalar(select(OutboundPartner))
    assert (found.organisation_id, found.fiscal_code, found.operations) == (
        user.organisation_id,
        "09876543210",
        "R3 R13",
    )
    url = f"/sorting/partners/{found.id}/edit"
    assert post_form(client, url, _partner_form(operations="R3 R13 R4")).status_code == 302
    deactivate = post_form(client, f"/sorting/partners/{found.id}/deactivate", {}, form_url="/sorting/partners")
    assert deactivate.status_code == 302
    db.session.refresh(found)
    assert found.operations == "R3 R13 R4" and found.active is False
    assert "disattivato" in client.get("/sorting/partners").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"operations": "R3 D1"}, "Operazione non valida per questo tipo di impianto: D1"),
        ({"albo_number": "MI/012345"}, "si indica per i trasportatori"),
        (
            {"kind": "carrier", "albo_number": "Milano 12", **NO_PLANT},
            "Albo non valido",
        ),
        ({"fiscal_code": "1234"}, "Partita IVA"),
        ({"kind": "second_hand_shop", "operations": ""}, "solo per gli impianti"),
    ],
)
def test_bad_partner_details_are_refused_on_their_field(client, login_as, changes, message):
    login_as("operator")
    response = post_form(client, "/sorting/partners/new", _partner_form(**changes))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundPartner)) == 0


def test_a_partner_name_is_registered_once_per_kind_and_organisation(client, login_as):
    login_as("operator")
    post_form(client, "/sorting/partners/new", _partner_form())
    response = post_form(client, "/sorting/partners/new", _partner_form())
    assert response.status_code == 422 and "Esiste già" in response.get_data(as_text=True)


def test_operators_cannot_touch_another_organisations_partner(client, login_as):
    foreign = partner(RECYCLER, None, organisation_id=factories.OrganisationFactory().id)
    db.session.commit()
    login_as("operator")
    assert client.get(f"/sorting/partners/{foreign.id}/edit").status_code == 403
    assert "Tessile Riciclo Prato" not in client.get("/sorting/partners").get_data(as_text=True)
    post_form(client, f"/sorting/partners/{foreign.id}/deactivate", {}, form_url="/sorting/partners")
    db.session.refresh(foreign)
    assert foreign.active is True


def test_a_coordinator_registers_a_partner_for_an_operator(client, login_as):
    login_as("coordinator")
    operator = factories.OrganisationFactory()
    db.session.commit()
    form = _partner_form(kind="carrier", albo_number="mi 12345", **NO_PLANT)
    assert post_form(client, "/sorting/partners/new", form | {"organisation_id": operator.id}).status_code == 302
    found = db.session.scalar(select(OutboundPartner))
    assert (found.organisation_id, found.albo_number) == (operator.id, "MI/12345")
