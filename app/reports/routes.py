"""Pages of the reports: the KPI page and its exports (CSV and XLSX of each table, XLSX of all)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.chain import queries as choices_of
from app.core.clock import local_today
from app.core.exports import excel_csv, excel_xlsx
from app.core.policy import Permission, can, permission_required
from app.forms import choices
from app.reports import charts, monthly, tables
from app.reports.forms import KpiFilterForm
from app.reports.kpis import KpiFilter, compute

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _filter_form() -> KpiFilterForm:
    form = KpiFilterForm(request.args)
    operators = choices_of.operators(current_user)
    if can(current_user, Permission.SEE_ALL_OPERATORS):
        form.operator_id.choices = choices([(0, _("Tutti")), *((o.id, o.name) for o in operators)])
    else:
        form.operator_id.choices = choices([(o.id, o.name) for o in operators])
        form.operator_id.data = form.operator_id.data or current_user.organisation_id
    form.comune_code.choices = choices([("", _("Tutti")), *choices_of.comuni()])
    return form


def _scope(form: KpiFilterForm) -> KpiFilter | None:
    """What the user asked for and may see (operators: their organisation); None when the filter is not valid."""
    form.fill_period()
    if not form.validate():
        return None
    operator_id = form.operator_id.data or None
    if not can(current_user, Permission.SEE_ALL_OPERATORS):
        operator_id = current_user.organisation_id
    return KpiFilter(
        start=form.start.data,
        end=form.end.data,
        operator_id=operator_id,
        comune_code=form.comune_code.data or None,
        stream=form.stream.data or None,
    )


@bp.route("/kpi")
@permission_required(Permission.VIEW_REPORTS)
def kpi() -> Any:
    form = _filter_form()
    scope = _scope(form)
    if scope is None:
        return render_template("reports/kpi.html", form=form, kpis=None, tables=[], charts={}), 422
    kpis = compute(scope)
    found = tables.tables(kpis)
    drawn = {t.key: charts.bar_chart(*t.chart, t.summary) for t in found if t.chart}
    per_inhabitant = {c.code: float(c.kg_per_inhabitant or 0) for c in kpis.collected.by_comune}
    return render_template(
        "reports/kpi.html", form=form, kpis=kpis, tables=found, charts=drawn, per_inhabitant=per_inhabitant
    )


@bp.route("/kpi/<key>.<fmt>")
@permission_required(Permission.VIEW_REPORTS)
def kpi_export(key: str, fmt: str) -> Any:
    """One table as CSV or XLSX, or every table (``tutti``) as an XLSX workbook."""
    if fmt not in ("csv", "xlsx") or (key not in tables.BUILDERS and (key, fmt) != ("tutti", "xlsx")):
        abort(404)
    form = _filter_form()
    scope = _scope(form)
    if scope is None:
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return jsonify({"error": "invalid_filter", "message": _("Filtro non valido."), "fields": fields}), 422
    kpis = compute(scope)
    found = tables.tables(kpis) if key == "tutti" else [tables.BUILDERS[key](kpis)]
    name = f"kpi_{key}_{scope.start.isoformat()}_{scope.end.isoformat()}"
    if fmt == "csv":
        return excel_csv(f"{name}.csv", found[0].header, found[0].rows)
    return excel_xlsx(f"{name}.xlsx", [(t.title, t.header, t.rows) for t in found])


@bp.route("/monthly.pdf")
@permission_required(Permission.VIEW_REPORTS)
def monthly_pdf() -> Any:
    """The month's report as a PDF (operators: their organisation's bins and plants)."""
    first = monthly.parse_month(request.args.get("month") or local_today().strftime("%Y-%m"))
    operator_id = None if can(current_user, Permission.SEE_ALL_OPERATORS) else current_user.organisation_id
    pdf = monthly.render_pdf(monthly.build(first, operator_id), request.host_url)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{monthly.filename(first)}"'
    return response
