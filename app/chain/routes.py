"""Pages of the chain: the balance of a period hop by hop, and the forward trace of where kilos went."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.chain import balance, queries
from app.chain.flow import Scope, follow
from app.chain.forms import ChainFilterForm
from app.chain.pieces import follow_pieces
from app.core.exports import excel_csv
from app.core.policy import Permission, can, permission_required
from app.forms import choices
from app.sorting.forms import FRACTION_LABELS
from app.stock.catalog import CATEGORIES

bp = Blueprint("chain", __name__, url_prefix="/chain")


def _filter_form() -> ChainFilterForm:
    form = ChainFilterForm(request.args)
    form.operator_id.choices = choices([(0, _("Tutti")), *((o.id, o.name) for o in queries.operators(current_user))])
    form.plant_id.choices = choices([(0, _("Tutti")), *((s.id, s.name) for s in queries.plants(current_user))])
    form.comune_code.choices = choices([("", _("Tutti")), *queries.comuni()])
    return form


def _labels() -> dict[str, Any]:
    return {"fraction_labels": FRACTION_LABELS, "categories": CATEGORIES, "comune_names": dict(queries.comuni())}


def _scope(form: ChainFilterForm) -> Scope | None:
    """The scope the user asked for and may see; None when the filter is not valid."""
    if not form.validate():
        return None
    form.fill_period()
    operator_id = form.operator_id.data or None
    if not can(current_user, Permission.SEE_ALL_OPERATORS):
        operator_id = current_user.organisation_id
    bin_id = form.bin_number
    if bin_id is not None and queries.visible_bin(bin_id, current_user) is None:
        abort(404)
    return Scope(
        start=form.start.data,
        end=form.end.data,
        operator_id=operator_id,
        plant_id=form.plant_id.data or None,
        comune_code=form.comune_code.data or None,
        bin_id=bin_id,
    )


@bp.route("/")
@permission_required(Permission.VIEW_CHAIN)
def index() -> Any:
    return _page("chain/index.html")


def _page(template: str) -> Any:
    form = _filter_form()
    scope = _scope(form)
    if scope is None:
        return render_template(template, form=form, flow=None, hops=[], pieces=None, data=None), 422
    flow = follow(scope)
    hop_list, pieces = balance.hops(flow), follow_pieces(flow)
    data = balance.as_data(flow, hop_list, pieces)
    return render_template(template, form=form, flow=flow, hops=hop_list, pieces=pieces, data=data, **_labels())


@bp.route("/forward")
@permission_required(Permission.VIEW_CHAIN)
def forward() -> Any:
    return _page("chain/forward.html")


@bp.route("/export.<fmt>")
@permission_required(Permission.VIEW_CHAIN)
def export(fmt: str) -> Any:
    if fmt not in ("csv", "json"):
        abort(404)
    form = _filter_form()
    scope = _scope(form)
    if scope is None:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return jsonify({"error": "invalid_filter", "message": _("Filtro non valido."), "fields": errors}), 422
    flow = follow(scope)
    data = balance.as_data(flow, balance.hops(flow), follow_pieces(flow))
    if fmt == "json":
        return jsonify(data)
    header = ["Sezione", "Voce", "Quantità", "Unità", "Esito/motivo", "Descrizione"]
    return excel_csv(f"filiera_{scope.start.isoformat()}_{scope.end.isoformat()}.csv", header, balance.csv_rows(data))
