"""Public pages, no login: where to give clothes, a bin's page (its QR sticker) and reports, the month's numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.bins.forms import STREAM_LABELS
from app.collection import citizen_reports
from app.core.clock import local_today
from app.core.photos import clean_photo
from app.errors import DomainError
from app.extensions import db, limiter
from app.public import geocoding, queries
from app.public.forms import ReportForm
from app.views import form_status

bp = Blueprint("public", __name__, url_prefix="/pubblico")


@bp.context_processor
def _layout() -> dict[str, Any]:
    return {"stream_labels": STREAM_LABELS, "lang_url": _lang_url}


def _lang_url(code: str) -> str:
    """This page in another language (remembered in the session cookie, no login needed)."""
    args = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}
    return url_for(request.endpoint or "public.where", **args)


def _point() -> tuple[float, float] | None:
    """The phone's position (``lat``, ``lon`` in the query), when it is a real point."""
    try:
        lat, lon = float(request.args.get("lat", "")), float(request.args.get("lon", ""))
    except ValueError:
        return None
    return (lon, lat) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


@bp.route("/")
def where() -> Any:
    """«Dove donare i tuoi abiti»: the nearest active bins to an address, a comune, a CAP or the phone's position."""
    text = request.args.get("q", "").strip()[:200]
    point, place, error = _point(), None, None
    if point is None and text:
        place = geocoding.locate(text)
        point = (place.lon, place.lat) if place else None
        error = None if place else _("Non troviamo «%(q)s»: prova con il nome del comune o il CAP.", q=text)
    near = queries.nearest_bins(*point) if point else None
    db.session.commit()  # a geocoder's answer, kept for the next identical search
    return render_template("public/where.html", q=text, place=place, near=near, error=error, located=point is not None)


def _report_ip_limit() -> str:
    return str(current_app.config["PUBLIC_REPORT_LIMIT_PER_IP"])


def _report_bin_limit() -> str:
    return str(current_app.config["PUBLIC_REPORT_LIMIT_PER_BIN"])


def _report_ip_bin_limit() -> str:
    return str(current_app.config["PUBLIC_REPORT_LIMIT_PER_IP_AND_BIN"])


def _bin_key() -> str:
    return "public-bin:" + str((request.view_args or {}).get("public_code", ""))


def _ip_bin_key() -> str:
    return f"{get_remote_address()}|{_bin_key()}"


@bp.route("/contenitori/<public_code>", methods=["GET", "POST"])
@limiter.limit(_report_ip_limit, methods=["POST"])
@limiter.limit(_report_ip_bin_limit, key_func=_ip_bin_key, methods=["POST"])
@limiter.limit(_report_bin_limit, key_func=_bin_key, methods=["POST"])
def bin_page(public_code: str) -> Any:
    """A bin's public page: where, what it takes, hours, directions, and the report form."""
    bin_ = queries.public_bin(public_code)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            photo = form.photo.data.read() if form.photo.data else b""
            citizen_reports.report(bin_, form.kind.data or "", clean_photo(photo))
        except DomainError as error:
            db.session.rollback()
            target = form.photo if error.field == "photo" else form.kind
            target.errors = [*target.errors, error.message]
        else:
            db.session.commit()
            return redirect(url_for("public.thanks", public_code=public_code))
    page = render_template("public/bin.html", bin=bin_, form=form, directions=queries.directions(bin_.lon, bin_.lat))
    return page, form_status(form)


@bp.route("/contenitori/<public_code>/grazie")
def thanks(public_code: str) -> Any:
    return render_template("public/thanks.html", bin=queries.public_bin(public_code))


@bp.route("/numeri")
def numbers() -> Any:
    """The month's public numbers; ``?mese=2026-11`` for an earlier month."""
    today = local_today()
    month = today.replace(day=1)
    try:
        asked = date.fromisoformat(request.args.get("mese", "") + "-01")
        month = min(asked, month)
    except ValueError:
        pass
    figures = queries.month_numbers(month, today)
    label = format_date(figures.month, "LLLL yyyy")
    return render_template(
        "public/numbers.html", figures=figures, month_label=label, current=month == today.replace(day=1)
    )
