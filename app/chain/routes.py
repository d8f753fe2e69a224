"""Pages of the chain: the balance of a period hop by hop, and the forward trace of where kilos went."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.chain import balance, queries, trace
from app.chain.flow import Scope, follow
from app.chain.forms import ChainFilterForm
from app.chain.pieces import follow_pieces
from app.core.exports import excel_csv
from app.core.policy import Permission, can, permission_required
from app.extensions import db
from app.forms import choices
from app.sorting.forms import FRACTION_LABELS, SOURCE_LABELS
from app.stock.catalog import CATEGORIES
from app.stock.items import location_for
from app.stock.models import StockMovement
from app.welfare.models import Delivery
from app.welfare.queries import request_for

bp = Blueprint("chain", __name__, url_prefix="/chain")


def _filter_form() -> ChainFilterForm:
    form = ChainFilterForm(request.args)
    form.operator_id.choices = choices([(0, _("Tutti")), *((o.id, o.name) for o in queries.operators(current_user))])
    form.plant_id.choices = choices([(0, _("Tutti")), *((s.id, s.name) for s in queries.plants(current_user))])
    form.comune_code.choices = choices([("", _("Tutti")), *queries.comuni()])
    return form


def _labels() -> dict[str, Any]:
    return {
        "fraction_labels": FRACTION_LABELS,
        "source_labels": SOURCE_LABELS,
        "categories": CATEGORIES,
        "comune_names": dict(queries.comuni()),
    }


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
    pieces = follow_pieces(flow)
    hop_list = balance.hops(flow, pieces)
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
    pieces = follow_pieces(flow)
    data = balance.as_data(flow, balance.hops(flow, pieces), pieces)
    if fmt == "json":
        return jsonify(data)
    header = ["Sezione", "Voce", "Quantità", "Unità", "Esito/motivo", "Descrizione"]
    return excel_csv(f"filiera_{scope.start.isoformat()}_{scope.end.isoformat()}.csv", header, balance.csv_rows(data))


def _trace_page(title: str, traces: list[tuple[Any, trace.PieceTrace]], subject: Any) -> Any:
    comuni = trace.comuni_of([t for _, t in traces])
    if request.args.get("format") == "json":
        return jsonify(
            {
                "subject": title,
                "comuni_kg": {k: float(v.quantize(Decimal("0.001"))) for k, v in comuni.items()},
                "movements": [trace.as_data(t) for _, t in traces],
            }
        )
    return render_template("chain/trace.html", title=title, traces=traces, subject=subject, comuni=comuni, **_labels())


@bp.route("/trace/request/<int:request_id>")
@login_required
def trace_request(request_id: int) -> Any:
    """Backward from what a household received: staff preparing requests and the household's social workers."""
    garment_request = request_for(current_user, request_id)  # the same 404 whether missing or not theirs
    traces = trace.trace_request(garment_request)
    title = _("Richiesta n. %(id)s del nucleo %(code)s", id=garment_request.id, code=garment_request.household.code)
    return _trace_page(title, traces, garment_request)


@bp.route("/trace/delivery/<int:delivery_id>")
@login_required
def trace_delivery(delivery_id: int) -> Any:
    """A delivery's pieces are its request's: the same trace."""
    delivery = db.get_or_404(Delivery, delivery_id)
    return redirect(url_for("chain.trace_request", request_id=delivery.request_id, **request.args))


@bp.route("/trace/movement/<int:movement_id>")
@permission_required(Permission.VIEW_CHAIN)
def trace_movement(movement_id: int) -> Any:
    """Backward from a stock movement that took pieces out (issue to a household, outbound)."""
    movement = db.get_or_404(StockMovement, movement_id)
    if movement.on_hand_delta >= 0:
        abort(404)
    location_for(movement.location_id, current_user)  # 403 for another organisation's stock
    title = _("Movimento di magazzino n. %(id)s", id=movement.id)
    return _trace_page(title, [(None, trace.trace_movement(movement))], movement)
