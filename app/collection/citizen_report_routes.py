"""The operator's side of citizens' reports: the list for their organisation, the photo, handled or spurious."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.collection import citizen_reports as reports
from app.collection.models import CitizenReportStatus
from app.core.policy import Permission, permission_required
from app.errors import NotFoundError
from app.extensions import db

bp = Blueprint("citizen_reports", __name__, url_prefix="/collection/citizen-reports")


@bp.route("")
@permission_required(Permission.EDIT_BINS)
def index() -> Any:
    status = request.args.get("status", CitizenReportStatus.OPEN)
    status = status if status in {s.value for s in CitizenReportStatus} else ""
    rows = reports.list_reports(current_user, status=status or None)
    return render_template(
        "collection/citizen_reports.html",
        reports=rows,
        status=status,
        kind_labels=reports.KIND_LABELS,
        status_labels=reports.STATUS_LABELS,
    )


@bp.route("/<int:report_id>/photo")
@permission_required(Permission.EDIT_BINS)
def photo(report_id: int) -> Response:
    found = reports.visible_report(report_id, current_user)
    if found.photo is None:
        raise NotFoundError(_("Nessuna foto per questa segnalazione."))
    response = Response(found.photo, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/<int:report_id>/close", methods=["POST"])
@permission_required(Permission.EDIT_BINS)
def close(report_id: int) -> Any:
    found = reports.close(report_id, request.form.get("outcome", ""), current_user)  # CSRF: CSRFProtect
    db.session.commit()
    flash(_("Segnalazione segnata come %(status)s.", status=reports.STATUS_LABELS[found.status]), "success")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for(".index"))
