"""What the bin pages show from collection (fill forecasts, pickup history and chart, the pickup and public QR
codes, citizens' reports)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select

from app.bins import fill
from app.bins.models import Bin, BinStatus
from app.collection import charts, citizen_reports, queries
from app.collection.fill_chart import fill_chart
from app.collection.forecast import fill_curve, forecast_bins
from app.collection.forms import INCIDENT_LABELS
from app.collection.models import CitizenReport
from app.core.clock import utcnow
from app.extensions import db


def _detail(bin_: Bin) -> dict[str, Any]:
    pickups = queries.pickup_history(bin_)
    pickup_url = charts.pickup_form_url(bin_)
    return {
        "pickups": pickups[::-1],
        "chart": charts.pickup_chart(bin_, pickups),
        "fill_chart": fill_chart(bin_, fill_curve(bin_.id, utcnow())),
        # only an active bin is emptied: the service refuses the others, so the page does not offer it
        "can_log_pickup": bin_.status == BinStatus.ACTIVE,
        "pickup_kg": charts.pickup_kg,
        "qr": charts.qr_svg(pickup_url),
        "pickup_url": pickup_url,
        "incident_labels": INCIDENT_LABELS,
        **_citizen_side(bin_),
    }


def _citizen_side(bin_: Bin) -> dict[str, Any]:
    """The bin's public page (its QR sticker, for staff to print) and what citizens reported there."""
    public_url = url_for("public.bin_page", public_code=bin_.public_code, _external=True)
    latest = select(CitizenReport).where(CitizenReport.bin_id == bin_.id)
    return {
        "public_url": public_url,
        "public_qr": charts.qr_svg(public_url),
        "citizen_reports": list(db.session.scalars(latest.order_by(CitizenReport.reported_at.desc()).limit(20))),
        "citizen_kind_labels": citizen_reports.KIND_LABELS,
        "citizen_status_labels": citizen_reports.STATUS_LABELS,
    }


def register() -> None:
    """Called once by ``create_app``."""
    fill.register(fill.FillSource(forecasts=forecast_bins, detail=_detail))
