"""What the bin pages show from collection (fill forecasts, pickup history and chart, the pickup QR code)."""

from __future__ import annotations

from typing import Any

from app.bins import fill
from app.bins.models import Bin
from app.collection import charts, queries
from app.collection.forecast import forecast_bins
from app.collection.forms import INCIDENT_LABELS


def _detail(bin_: Bin) -> dict[str, Any]:
    pickups = queries.pickup_history(bin_)
    pickup_url = charts.pickup_form_url(bin_)
    return {
        "pickups": pickups[::-1],
        "chart": charts.pickup_chart(bin_, pickups),
        "pickup_kg": charts.pickup_kg,
        "qr": charts.qr_svg(pickup_url),
        "pickup_url": pickup_url,
        "incident_labels": INCIDENT_LABELS,
    }


def register() -> None:
    """Called once by ``create_app``."""
    fill.register(fill.FillSource(forecasts=forecast_bins, detail=_detail))
