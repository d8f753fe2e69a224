"""Route sheets of a visible route: PDF, GPX, a stop's photo, and the plan's planned-against-actual report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.rounds import driver_services as services
from app.rounds import sheets

bp = Blueprint("round_sheets", __name__, url_prefix="/rounds")


@bp.route("/route/<int:route_id>/sheet.pdf")
@login_required
def sheet_pdf(route_id: int) -> Any:
    route = services.visible_route(route_id, current_user)
    pdf = sheets.route_sheet_pdf(route, request.host_url, current_user)
    db.session.commit()  # the reads of delivery addresses it logs
    filename = f"giro-{route.plan.service_date.isoformat()}-{route.vehicle.plate}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.route("/route/<int:route_id>.gpx")
@login_required
def sheet_gpx(route_id: int) -> Any:
    route = services.visible_route(route_id, current_user)
    filename = f"giro-{route.plan.service_date.isoformat()}-{route.vehicle.plate}.gpx"
    gpx = sheets.route_gpx(route, current_user)
    db.session.commit()  # the reads of delivery addresses it logs
    return Response(
        gpx,
        mimetype="application/gpx+xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/stops/<int:stop_id>/photo")
@login_required
def stop_photo(stop_id: int) -> Any:
    """A stop's photo, for whoever may see its route sheet; never cached by the browser or the phone."""
    photo = services.visible_stop_photo(stop_id, current_user)
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return Response(photo.data, mimetype=photo.content_type, headers=headers)


@bp.route("/<int:plan_id>/report")
@login_required
def plan_report(plan_id: int) -> Any:
    plan = services.visible_plan(plan_id, current_user)
    return render_template("rounds/report.html", report=sheets.plan_report(plan))
