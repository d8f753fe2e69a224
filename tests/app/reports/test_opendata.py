"""Open data: bins and monthly kg by comune, public, with licence, attribution and small counts suppressed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.extensions import db
from app.reports import opendata
from tests.app import factories
from tests.app.reports.chain import build, hand_over


@pytest.fixture
def chain(clock):
    return build(clock)


def test_monthly_kilos_by_comune_and_households_below_five_are_suppressed(chain):
    for _ in range(5):
        hand_over(factories.HouseholdFactory(), chain.session, 1, None)  # 5 families in Milano
    hand_over(factories.HouseholdFactory(comune_code="015209"), chain.session, 1, None)  # 1 in Sesto
    db.session.commit()
    found = {(r.comune_code, r.month): (r.weight_kg, r.households) for r in opendata.monthly_by_comune(2026)}
    assert found[(factories.MILANO, "2026-11")] == (Decimal("300.0"), 0)
    assert found[(factories.MILANO, "2026-12")] == (Decimal("0"), 5)
    assert found[("015209", "2026-12")] == (Decimal("0"), None)  # 1 family: suppressed
    assert found[("015209", "2026-11")] == (Decimal("100.0"), 0)


def test_the_files_are_public_and_state_licence_attribution_and_rule(client, chain):
    bins = client.get("/reports/opendata/bins.csv")
    assert bins.status_code == 200 and "access_notes" not in bins.get_data(as_text=True)
    assert "CC BY 4.0" in bins.get_data(as_text=True)
    geo = json.loads(client.get("/reports/opendata/bins.geojson").get_data(as_text=True))
    assert geo["metadata"]["licence"] == "CC BY 4.0" and len(geo["features"]) == 2
    assert set(geo["features"][0]["properties"]) == set(opendata.BIN_HEADER)
    monthly = client.get("/reports/opendata/2026/comuni.csv").get_data(as_text=True)
    assert "soppress" in monthly and "ISTAT" in monthly
    comuni = json.loads(client.get("/reports/opendata/2026/comuni.geojson").get_data(as_text=True))
    assert comuni["metadata"]["suppression_rule"] == opendata.SUPPRESSION_RULE
    page = client.get("/reports/opendata").get_data(as_text=True)
    assert "da 1 a 4" in page and "openpolis" in page


def test_a_bad_year_in_open_data_is_a_clear_error(client, chain):
    response = client.get("/reports/opendata/20x6/comuni.csv")
    assert response.status_code == 422 and "quattro cifre" in response.get_data(as_text=True)
    response = client.get("/reports/opendata/1999/comuni.geojson", headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "year"
