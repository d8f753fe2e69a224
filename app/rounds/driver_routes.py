"""Driver mode: today's routes, the phone sheet and its offline JSON, idempotent stop actions, the offline worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.collection import idempotency
from app.core.clock import local_today
from app.core.inputs import json_body
from app.core.policy import Permission, permission_required
from app.errors import AuthenticationRequired, DomainError, error_payload
from app.extensions import db
from app.forms import FlaskForm
from app.rounds import driver_services as services
from app.rounds import kinds
from app.rounds.models import RouteStop
from app.views import save_form

bp = Blueprint("driver", __name__, url_prefix="/driver")
STATIC = Path(__file__).resolve().parents[1] / "static" / "rounds"


@bp.route("/")
@permission_required(Permission.DRIVE)
def today() -> Any:
    today = local_today()
    return render_template(
        "rounds/driver_today.html",
        routes=services.todays_routes(current_user, today),
        tomorrow=services.todays_routes(current_user, today + timedelta(days=1)),
    )


def _page_context(route_id: int) -> dict[str, Any]:
    """The sheet of a visible route; the reads of delivery addresses it logs are committed here."""
    route = services.visible_route(route_id, current_user)
    can_act = services.can_act(route, current_user)
    sheet = services.route_sheet(route, current_user)
    db.session.commit()
    return {"sheet": sheet, "can_act": can_act, "closed_at": route.closed_at, "undo_minutes": services.undo_window()}


@bp.route("/route/<int:route_id>")
@login_required
def route_page(route_id: int) -> Any:
    context = _page_context(route_id)
    return render_template(
        "rounds/driver_route.html",
        **context,
        **kinds.stop_labels(),
    )


@bp.post("/route/<int:route_id>/close")
@permission_required(Permission.DRIVE)
def close_route(route_id: int) -> Any:
    """«Chiudi giro»: refused (with the pending stops named) until every stop is done or skipped."""
    services.visible_route(route_id, current_user)
    form = FlaskForm()
    here = url_for("driver.route_page", route_id=route_id)
    done = save_form(
        form,
        lambda: services.close_route(route_id, current_user),
        _("Giro chiuso: l'impianto lo vede in arrivo."),
        here,
    )
    for message in [*form.form_errors, *form.errors.get("csrf_token", [])]:
        flash(message, "danger")
    return done or redirect(here)


@bp.route("/route/<int:route_id>.json")
@login_required
def route_json(route_id: int) -> Any:
    context = _page_context(route_id)
    response = jsonify({"route": context["sheet"], "can_act": context["can_act"], "csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


def _stop_action(stop_id: int, action: Callable[[int, Any, Any], RouteStop]) -> Any:
    """Run a stop action once per Idempotency-Key; errors are always JSON (the phone reads them)."""
    try:
        if not current_user.is_authenticated:
            raise AuthenticationRequired(_("Sessione scaduta: accedi di nuovo per sincronizzare."))
        payload = json_body()
        user = current_user._get_current_object()

        def handle() -> tuple[int, dict[str, Any]]:
            try:
                return 200, {"stop": services.stop_json(action(stop_id, payload, user))}
            except kinds.RecordedRefusal as refusal:  # kept (the attempt counts) and stored for a resend
                body = error_payload(refusal.code, refusal.message, refusal.field)
                return refusal.status, body | {"stop": services.stop_json(refusal.stop)}

        return idempotency.respond_once(user.id, handle)
    except DomainError as error:
        db.session.rollback()
        return jsonify(error_payload(error.code, error.message, error.field, **error.details)), error.status


@bp.post("/api/stops/<int:stop_id>/done")
def stop_done(stop_id: int) -> Any:
    return _stop_action(stop_id, services.mark_done)


@bp.post("/api/stops/<int:stop_id>/skip")
def stop_skip(stop_id: int) -> Any:
    return _stop_action(stop_id, services.mark_skipped)


@bp.post("/api/stops/<int:stop_id>/undo")
def stop_undo(stop_id: int) -> Any:
    return _stop_action(stop_id, services.mark_undone)


@bp.route("/sw.js")
def service_worker() -> Any:
    """The offline worker, served under /driver/ so that its scope covers the sheets."""
    headers = {"Service-Worker-Allowed": "/driver/", "Cache-Control": "no-cache"}
    return Response((STATIC / "sw.js").read_bytes(), mimetype="text/javascript", headers=headers)
