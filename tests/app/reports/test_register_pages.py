"""The register pages and downloads: who sees what, the exports, and bad input as a clear message."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.reports import registers
from app.reports.models import RegisterEntry
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.reports.chain import build


@pytest.fixture
def chain(clock):
    return build(clock)


def _annotated(chain):
    entries = registers.annotate(chain.plant.id, None)
    db.session.commit()
    return entries


def test_a_coordinator_annotates_the_new_movements_and_sees_the_register(client, login_as, chain):
    login_as("coordinator")
    url = f"/reports/registers/{chain.plant.id}/2026"
    page = client.get(url).get_data(as_text=True)
    assert "4 movimenti non ancora annotati" in page and "non è il registro cronologico" in page
    response = post_form(client, f"/reports/registers/{chain.plant.id}/annotate", {}, form_url=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert page.count("data-number=") == 4 and "senza FIR (art. 193 c.4)" in page and "FIR mancante" in page
    assert "non ancora annotati" not in page


def test_the_exports_download_csv_and_rentri_batches(client, login_as, chain):
    _annotated(chain)
    login_as("coordinator")
    csv = client.get(f"/reports/registers/{chain.plant.id}/2026/register.csv")
    assert csv.status_code == 200 and csv.get_data(as_text=True).count("\r\n") == 5
    batch = client.get(f"/reports/registers/{chain.plant.id}/2026/rentri-1.json")
    assert batch.status_code == 200 and len(json.loads(batch.get_data(as_text=True))) == 4
    missing = client.get(f"/reports/registers/{chain.plant.id}/2026/rentri-2.json")
    assert missing.status_code == 404 and "ne ha 1" in missing.get_data(as_text=True)


def test_an_entry_is_corrected_through_its_page(client, login_as, chain):
    drop_off = _annotated(chain)[1]
    login_as("coordinator")
    url = f"/reports/registers/entry/{drop_off.id}"
    assert "numero_registrazione" in client.get(url).get_data(as_text=True)
    bad = post_form(client, url, {"weight_kg": "98,5", "fir_number": "", "reason": "Pesata errata"})
    assert bad.status_code == 302 and "richiede il numero del FIR" in client.get(url).get_data(as_text=True)
    assert db.session.query(RegisterEntry).filter_by(corrects_id=drop_off.id).count() == 0
    done = post_form(client, url, {"weight_kg": "98,5", "fir_number": "FIR AB 1/26", "reason": "Pesata errata"})
    assert done.status_code == 302
    fixed = db.session.query(RegisterEntry).filter_by(corrects_id=drop_off.id).one()
    assert (fixed.number, str(fixed.weight_kg)) == (5, "98.5")


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/reports/registers/{plant}/20x6", 422, "quattro cifre"),
        ("/reports/registers/{plant}/2040", 422, "intervallo"),
        ("/reports/registers/999999/2026", 404, "Impianto sconosciuto"),
        ("/reports/registers/{plant}/1999/annual", 422, "intervallo"),
        ("/reports/reuse/abcd", 422, "quattro cifre"),
    ],
)
def test_bad_input_is_a_clear_italian_message_never_a_500(client, login_as, chain, path, status, words):
    login_as("coordinator")
    response = client.get(path.format(plant=chain.plant.id))
    assert response.status_code == status and words in response.get_data(as_text=True)


def test_bad_input_asked_as_json_answers_json_with_the_field(client, login_as, chain):
    login_as("coordinator")
    response = client.get(
        f"/reports/registers/{chain.plant.id}/26/register.csv", headers={"Accept": "application/json"}
    )
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "year"


def test_an_operator_of_another_organisation_is_refused_the_plant(client, login_as, chain):
    login_as("operator")
    for path in ("", "/register.csv", "/rentri-1.json", "/annual"):
        response = client.get(f"/reports/registers/{chain.plant.id}/2026{path}")
        assert response.status_code == 403, path
    assert "organizzazione" in client.get(f"/reports/registers/{chain.plant.id}/2026").get_data(as_text=True)


def test_an_operator_of_the_plant_sees_its_register(client, login_as, chain):
    organisation = factories.OrganisationFactory()
    chain.plant.organisation_id = organisation.id
    db.session.commit()
    login_as("operator", organisation=organisation)
    assert client.get(f"/reports/registers/{chain.plant.id}/2026").status_code == 200
    assert chain.plant.name in client.get("/reports/registers").get_data(as_text=True)


@pytest.mark.parametrize("role", ["driver", "social_worker"])
def test_drivers_and_social_workers_see_no_registers(client, login_as, chain, role):
    login_as(role)
    assert client.get(f"/reports/registers/{chain.plant.id}/2026").status_code == 403
    assert client.get("/reports/reuse/2026").status_code == 403


def test_without_login_only_open_data_is_served(client, chain):
    assert client.get(f"/reports/registers/{chain.plant.id}/2026").status_code == 302
    assert client.get("/reports/opendata").status_code == 200


def test_the_annual_summary_and_the_reuse_report_pages(client, login_as, chain):
    login_as("coordinator")
    annual = client.get(f"/reports/registers/{chain.plant.id}/2026/annual").get_data(as_text=True)
    assert "500,0 kg" in annual and "riutilizzo (merce con DDT)" in annual
    csv = client.get(f"/reports/registers/{chain.plant.id}/2026/annual.csv").get_data(as_text=True)
    assert "destinazione;015146" in csv
    reuse = client.get("/reports/reuse/2026").get_data(as_text=True)
    assert 'data-tonnes="0.060"' in reuse and "2021/19" in reuse
    assert client.get("/reports/reuse/2026.json").get_json()["total_tonnes"] == 0.06
