"""The OpenAPI 3.1 description of the JSON API, written by hand next to the schemas it describes."""

from __future__ import annotations

from typing import Any

from app.collection.models import IncidentCode
from app.collection.services import MAX_FILL_PERCENT
from app.core.inputs import INT_MAX, INT_MIN

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["validation_error"]},
                "message": {"type": "string", "description": "In Italian by default."},
                "field": {
                    "type": "string",
                    "description": "The body field or header at fault.",
                    "examples": ["weight_kg"],
                },
            },
        }
    },
}
_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with offset, from 2000 to 2099; not in the future.",
}
_ID = {"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX}
_PICKUP_IN = {
    "type": "object",
    "additionalProperties": False,
    "description": "The bin by `bin_id` or `bin_code` (+ `operator_id` when two operators share a code).",
    "properties": {
        "bin_id": _ID,
        "bin_code": {"type": "string", "examples": ["VS-0123"]},
        "operator_id": _ID,
        "vehicle_id": {
            **_ID,
            "description": "The vehicle carrying it to the plant (of your organisation); intake lists pickups by it.",
        },
        "collected_at": {**_TIME, "description": "Default: when the server receives it."},
        "weight_kg": {
            "type": ["number", "null"],
            "minimum": 0,
            "description": "Weighed kg, at most twice the bin's nominal full weight. NaN and Infinity are refused.",
        },
        "fill_percent": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_FILL_PERCENT},
        "incidents": {"type": "array", "items": {"type": "string", "enum": [c.value for c in IncidentCode]}},
        "notes": {"type": "string", "maxLength": 2000},
    },
}
_PICKUP_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "bin_id": {"type": "integer"},
        "bin_code": {"type": "string"},
        "collected_at": _TIME,
        "weight_kg": {"type": ["number", "null"]},
        "fill_percent": {"type": ["integer", "null"]},
        "incidents": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "string"},
        "source": {"type": "string"},
        "corrects_id": {"type": ["integer", "null"]},
        "vehicle_id": {"type": ["integer", "null"]},
    },
}
_READING_IN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["fill_percent"],
    "properties": {
        "fill_percent": {"type": "integer", "minimum": 0, "maximum": MAX_FILL_PERCENT},
        "measured_at": _TIME,
        "device": {"type": "string", "maxLength": 60},
    },
}
_FORECAST = {
    "type": "object",
    "properties": {
        "bin_id": {"type": "integer"},
        "bin_code": {"type": "string"},
        "full_weight_kg": {"type": "integer"},
        "predicted_kg": {"type": "number"},
        "fill_ratio": {"type": "number"},
        "overflow_probability": {"type": "number", "minimum": 0, "maximum": 1},
        "full_date": {"type": ["string", "null"], "format": "date"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {s: {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def _paths() -> dict[str, Any]:
    pickups = {
        "post": {
            "operationId": "createPickup",
            "summary": "Log a pickup (an emptying) of a bin",
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _PICKUP_IN}}},
            "responses": {
                "201": _json({"type": "object", "properties": {"pickup": _PICKUP_OUT}}, "Created."),
                "200": {
                    **_json({"type": "object", "properties": {"pickup": _PICKUP_OUT}}, "Replay of the first answer."),
                    "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}},
                },
                **_errors("400", "401", "403", "404", "409", "422"),
            },
        }
    }
    readings = {
        "post": {
            "operationId": "createFillReading",
            "summary": "Store a fill level measured by a sensor",
            "parameters": [{"$ref": "#/components/parameters/BinId"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _READING_IN}}},
            "responses": {"201": _json({"type": "object"}, "Stored."), **_errors("400", "401", "403", "404", "422")},
        }
    }
    forecast = {
        "get": {
            "operationId": "getBinForecast",
            "summary": "Predicted kg, overflow probability and full date of a bin",
            "parameters": [
                {"$ref": "#/components/parameters/BinId"},
                {"name": "at", "in": "query", "required": False, "schema": _TIME},
            ],
            "responses": {
                "200": _json({"type": "object", "properties": {"forecast": _FORECAST}}, "The forecast."),
                **_errors("401", "403", "404", "422"),
            },
        }
    }
    return {
        "/api/v1/pickups": pickups,
        "/api/v1/bins/{bin_id}/fill-readings": readings,
        "/api/v1/bins/{bin_id}/forecast": forecast,
    }


def _components() -> dict[str, Any]:
    responses = {
        f"E{status}": _json({"$ref": "#/components/schemas/Error"}, text)
        for status, text in {
            "400": "Missing Idempotency-Key, bad JSON, or no X-CSRFToken on a session request.",
            "401": "Authentication required.",
            "403": "The bin is another organisation's, or the role may not log pickups.",
            "404": "Not found.",
            "409": "Idempotency-Key already used for a different body.",
            "422": "Invalid field (`error.field` names it); nothing was written.",
        }.items()
    }
    return {
        "schemas": {"Error": _ERROR},
        "responses": responses,
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "One per submission (e.g. a UUID); resend the same key with the same body.",
                # What idempotency.check_key accepts: 1-100 printable ASCII characters, not only spaces.
                "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[ -~]*[!-~][ -~]*$"},
            },
            "BinId": {"name": "bin_id", "in": "path", "required": True, "schema": {**_ID, "minimum": 0}},
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "`flask api create-token EMAIL`"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "Plus X-CSRFToken."},
        },
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "FIT-MI Logistics API", "version": "1.0.0", "license": {"name": "AGPL-3.0-or-later"}},
        "paths": _paths(),
        "components": _components(),
        "security": [{"bearer": []}, {"session": []}],
    }
