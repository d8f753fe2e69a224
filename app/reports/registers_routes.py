"""Pages of the registers and official exports (section 3 of #15), on the reports blueprint.

Everything here needs VIEW_REPORTS (operators: their organisation's plants), except open data,
which is public and holds no personal data.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.clock import local_today
from app.core.exports import excel_csv
from app.core.inputs import int_arg
from app.core.policy import Permission, can, permission_required
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.reports import official, opendata, registers, rentri
from app.reports.register_forms import AnnotateForm, CorrectionForm
from app.reports.routes import bp
from app.sorting.codes import EER_LABELS, PARTNER_LABELS, spaced_eer
from app.sorting.queries import plants


def _plant_year(plant_id: int, year: str) -> tuple[Any, int]:
    return registers.report_plant(plant_id, current_user), registers.report_year(year)


@bp.route("/registers")
@permission_required(Permission.VIEW_REPORTS)
def registers_index() -> str:
    year = local_today().year
    return render_template("reports/registers.html", plants=plants(current_user), year=year)


@bp.route("/registers/<int:plant_id>/<year>")
@permission_required(Permission.VIEW_REPORTS)
def register(plant_id: int, year: str) -> str:
    site, number_year = _plant_year(plant_id, year)
    entries = registers.entries(site, number_year)
    return render_template(
        "reports/register.html",
        site=site,
        year=number_year,
        entries=entries,
        corrected=registers.corrected_ids(site),
        pending=registers.pending(site.id),
        batch_count=len(range(0, len(entries), rentri.BATCH_SIZE)),
        problems=list(rentri.batch_problems(entries)),
        annotate_form=AnnotateForm(),
        can_annotate=can(current_user, Permission.WORK_PLANT),
        spaced_eer=spaced_eer,
    )


@bp.route("/registers/<int:plant_id>/annotate", methods=["POST"])
@permission_required(Permission.VIEW_REPORTS)
def register_annotate(plant_id: int) -> Response:
    form = AnnotateForm()
    if not form.validate_on_submit():
        raise ValidationError(_("Modulo scaduto: ricarica la pagina e riprova."), field="csrf_token")
    new = registers.annotate(plant_id, current_user)
    db.session.commit()
    flash(
        ngettext("%(num)s movimento annotato nel registro.", "%(num)s movimenti annotati nel registro.", len(new)),
        "success",
    )
    return redirect(url_for("reports.register", plant_id=plant_id, year=local_today().year))


@bp.route("/registers/<int:plant_id>/<year>/register.csv")
@permission_required(Permission.VIEW_REPORTS)
def register_csv(plant_id: int, year: str) -> Response:
    site, number_year = _plant_year(plant_id, year)
    rows = rentri.csv_rows(registers.entries(site, number_year))
    return excel_csv(f"registro-carico-scarico-{site.id}-{number_year}.csv", rentri.CSV_HEADER, rows)


@bp.route("/registers/<int:plant_id>/<year>/rentri-<int:batch>.json")
@permission_required(Permission.VIEW_REPORTS)
def register_rentri(plant_id: int, year: str, batch: int) -> Response:
    site, number_year = _plant_year(plant_id, year)
    batches = rentri.batches(registers.entries(site, number_year))
    if not 1 <= batch <= len(batches):
        raise NotFoundError(
            _("Lotto %(n)d inesistente: il registro ne ha %(count)d.", n=batch, count=len(batches)), field="batch"
        )
    body = json.dumps(batches[batch - 1], ensure_ascii=False, indent=1)
    name = f"rentri-movimenti-{site.id}-{number_year}-{batch}.json"
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/registers/entry/<int:entry_id>", methods=["GET", "POST"])
@permission_required(Permission.VIEW_REPORTS)
def register_entry(entry_id: int) -> Response | str:
    entry = registers.entry_of(entry_id, current_user)
    form = CorrectionForm()
    if form.validate_on_submit():
        data = registers.CorrectionData(form.weight_kg.data, form.fir_number.data or "", form.reason.data or "")
        correction = registers.correct(entry.id, data, current_user)
        db.session.commit()
        flash(_("Rettifica annotata con il numero %(code)s.", code=correction.code), "success")
        return redirect(url_for("reports.register_entry", entry_id=correction.id))
    if not form.is_submitted():
        form.weight_kg.data, form.fir_number.data = entry.weight_kg, entry.fir_number
    return render_template(
        "reports/register_entry.html",
        entry=entry,
        form=form,
        movimento=json.dumps(rentri.movimento(entry), ensure_ascii=False, indent=1),
        can_correct=can(current_user, Permission.WORK_PLANT),
        spaced_eer=spaced_eer,
    )


@bp.route("/registers/<int:plant_id>/<year>/annual")
@permission_required(Permission.VIEW_REPORTS)
def annual(plant_id: int, year: str) -> str:
    site, number_year = _plant_year(plant_id, year)
    summary = official.annual_summary(site, number_year)
    return render_template(
        "reports/register_annual.html", summary=summary, spaced_eer=spaced_eer, eer_labels=EER_LABELS
    )


@bp.route("/registers/<int:plant_id>/<year>/annual.csv")
@permission_required(Permission.VIEW_REPORTS)
def annual_csv(plant_id: int, year: str) -> Response:
    site, number_year = _plant_year(plant_id, year)
    summary = official.annual_summary(site, number_year)
    rows = [
        [part, r.comune_code, r.comune_name, r.eer_code, r.operation, r.weight_kg]
        for part, rows in (("raccolto", summary.collected), ("destinazione", summary.destinations))
        for r in rows
    ]
    header = ("sezione", "codice_istat", "comune", "codice_eer", "operazione_destinazione", "kg")
    return excel_csv(f"orso-mud-{site.id}-{number_year}.csv", header, rows)


def _reuse(year: str) -> official.ReuseReport:
    number_year = registers.report_year(year)
    organisation = None if can(current_user, Permission.SEE_ALL_OPERATORS) else current_user.organisation_id
    return official.reuse_report(number_year, organisation)


@bp.route("/reuse/<year>")
@permission_required(Permission.VIEW_REPORTS)
def reuse(year: str) -> str:
    return render_template("reports/register_reuse.html", report=_reuse(year), partner_labels=PARTNER_LABELS)


@bp.route("/reuse/<year>.json")
@permission_required(Permission.VIEW_REPORTS)
def reuse_json(year: str) -> Response:
    report = _reuse(year)
    return jsonify(
        {
            "year": report.year,
            "decision": "Implementing Decision (EU) 2021/19",
            "product_category": "textiles",
            "households_pieces": report.households_pieces,
            "households_kg": float(report.households_kg),
            "goods_kg": {kind: float(kg) for kind, kg in report.goods_kg.items()},
            "total_tonnes": float(report.total_tonnes),
        }
    )


# Open data: public, no login.


@bp.route("/opendata")
def opendata_index() -> str:
    year = int_arg("year") or local_today().year
    return render_template("reports/opendata.html", year=year, about=opendata)


@bp.route("/opendata/bins.csv")
def opendata_bins_csv() -> Response:
    return excel_csv("contenitori-fitmi.csv", opendata.BIN_HEADER, opendata.bin_rows())


@bp.route("/opendata/bins.geojson")
def opendata_bins_geojson() -> Response:
    return _geojson(opendata.bins_geojson(), "contenitori-fitmi.geojson")


@bp.route("/opendata/<year>/comuni.csv")
def opendata_monthly_csv(year: str) -> Response:
    number_year = registers.report_year(year)
    rows = opendata.monthly_rows(number_year)
    return excel_csv(f"kg-per-comune-{number_year}.csv", opendata.MONTHLY_HEADER, rows)


@bp.route("/opendata/<year>/comuni.geojson")
def opendata_monthly_geojson(year: str) -> Response:
    number_year = registers.report_year(year)
    return _geojson(opendata.monthly_geojson(number_year), f"kg-per-comune-{number_year}.geojson")


def _geojson(data: dict[str, Any], name: str) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        mimetype="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
