"""Sensor fill readings, the forecast endpoint, the OpenAPI document and the token command."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from openapi_spec_validator import validate
from sqlalchemy import select

from app.collection import services
from app.collection.models import ApiToken, FillReading
from app.core.clock import utcnow
from app.extensions import db
from tests.app.conftest import run_cli
from tests.app.factories import UserFactory


def test_a_sensor_reading_is_stored_and_sets_the_forecast_level(api, client, token, bin_, driver):
    data = services.PickupData(bin_id=bin_.id, weight_kg=Decimal("100"), collected_at=utcnow() - timedelta(days=6))
    services.record_pickup(data, driver)
    db.session.commit()
    response = api(f"/api/v1/bins/{bin_.id}/fill-readings", {"fill_percent": 80, "device": "sensore-17"}, key=None)
    assert response.status_code == 201
    assert db.session.scalar(select(FillReading.fill_percent)) == 80
    forecast = client.get(f"/api/v1/bins/{bin_.id}/forecast", headers={"Authorization": f"Bearer {token}"})
    assert forecast.get_json()["forecast"]["predicted_kg"] >= 0.8 * 350


def test_a_reading_out_of_range_is_refused(api, bin_):
    response = api(f"/api/v1/bins/{bin_.id}/fill-readings", {"fill_percent": 400}, key=None)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "fill_percent"


def test_the_openapi_document_is_valid_and_describes_the_pickup_endpoint(client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    assert (
        "Idempotency-Key" in str(document["paths"]["/api/v1/pickups"]["post"]["parameters"])
        or document["components"]["parameters"]["IdempotencyKey"]["name"] == "Idempotency-Key"
    )


def test_the_create_token_command_prints_a_token_stored_only_hashed(app):
    user = UserFactory(role="driver", email="furgone3@coop-esempio.it")
    result = run_cli(app, "api", "create-token", user.email, "--name", "furgone 3")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    stored = db.session.scalar(select(ApiToken))
    assert token.startswith("fitmi_")
    assert stored.token_hash != token
    assert token not in stored.prefix or len(stored.prefix) < len(token)
