"""The pickup form finds the bin: code suggestions, a scanned QR (either sticker), «Correggi» after saving."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.bins.models import BinStatus
from app.core.clock import local_now
from tests.app.conftest import post_form
from tests.app.factories import BinFactory, OrganisationFactory

URL = "/collection/pickups/new"


def when() -> str:
    return (local_now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def driver(login_as: Any) -> Any:
    return login_as("driver")


def test_typing_part_of_a_code_suggests_the_drivers_active_bins_prefix_first(client: Any, driver: Any) -> None:
    mine = driver.organisation
    BinFactory(code="VS-0120", operator=mine, street_name="Padova")
    BinFactory(code="AB-VS-012", operator=mine)
    BinFactory(code="VS-0121", operator=mine, status=BinStatus.INACCESSIBLE)
    BinFactory(code="VS-0122", operator=OrganisationFactory())  # another operator's
    bins = client.get("/collection/bins/suggest?q=vs-012").get_json()["bins"]
    assert [b["code"] for b in bins] == ["VS-0120", "AB-VS-012"]
    assert "Via Padova" in bins[0]["address"] and bins[0]["operator"] == mine.id
    assert client.get("/collection/bins/suggest?q=").get_json() == {"bins": []}
    assert client.get("/collection/bins/suggest?q=%25").get_json() == {"bins": []}  # % is a character, not a wildcard


@pytest.mark.parametrize(
    "scanned",
    [
        "http://localhost/collection/pickups/new?code=VS-0777&operator={operator}",
        "https://fitmi.example.org/pubblico/contenitori/{public}",
        "{public}",
        "vs-0777",
    ],
)
def test_a_scanned_qr_resolves_to_the_bin(client: Any, driver: Any, scanned: str) -> None:
    bin_ = BinFactory(code="VS-0777", operator=driver.organisation)
    text = scanned.format(operator=bin_.operator_id, public=bin_.public_code)
    response = client.get("/collection/bins/scan", query_string={"text": text})
    assert response.status_code == 200
    assert response.get_json()["bin"]["code"] == "VS-0777"


def test_a_qr_of_nothing_the_driver_can_empty_is_refused_in_italian(client: Any, driver: Any) -> None:
    other = BinFactory(code="XX-1", operator=OrganisationFactory())
    for text in ("https://example.org/altro", f"/pubblico/contenitori/{other.public_code}", other.public_code, "<>"):
        response = client.get("/collection/bins/scan", query_string={"text": text})
        assert response.status_code == 404
        assert "QR non riconosciuto" in response.get_json()["error"]


def test_after_saving_the_form_offers_to_correct_the_pickup_just_saved(client: Any, driver: Any) -> None:
    BinFactory(code="VS-0123", operator=driver.organisation)
    response = post_form(client, URL, {"code": "VS-0123", "weight_kg": "120,5", "collected_at": when()})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="last-saved"' in page and "Correggi" in page
    link = page[page.index('id="last-saved"') :]
    correct_url = link[link.index('href="') + 6 : link.index('"', link.index('href="') + 6)]
    assert correct_url.endswith("/correct")
    assert "Correggi svuotamento" in client.get(correct_url).get_data(as_text=True)


def test_correggi_is_not_offered_for_someone_elses_pickup(client: Any, driver: Any) -> None:
    html = client.get(f"{URL}?saved=999999").get_data(as_text=True)
    assert 'id="last-saved"' not in html
