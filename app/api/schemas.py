"""JSON outputs of the API (the inputs are parsed by ``app.collection.schemas``)."""

from __future__ import annotations

from typing import Any

from app.bins.models import Bin
from app.collection.forecast import BinForecast
from app.collection.models import FillReading, Pickup


def pickup_json(pickup: Pickup) -> dict[str, Any]:
    return {
        "id": pickup.id,
        "bin_id": pickup.bin_id,
        "bin_code": pickup.bin.code,
        "collected_at": pickup.collected_at.isoformat(),
        "weight_kg": float(pickup.weight_kg) if pickup.weight_kg is not None else None,
        "fill_percent": pickup.fill_percent,
        "incidents": pickup.incident_codes,
        "notes": pickup.notes,
        "source": pickup.source,
        "corrects_id": pickup.corrects_id,
        "vehicle_id": pickup.vehicle_id,
    }


def forecast_json(bin_: Bin, forecast: BinForecast) -> dict[str, Any]:
    return {
        "bin_id": bin_.id,
        "bin_code": bin_.code,
        "full_weight_kg": bin_.full_weight_kg,
        "predicted_kg": round(forecast.predicted_kg, 1),
        "fill_ratio": round(forecast.fill_ratio, 3),
        "overflow_probability": round(forecast.overflow_probability, 3),
        "full_date": forecast.full_date.isoformat() if forecast.full_date else None,
    }


def reading_json(reading: FillReading) -> dict[str, Any]:
    return {
        "id": reading.id,
        "bin_id": reading.bin_id,
        "measured_at": reading.measured_at.isoformat(),
        "fill_percent": reading.fill_percent,
        "device": reading.device,
    }
