"""Pages for bins: list, map, detail, create/edit/move, status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.bins import fill, queries, services
from app.bins.forms import STATUS_LABELS, STREAM_LABELS, BinForm, StatusForm
from app.bins.models import Bin
from app.bins.validation import BinData
from app.core.inputs import int_arg
from app.core.policy import Permission, can, permission_required
from app.forms import choices
from app.views import form_status, form_values, save_form

bp = Blueprint("bins", __name__, url_prefix="/bins")


def user() -> Any:
    return current_user._get_current_object()


def filters_from_request() -> queries.BinFilter:
    args = request.args
    sort = args.get("sort", "")
    return queries.BinFilter(
        comune=queries.comune_code(args.get("comune", "")[:80]),  # the ISTAT code or the name: ?comune=Rho
        operator_id=int_arg("operator", 0) or 0,
        stream=args.get("stream", ""),
        status=args.get("status", ""),
        q=args.get("q", "")[:80],
        sort=sort if sort in queries.SORTS else queries.DEFAULT_SORT[0],
        direction="desc" if args.get("dir") == "desc" else "asc" if sort in queries.SORTS else queries.DEFAULT_SORT[1],
    )


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"stream_labels": STREAM_LABELS, "status_labels": STATUS_LABELS}


@bp.route("/")
@permission_required(Permission.VIEW_BINS)
def index() -> Any:
    filters = filters_from_request()
    page, predicted = queries.bin_page(user(), filters, int_arg("page", 1) or 1)
    return render_template(
        "bins/list.html",
        page=page,
        filters=filters,
        options=queries.filter_options(user()),
        predicted=predicted,
        fill_level=queries.fill_level,
        can_edit=can(user(), Permission.EDIT_BINS),
    )


@bp.route("/map")
@permission_required(Permission.VIEW_BINS)
def map_page() -> Any:
    filters = filters_from_request()
    return render_template("bins/map.html", filters=filters, options=queries.filter_options(user()))


@bp.route("/map.geojson")
@permission_required(Permission.VIEW_BINS)
def map_data() -> Any:
    bins = queries.visible_bins(user(), filters_from_request())
    return jsonify(queries.map_features(bins, queries.forecasts(bins)))


@bp.route("/comuni.geojson")
@permission_required(Permission.VIEW_BINS)
def comuni_data() -> Any:
    response = jsonify(queries.comuni_outlines())
    response.cache_control.max_age = 3600
    return response


@bp.route("/<int:bin_id>")
@permission_required(Permission.VIEW_BINS)
def detail(bin_id: int) -> Any:
    bin_ = services.visible_bin(bin_id, user())
    can_edit = can(user(), Permission.EDIT_BINS)
    return render_template(
        "bins/detail.html",
        bin=bin_,
        forecast=queries.forecasts([bin_]).get(bin_.id),
        fill_level=queries.fill_level,
        audit=services.history(bin_),
        status_form=StatusForm(status=bin_.status) if can_edit else None,
        can_edit=can_edit,
        **fill.detail(bin_),
    )


def _bin_form(bin_: Bin | None) -> BinForm:
    form = BinForm(obj=bin_)
    form.operator_id.choices = choices(queries.operator_choices(user()))
    if not can(user(), Permission.OVERRIDE_BIN_AREA):
        del form.outside_area_override
    return form


def _form_data(form: BinForm, bin_: Bin | None) -> BinData:
    override = (
        form.outside_area_override.data
        if "outside_area_override" in form
        else bool(bin_ and bin_.outside_area_override)
    )
    return form_values(
        BinData,
        form,
        operator_id=form.operator_id.data or 0,
        lon=float(form.lon.data or 0),
        lat=float(form.lat.data or 0),
        capacity_l=form.capacity_l.data or 0,
        full_weight_kg=form.full_weight_kg.data or 0,
        outside_area_override=override,
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:bin_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_BINS)
def edit(bin_id: int | None = None) -> Any:
    bin_ = services.visible_bin(bin_id, user()) if bin_id else None
    if bin_ is not None:
        services.ensure_can_edit(user(), bin_.operator_id)
    form = _bin_form(bin_)
    saved: list[Bin] = []

    def save() -> None:
        reason = form.status_reason.data or ""
        saved.append(services.save_bin(_form_data(form, bin_), user(), bin_, reason=reason))

    done = save_form(form, save, _("Contenitore salvato."), url_for("bins.index"))
    if done is not None:
        return redirect(url_for("bins.detail", bin_id=saved[0].id))
    return render_template("bins/form.html", form=form, bin=bin_), form_status(form)


@bp.route("/<int:bin_id>/status", methods=["POST"])
@permission_required(Permission.EDIT_BINS)
def status(bin_id: int) -> Any:
    bin_ = services.visible_bin(bin_id, user())
    form = StatusForm()
    done = save_form(
        form,
        lambda: services.change_status(bin_, form.status.data or "", user(), form.reason.data or ""),
        _("Stato aggiornato."),
        url_for("bins.detail", bin_id=bin_id),
    )
    return done or redirect(url_for("bins.detail", bin_id=bin_id))


from app.bins import transfer_routes  # noqa: E402, F401  (import and export pages on the same blueprint)
