"""Malformed but plausible input on the pages: ids, query filters, NUL characters; never a 500."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.app import factories
from tests.app.conftest import csrf_token


@pytest.mark.parametrize(
    "url", ["/bins/2147483648", "/collection/pickups/9223372036854775808", "/rounds/99999999999999999999999"]
)
def test_an_id_too_large_for_the_database_in_a_url_is_a_404(client, login_as, url):
    login_as("coordinator")
    response = client.get(url)
    assert response.status_code == 404
    assert "Pagina non trovata." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/bins/?operator=99999999999", "operator"),
        ("/bins/map.geojson?operator=-9223372036854775809", "operator"),
        ("/bins/?page=9223372036854775808", "page"),
        ("/collection/pickups?bin=2147483648", "bin"),
        ("/collection/pickups?operator=" + "9" * 5000, "operator"),
    ],
)
def test_a_filter_number_no_id_can_have_is_a_422_naming_it(client, login_as, url, field):
    login_as("coordinator")
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_a_filter_that_is_no_number_is_ignored_as_before(client, login_as):
    login_as("coordinator")
    assert client.get("/bins/?operator=abc&page=-").status_code == 200


def test_a_nul_character_in_a_search_is_dropped(client, login_as):
    user = login_as("coordinator")
    factories.BinFactory(code="VS-0001", operator=user.organisation)
    response = client.get("/bins/?q=VS-00%0001&comune=%00&stream=a%00b")
    assert response.status_code == 200
    assert "VS-0001" in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_is_refused_with_a_message_and_changes_nothing(client):
    factories.UserFactory(email="admin@fitmi.it")
    db.session.commit()
    email = "admin\x00@fitmi.it"
    response = client.post("/login", data={"email": email, "password": "x", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "carattere nullo (NUL)" in client.get("/login").get_data(as_text=True)
    assert client.get("/").headers["Location"].startswith("/login")  # not logged in
