"""Malformed but plausible API input: a clear JSON error naming the field, never a 500, nothing written."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from app.api.openapi import openapi_document
from app.collection.models import FillReading, Pickup
from app.extensions import db

URL = "/api/v1/pickups"


def _count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _raw(client, token, url: str, raw: str):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1", "Content-Type": "application/json"}
    return client.post(url, data=raw, headers=headers)


_RECENT = '"collected_at": "2026-01-01T08:00:00+01:00", "weight_kg": 10'


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        ('{"bin_id": 2147483648, "weight_kg": 10}', 422, "bin_id"),
        ('{"bin_id": 9223372036854775808, "weight_kg": 10}', 422, "bin_id"),
        ('{"bin_code": "VS-0123", "operator_id": -9223372036854775809, "weight_kg": 10}', 422, "operator_id"),
        ('{"bin_code": "VS-0123", "fill_percent": 4294967296}', 422, "fill_percent"),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "notes": "a\\u0000b"}', 422, "notes"),
        ('{"bin_code": "VS-\\u0000123", "weight_kg": 10}', 422, "bin_code"),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "notes": "\\ud800"}', 422, "notes"),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "incidents": ["overflow", "\\udfff"]}', 422, "incidents[1]"),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "\\u0000": 1}', 422, "body"),
        ("[" * 100_000 + "]" * 100_000, 400, "body"),
        ('{"bin_code": "VS-0123", "notes": ' + "[" * 50 + "]" * 50 + "}", 400, "notes" + "[0]" * 16),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "collected_at": "0001-01-01T00:00:00+23:59"}', 422, "collected_at"),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "collected_at": "9999-12-31T23:59:59-23:59"}', 422, "collected_at"),
        ('{"bin_code": "VS-0123", "weight_kg": 10, "collected_at": "1999-12-31T23:59:00+00:00"}', 422, "collected_at"),
        ('{"bin_code": "VS-0123", ' + _RECENT + ', "x": 1e999999}', 422, "x"),
        ('{"bin_code": "VS-0123", "weight_kg": 10', 400, "body"),
    ],
    ids=[
        "int32-overflow", "int64-overflow", "negative-int64", "fill-overflow", "nul-notes", "nul-code",
        "surrogate-notes", "surrogate-in-list", "nul-key", "deep-100000", "deep-50", "year-1-offset",
        "year-9999-offset", "before-2000", "unknown-field", "truncated",
    ],
)  # fmt: skip
def test_hostile_pickup_bodies_are_clear_json_errors_and_write_nothing(client, token, bin_, raw, status, field):
    response = _raw(client, token, URL, raw)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"]
    assert _count(Pickup) == 0


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+23:59", "1970-01-01T00:00:00+00:00"], ids=["year-1", "1970"])
def test_a_fill_reading_dated_before_2000_is_refused_naming_the_field(client, token, bin_, when):
    raw = json.dumps({"fill_percent": 50, "measured_at": when})
    response = _raw(client, token, f"/api/v1/bins/{bin_.id}/fill-readings", raw)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "measured_at"
    assert _count(FillReading) == 0


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+23:59"])
def test_a_forecast_at_an_impossible_date_is_a_422_naming_at(client, token, bin_, at):
    response = client.get(
        f"/api/v1/bins/{bin_.id}/forecast", query_string={"at": at}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "at"


@pytest.mark.parametrize("bin_id", [2**31, 2**63, 10**30])
def test_an_id_too_large_for_the_database_in_the_url_is_a_json_404(client, token, bin_id):
    response = client.get(f"/api/v1/bins/{bin_id}/forecast", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "http_404"


def test_the_documented_idempotency_key_is_exactly_what_the_server_accepts():
    schema = openapi_document()["components"]["parameters"]["IdempotencyKey"]["schema"]
    assert (schema["minLength"], schema["maxLength"]) == (1, 100)
    pattern = re.compile(schema["pattern"])
    assert pattern.search("3f2b9c1e-uuid") and pattern.search("invio 42")
    for refused in ("", " ", "clé", "a\tb", "a\x00b", "ключ"):
        assert not pattern.search(refused), refused
