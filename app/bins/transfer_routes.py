"""Import (upload, preview, confirm) and export (CSV, GeoJSON, open data) of bins."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.bins import exporting, importing, queries
from app.bins.formats import Dialect
from app.bins.forms import ConfirmImportForm, ImportForm
from app.bins.routes import bp, filters_from_request, user
from app.core.policy import Permission, permission_required
from app.errors import DomainError
from app.extensions import db

_GEOJSON = "application/geo+json"


@bp.route("/import", methods=["GET", "POST"])
@permission_required(Permission.EDIT_BINS)
def import_upload() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("bins/import.html", form=form, max_size=importing.size_label()), form_code(form)
    upload = form.file.data
    content = upload.stream.read(importing.max_bytes() + 1)
    preview = importing.build_preview(upload.filename or "", content, user())
    db.session.commit()
    confirm = ConfirmImportForm(token=preview.token) if preview.ok else None
    return render_template("bins/import_preview.html", preview=preview, confirm=confirm), 200 if preview.ok else 422


def form_code(form: ImportForm) -> int:
    return 422 if form.errors else 200


@bp.route("/import/modello.csv")
@permission_required(Permission.EDIT_BINS)
def import_template() -> Any:
    """A CSV with the import's columns and two example rows, for Excel in Italian."""
    name = user().organisation.name if user().organisation else ""
    return _download(exporting.import_template(name), "text/csv; charset=utf-8", "modello_contenitori.csv")


@bp.route("/import/confirm", methods=["POST"])
@permission_required(Permission.EDIT_BINS)
def import_confirm() -> Any:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash(_("Conferma non valida: carica di nuovo il file."), "danger")
        return redirect(url_for("bins.import_upload"))
    try:
        result = importing.commit_import(form.token.data or "", user())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("bins.import_upload"))
    db.session.commit()
    created = ngettext("%(num)s contenitore nuovo", "%(num)s contenitori nuovi", result.created)
    updated = ngettext("%(num)s aggiornato", "%(num)s aggiornati", result.updated)
    flash(
        _(
            "Importazione completata da %(file)s: %(created)s, %(updated)s.",
            file=result.filename,
            created=created,
            updated=updated,
        ),
        "success",
    )
    return redirect(url_for("bins.index"))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/export.csv")
@permission_required(Permission.VIEW_BINS)
def export_csv() -> Any:
    dialect = Dialect(",", ".") if request.args.get("sep") == "comma" else Dialect(";", ",")
    bins = queries.visible_bins(user(), filters_from_request())
    return _download(exporting.bins_csv(bins, dialect), "text/csv; charset=utf-8", "contenitori.csv")


@bp.route("/export.geojson")
@permission_required(Permission.VIEW_BINS)
def export_geojson() -> Any:
    bins = queries.visible_bins(user(), filters_from_request())
    body = json.dumps(exporting.bins_geojson(bins), ensure_ascii=False).encode("utf-8")
    return _download(body, _GEOJSON, "contenitori.geojson")


@bp.route("/open-data.geojson")
def open_data() -> Any:
    """Public: active bins with public fields only, for a "where to donate" map."""
    bins = queries.active_bins()
    body = json.dumps(exporting.open_data_geojson(bins, request.url_root.rstrip("/")), ensure_ascii=False)
    response = Response(body.encode("utf-8"), mimetype=_GEOJSON)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
