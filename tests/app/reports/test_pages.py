"""The KPI page and its exports: who may see what, bad filters, CSV and XLSX drawn from the same tables."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.app import factories

AUTUMN = "start=2026-10-01&end=2026-11-30"


def test_a_coordinator_sees_every_kpi_with_charts_that_say_what_they_show(month, login_as, client):
    login_as("coordinator")
    response = client.get(f"/reports/kpi?{AUTUMN}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-kpi="kg">383,2 kg' in html
    for key in ("mesi", "comuni", "gestori", "selezione", "capi", "famiglie", "logistica", "co2e", "simbiosi"):
        assert f'id="kpi-{key}"' in html and f'data-table="{key}"' in html
    assert html.count('<svg role="img" aria-label="') == 8
    assert "Kg raccolti ai contenitori per mese: in totale 383,2 kg in 3 svuotamenti." in html
    assert 'id="kpi-map-data"' in html


def test_the_default_period_is_this_year_to_date(month, login_as, client):
    login_as("admin")
    html = client.get("/reports/kpi").get_data(as_text=True)
    assert "Periodo dal 01/01/2026 al 03/12/2026." in html


def test_an_operator_sees_only_their_organisation(month, login_as, client):
    login_as("operator", organisation=month.other)
    html = client.get(f"/reports/kpi?{AUTUMN}").get_data(as_text=True)
    assert 'data-kpi="kg">33,2 kg' in html
    response = client.get(f"/reports/kpi?{AUTUMN}&operator_id={month.operator.id}")
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["driver", "social_worker"])
def test_drivers_and_social_workers_are_refused(month, login_as, client, role):
    login_as(role)
    assert client.get("/reports/kpi").status_code == 403
    assert client.get("/reports/kpi/comuni.csv").status_code == 403


def test_bad_filters_answer_422_in_italian_with_the_field(month, login_as, client):
    login_as("coordinator")
    page = client.get("/reports/kpi?start=2026-11-30&end=2026-10-01")
    assert page.status_code == 422 and "La data finale precede quella iniziale." in page.get_data(as_text=True)
    assert client.get("/reports/kpi?start=2020-01-01&end=2026-01-01").status_code == 422
    assert client.get("/reports/kpi?start=not-a-date").status_code == 422
    assert client.get("/reports/kpi?stream=compost").status_code == 422
    export = client.get("/reports/kpi/mesi.csv?start=2026-11-30&end=2026-10-01")
    assert export.status_code == 422
    assert export.json == {
        "error": "invalid_filter",
        "message": "Filtro non valido.",
        "fields": {"end": ["La data finale precede quella iniziale."]},
    }


def test_unknown_tables_and_formats_are_not_found(month, login_as, client):
    login_as("coordinator")
    for url in ("/reports/kpi/nulla.csv", "/reports/kpi/mesi.pdf", "/reports/kpi/tutti.csv"):
        assert client.get(url).status_code == 404


def test_the_csv_of_a_table_follows_the_house_conventions(month, login_as, client):
    login_as("coordinator")
    response = client.get(f"/reports/kpi/gestori.csv?{AUTUMN}")
    lines = response.get_data(as_text=True).lstrip("\ufeff").split("\r\n")
    assert response.mimetype == "text/csv"
    assert lines[0] == "Gestore;Kg raccolti;Svuotamenti"
    assert lines[1] == f"{month.operator.name};350.0;2".replace("350.0", "350,0")
    assert lines[2] == f"{month.other.name};33,2;1"


def test_the_xlsx_holds_every_table_with_numbers_as_numbers(month, login_as, client):
    login_as("coordinator")
    response = client.get(f"/reports/kpi/tutti.xlsx?{AUTUMN}")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert len(book.sheetnames) == 9
    months = list(book["Kg raccolti per mese"].iter_rows(values_only=True))
    assert months[0] == ("Mese", "Kg raccolti") and [r[1] for r in months[1:]] == [50, 333.2]
    one = load_workbook(io.BytesIO(client.get(f"/reports/kpi/famiglie.xlsx?{AUTUMN}").data), read_only=True)
    rows = list(one.active.iter_rows(values_only=True))
    assert rows[1:] == [(factories.MILANO, "Milano", 1, 1), ("015209", "Sesto San Giovanni", 1, 2)]


def test_the_page_speaks_english_too(month, login_as, client):
    login_as("coordinator", locale="en")
    html = client.get(f"/reports/kpi?{AUTUMN}").get_data(as_text=True)
    assert "Kg collected by month" in html
