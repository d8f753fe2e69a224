"""JSON bodies of pickups and fill readings: strict parsing into service inputs (errors name the field).

The API and the rounds' driver mode both submit pickups, so the parsing lives next to the pickup service.
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from app.collection.services import PickupData
from app.core.inputs import bounded_int, plausible_moment
from app.errors import ValidationError

PICKUP_FIELDS = {
    "bin_id",
    "bin_code",
    "operator_id",
    "vehicle_id",
    "collected_at",
    "weight_kg",
    "fill_percent",
    "incidents",
    "notes",
}
READING_FIELDS = {"fill_percent", "measured_at", "device"}


def json_object(payload: Any, allowed: AbstractSet[str]) -> dict[str, Any]:
    """A JSON object with no field outside ``allowed`` (the first unknown one is named)."""
    if not isinstance(payload, dict):
        raise ValidationError(_("Il corpo della richiesta deve essere un oggetto JSON."), field="body")
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise ValidationError(_("Campo sconosciuto: %(name)s.", name=unknown[0]), field=unknown[0])
    return payload


def _integer(payload: dict[str, Any], name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Serve un numero intero."), field=name)
    return bounded_int(value, name)


def _number(payload: dict[str, Any], name: str) -> Decimal | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(_("Serve un numero (in kg, con il punto decimale)."), field=name)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(_("Peso non valido: serve un numero finito (non NaN o Infinity)."), field=name)
    return Decimal(str(value))


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Serve un testo."), field=name)
    return value


def _moment(payload: dict[str, Any], name: str) -> datetime | None:
    return parse_moment(payload.get(name), name)


def parse_moment(value: Any, name: str) -> datetime | None:
    """An ISO 8601 time with its offset, or None when absent."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError(_("Data e ora ISO 8601 con fuso orario, es. 2026-03-14T08:30:00+01:00."), field=name)
    return plausible_moment(moment, name)


def _incidents(payload: dict[str, Any]) -> list[str]:
    value = payload.get("incidents") or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Serve un elenco di codici di segnalazione."), field="incidents")
    return value


def parse_pickup(payload: Any) -> PickupData:
    """A pickup submission: the bin by ``bin_id`` or by ``bin_code`` (with ``operator_id`` if ambiguous)."""
    body = json_object(payload, PICKUP_FIELDS)
    bin_id, code = _integer(body, "bin_id"), _text(body, "bin_code")
    if bin_id is None and not code.strip():
        raise ValidationError(_("Indica il contenitore (bin_id o bin_code)."), field="bin_id")
    return PickupData(
        bin_id=bin_id,
        code=code,
        operator_id=_integer(body, "operator_id"),
        vehicle_id=_integer(body, "vehicle_id"),
        collected_at=_moment(body, "collected_at"),
        weight_kg=_number(body, "weight_kg"),
        fill_percent=_integer(body, "fill_percent"),
        incidents=_incidents(body),
        notes=_text(body, "notes"),
    )


def parse_reading(payload: Any) -> tuple[int, datetime | None, str]:
    body = json_object(payload, READING_FIELDS)
    fill = _integer(body, "fill_percent")
    if fill is None:
        raise ValidationError(_("Campo obbligatorio."), field="fill_percent")
    return fill, _moment(body, "measured_at"), _text(body, "device")
