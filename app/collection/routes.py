"""Pickup pages: the phone form (the bin's QR code opens it), confirmation, list, correction."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.collection import bin_lookup, services
from app.collection.forms import INCIDENT_LABELS, PickupForm
from app.collection.models import Pickup
from app.core.clock import from_local, wall_minute
from app.core.inputs import int_arg, whole_number
from app.core.policy import Permission, permission_required
from app.forms import choices
from app.i18n import fmt_number
from app.views import form_status, save_form

bp = Blueprint("collection", __name__, url_prefix="/collection")


def _data(form: PickupForm, **extra: Any) -> services.PickupData:
    operator = form.operator.data
    return services.PickupData(
        collected_at=from_local(form.collected_at.data),
        weight_kg=form.weight_kg.data,
        fill_percent=form.fill_percent.data,
        incidents=list(form.incidents.data or []),
        notes=form.notes.data or "",
        code=form.code.data or "",
        operator_id=whole_number(str(operator or "")),
        vehicle_id=form.vehicle_id.data or None,
        **extra,
    )


def _with_vehicles(form: PickupForm) -> PickupForm:
    """The «Mezzo» choices: none, or a vehicle of the user's organisation."""
    vehicles = services.vehicles(current_user)
    form.vehicle_id.choices = choices([(0, "—"), *((v.id, f"{v.plate} {v.label}".strip()) for v in vehicles)])
    return form


def _done_message(form: PickupForm) -> str:
    """The confirmation a driver reads before the next bin: which bin, how much."""
    if form.weight_kg.data is not None:
        amount = _("%(kg)s kg", kg=fmt_number(form.weight_kg.data))
    elif form.fill_percent.data is not None:
        amount = _("riempimento %(p)d%%", p=form.fill_percent.data)
    else:
        amount = _("nessun kg (contenitore non svuotato)")
    code = (form.code.data or "").strip().upper()
    return _("Svuotamento registrato: contenitore %(code)s, %(amount)s.", code=code, amount=amount)


@bp.route("/pickups/new", methods=["GET", "POST"])
@permission_required(Permission.LOG_PICKUPS)
def new_pickup() -> Any:
    form = _with_vehicles(PickupForm())
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        form.operator.data = request.args.get("operator", "")
    saved: list[Pickup] = []

    def save() -> Pickup:
        saved.append(services.record_pickup(_data(form), current_user))
        return saved[0]

    if save_form(form, save, _done_message(form), url_for("collection.new_pickup")):
        # the next bin's form, with «Correggi» for the one just saved (a slip is fixed at once)
        return redirect(url_for("collection.new_pickup", saved=saved[0].id))
    last = services.correctable_pickup(int_arg("saved"), current_user) if request.method == "GET" else None
    return render_template("collection/pickup_form.html", form=form, last=last), form_status(form)


@bp.route("/bins/suggest")
@permission_required(Permission.LOG_PICKUPS)
def suggest_bins() -> Any:
    """Bins whose code matches what is typed in the pickup form (its autocomplete)."""
    found = bin_lookup.suggestions(current_user, request.args.get("q", ""))
    return jsonify({"bins": [choice.as_json() for choice in found]})


@bp.route("/bins/scan")
@permission_required(Permission.LOG_PICKUPS)
def scan_bin() -> Any:
    """The bin of a QR code scanned by the phone camera (either sticker), for the pickup form."""
    found = bin_lookup.scanned_bin(current_user, request.args.get("text", ""))
    if found is None:
        message = _("QR non riconosciuto: non è il QR di un contenitore attivo che puoi svuotare. Scrivi il codice.")
        return jsonify({"error": message}), 404
    return jsonify({"bin": found.as_json()})


@bp.route("/pickups/<int:pickup_id>")
@permission_required(Permission.LOG_PICKUPS)
def pickup(pickup_id: int) -> Any:
    found = services.visible_pickup(pickup_id, current_user)
    return render_template("collection/pickup.html", pickup=found, labels=INCIDENT_LABELS)


@bp.route("/pickups")
@permission_required(Permission.LOG_PICKUPS)
def pickups() -> Any:
    bin_id, operator_id = int_arg("bin"), int_arg("operator")
    rows = services.list_pickups(current_user, bin_id=bin_id, operator_id=operator_id)
    return render_template("collection/pickups.html", pickups=rows, labels=INCIDENT_LABELS, bin_id=bin_id)


@bp.route("/pickups/<int:pickup_id>/correct", methods=["GET", "POST"])
@permission_required(Permission.LOG_PICKUPS)
def correct(pickup_id: int) -> Any:
    original = services.visible_pickup(pickup_id, current_user)
    form = _with_vehicles(PickupForm(obj=None if request.method == "POST" else _prefill(original)))
    form.code.data = original.bin.code

    def save() -> Pickup:
        return services.correct_pickup(original.id, _data(form), current_user)

    done = save_form(form, save, _done_message(form), url_for("collection.pickups", bin=original.bin_id))
    page = render_template("collection/pickup_form.html", form=form, original=original)
    return done or (page, form_status(form))


def _prefill(original: Pickup) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(
        code=original.bin.code,
        operator=str(original.bin.operator_id),
        weight_kg=original.weight_kg,
        fill_percent=original.fill_percent,
        incidents=original.incident_codes,
        notes=original.notes,
        vehicle_id=original.vehicle_id or 0,
        collected_at=wall_minute(original.collected_at),
    )
