"""One geocoder for every form: Nominatim or Photon answers (recorded), its usage policy, the comune of a point."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from app.core.clock import utcnow
from app.extensions import db
from app.geo.models import GeocodeAnswer
from tests.app.geo.recorded import TIMES_OUT, RecordedAdapter, recorded_geocoder


@pytest.fixture
def geocoder(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(provider: str = "nominatim") -> Any:
        monkeypatch.setitem(app.extensions, "geocoder", recorded_geocoder(provider))
        return RecordedAdapter.sent

    return use


@pytest.fixture
def worker(login_as: Any) -> Any:
    return login_as("social_worker")


@pytest.mark.parametrize("provider", ["nominatim", "photon"])
def test_an_address_is_found_with_its_parts_and_its_comune(client, worker, geocoder, provider):
    geocoder(provider)
    body = client.get("/geo/places?q=Via Padova 21, Milano").get_json()
    assert body["geocoder"] is True
    [place] = body["places"]
    assert (place["street"], place["civic"], place["cap"]) == ("Via Padova", "21", "20127")
    assert (round(place["lon"], 4), round(place["lat"], 4)) == (9.218, 45.4897)
    assert (place["comune"], place["comune_code"], place["problem"]) == ("Milano", "015146", None)


def test_nominatim_is_asked_as_its_policy_wants_and_a_repeated_search_is_answered_from_the_cache(
    client, worker, geocoder
):
    sent = geocoder("nominatim")
    for _ in range(3):
        assert client.get("/geo/places?q=Via Padova 21, Milano").get_json()["places"]
    assert len(sent) == 1 and db.session.scalar(select(func.count()).select_from(GeocodeAnswer)) == 1
    url, headers = sent[0]
    assert url.startswith("https://nominatim.example.org/search?")
    assert headers["User-Agent"] == "FIT-MI tests"
    asked = parse_qs(urlsplit(url).query)
    assert asked["countrycodes"] == ["it"] and asked["bounded"] == ["1"] and asked["accept-language"] == ["it"]
    west, south, east, north = (float(v) for v in asked["viewbox"][0].split(","))
    assert west < 9.19 < east and south < 45.46 < north  # the metropolitan area, from the loaded comuni


def test_an_answer_older_than_the_cache_days_is_asked_again_and_old_answers_are_deleted(
    app, client, worker, geocoder, monkeypatch
):
    sent = geocoder("nominatim")
    client.get("/geo/places?q=Via Padova 21, Milano")
    client.get("/geo/places?q=Via De Amicis, Rho")
    db.session.execute(update(GeocodeAnswer).values(fetched_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    client.get("/geo/places?q=Via Padova 21, Milano")
    assert len(sent) == 3  # asked again
    kept = db.session.scalars(select(GeocodeAnswer.query)).all()
    assert kept == ["Via Padova 21, Milano"]  # Rho's answer, too old, is gone


def test_photon_is_asked_within_the_metropolitan_area(client, worker, geocoder):
    sent = geocoder("photon")
    client.get("/geo/places?q=Via Padova 21, Milano")
    url, headers = sent[0]
    assert url.startswith("https://photon.example.org/api?") and headers["User-Agent"] == "FIT-MI tests"
    asked = parse_qs(urlsplit(url).query)
    west, south, east, north = (float(v) for v in asked["bbox"][0].split(","))
    assert west < 9.19 < east and south < 45.46 < north and "lang" not in asked


def test_a_geocoder_that_does_not_answer_gives_an_italian_message_not_an_error_page(client, worker, geocoder):
    geocoder("nominatim")
    response = client.get(f"/geo/places?q={TIMES_OUT}", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert "metti il segnaposto sulla mappa" in response.get_json()["error"]["message"]


def test_without_a_geocoder_a_comune_name_is_found_locally(client, worker):
    body = client.get("/geo/places?q=Rho").get_json()
    assert body["geocoder"] is False
    assert [(p["label"], p["comune"]) for p in body["places"]] == [("Rho", "Rho")]
    assert client.get("/geo/places?q=Atlantide").get_json()["places"] == []


def test_a_search_needs_three_letters(client, worker):
    response = client.get("/geo/places?q=ab", headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "q"


def test_the_comune_of_a_point_and_a_clear_refusal_outside_the_area(client, worker):
    assert client.get("/geo/comune?lon=9.0403&lat=45.5283").get_json()["comune"] == "Rho"
    outside = client.get("/geo/comune?lon=12.4964&lat=41.9028")
    assert outside.status_code == 422
    assert "fuori dall'area servita" in outside.get_json()["error"]["message"]
    swapped = client.get("/geo/comune?lon=45.5283&lat=9.0403").get_json()["error"]["message"]
    assert "invertite" in swapped
    assert client.get("/geo/comune?lon=abc&lat=").status_code == 422


def test_the_place_endpoints_need_a_signed_in_user(client):
    for url in ("/geo/places?q=Via Padova", "/geo/comune?lon=9.19&lat=45.46", "/geo/comuni.json"):
        assert client.get(url).status_code in (302, 401)


def test_searches_are_rate_limited_per_user(app, client, worker, geocoder, monkeypatch):
    geocoder("nominatim")
    monkeypatch.setitem(app.config, "GEOCODER_RATE_LIMIT", "2 per minute")
    codes = [client.get(f"/geo/places?q=Via Padova {n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]
