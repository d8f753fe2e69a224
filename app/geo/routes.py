"""JSON for the place picker of the forms: addresses found, and the comune of a point (signed-in users)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from app.errors import DomainError, ValidationError, error_payload
from app.extensions import db, limiter
from app.geo import geocoding
from app.geo.services import comune_at, comuni_outlines

bp = Blueprint("geo", __name__, url_prefix="/geo")


def _search_limit() -> str:
    return str(current_app.config["GEOCODER_RATE_LIMIT"])


def _user_key() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else get_remote_address()


def _comune(lon: float, lat: float) -> dict[str, Any]:
    """The comune of the point, or why there is none (outside the metropolitan area)."""
    try:
        comune = comune_at(lon, lat)
    except DomainError as error:
        return {"comune": None, "comune_code": None, "problem": error.message}
    return {"comune": comune.name, "comune_code": comune.istat_code, "problem": None}


@bp.route("/places")
@login_required
@limiter.limit(_search_limit, key_func=_user_key)
def places() -> Any:
    """Places for ``q``: the configured geocoder's (cached), else the comune named in it."""
    text = request.args.get("q", "").strip()
    if len(text) < 3:
        raise ValidationError(_("Scrivi almeno 3 caratteri dell'indirizzo."), field="q")
    found = geocoding.search(text)
    local = geocoding.comune_named(text) if not found else None
    found = found or ([local] if local else [])
    db.session.commit()  # the geocoder's answer, kept for the next identical search
    return jsonify(
        {
            "geocoder": geocoding.configured() is not None,
            "places": [asdict(place) | _comune(place.lon, place.lat) for place in found],
        }
    )


@bp.route("/comune")
@login_required
@limiter.limit("120 per minute", key_func=_user_key)
def comune() -> Any:
    """The comune of ``lon``, ``lat`` by the ISTAT boundaries; 422 with the reason outside the area."""
    try:
        lon, lat = float(request.args.get("lon", "")), float(request.args.get("lat", ""))
    except ValueError:
        lon = lat = math.nan
    found = _comune(lon, lat)
    if found["problem"]:
        return jsonify(error_payload("outside_area", found["problem"], "lon")), 422
    return jsonify(found | {"lon": lon, "lat": lat})


@bp.route("/comuni.json")
@login_required
def outlines() -> Any:
    response = jsonify(comuni_outlines())
    response.cache_control.max_age = 3600
    return response
