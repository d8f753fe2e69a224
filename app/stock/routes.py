"""Stock pages: availability, movements per item and location, receiving, moving, counts, QR labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import segno
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.exports import excel_csv
from app.core.policy import Permission, permission_required
from app.extensions import db
from app.forms import choices
from app.sorting import queries as sorting_queries
from app.sorting.forms import FRACTION_LABELS
from app.sorting.models import Fraction
from app.sorting.services import check_site_access
from app.stock import lots, operations, queries
from app.stock.catalog import AGE_GROUPS, DESTINATIONS, GRADES, SEASONS, category_label
from app.stock.forms import MOVE_KINDS, CountForm, FilterForm, LocationForm, MoveForm, ReceiveForm, counted_pieces
from app.stock.items import STOCK_SITE_KINDS, ItemData, save_location
from app.stock.models import StockItem, StockLocation, StockMovement
from app.stock.sizes import SYSTEM_LABELS
from app.views import form_status, form_values, save_form

bp = Blueprint("stock", __name__, url_prefix="/stock")


@bp.app_template_global()
def stock_labels() -> dict[str, Any]:
    return {
        "category": category_label,
        "groups": AGE_GROUPS,
        "seasons": SEASONS,
        "grades": GRADES,
        "systems": SYSTEM_LABELS,
        "destinations": DESTINATIONS,
        "moves": MOVE_KINDS,
    }


def _location(location_id: int) -> StockLocation:
    location = db.get_or_404(StockLocation, location_id)
    check_site_access(current_user, location.site)
    return location


def _history(movements: Sequence[StockMovement]) -> dict[str, Any]:
    """The movement table's rows and the lots each one added or drew."""
    return {"movements": movements, "movement_lots": lots.lots_of_movements(m.id for m in movements)}


@bp.route("/")
@permission_required(Permission.VIEW_STOCK)
def index() -> Any:
    form = FilterForm(request.args)
    rows = queries.availability(current_user, {k: v for k, v in request.args.items() if isinstance(v, str)})
    return render_template("stock/index.html", form=form, rows=rows)


@bp.route("/export.csv")
@permission_required(Permission.VIEW_STOCK)
def export_csv() -> Any:
    header = ["Categoria", "Genere/età", "Taglia", "Stagione", "Condizione", "In magazzino", "Riservati", "Disponibili",
              "Peso stimato kg"]  # fmt: skip
    rows = (
        [category_label(r.item.category), AGE_GROUPS.get(r.item.age_group), r.item.size, SEASONS.get(r.item.season),
         r.item.grade, r.on_hand, r.reserved, r.available, r.item.unit_weight_kg * r.on_hand]
        for r in queries.availability(current_user, dict(request.args))
    )  # fmt: skip
    return excel_csv("scorte.csv", header, rows)


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@permission_required(Permission.WORK_STOCK)
def item(item_id: int) -> Any:
    item = db.get_or_404(StockItem, item_id)
    locations = queries.locations(current_user)
    form = MoveForm()
    form.target_location_id.choices = choices([(0, "—"), *((loc.id, loc.label) for loc in locations)])
    form.location_id.choices = choices((loc.id, loc.label) for loc in locations)

    def save() -> object:
        data = operations.MoveData(
            kind=form.kind.data or "",
            item_id=item.id,
            location_id=form.location_id.data or 0,
            quantity=form.quantity.data or 0,
            target_location_id=form.target_location_id.data or None,
            destination_kind=form.destination_kind.data or "",
            counterparty=form.counterparty.data or "",
            reason=form.reason.data or "",
        )
        return operations.move(data, current_user)

    done = save_form(form, save, _("Movimento registrato."), url_for("stock.item", item_id=item.id))
    if done:
        return done
    page = render_template(
        "stock/item.html",
        item=item,
        form=form,
        balances=queries.balances_of(item, current_user),
        lots_on_hand=lots.lots_on_hand(item_id=item.id),
        **_history(queries.movements(current_user, item_id=item.id)),
    )
    return page, form_status(form)


@bp.route("/locations", methods=["GET", "POST"])
@permission_required(Permission.WORK_STOCK)
def locations() -> Any:
    form = LocationForm()
    sites = sorting_queries.plants(current_user, STOCK_SITE_KINDS)
    form.site_id.choices = choices((s.id, s.name) for s in sites)

    def save() -> StockLocation:
        return save_location(form.site_id.data or 0, form.code.data or "", form.description.data or "", current_user)

    done = save_form(form, save, _("Ubicazione creata."), url_for("stock.locations"))
    if done:
        return done
    page = render_template("stock/locations.html", form=form, locations=queries.locations(current_user))
    return page, form_status(form)


@bp.route("/locations/<int:location_id>")
@permission_required(Permission.WORK_STOCK)
def location(location_id: int) -> Any:
    location = _location(location_id)
    return render_template(
        "stock/location.html",
        location=location,
        balances=queries.balances_at(location),
        lots_on_hand=lots.lots_on_hand(location_id=location.id),
        **_history(queries.movements(current_user, location_id=location.id)),
    )


@bp.route("/locations/<int:location_id>/label")
@permission_required(Permission.WORK_STOCK)
def label(location_id: int) -> Any:
    location = _location(location_id)
    target = url_for("stock.location", location_id=location.id, _external=True)
    qr = segno.make(target, error="m").svg_data_uri(scale=6)
    return render_template("stock/label.html", location=location, qr=qr, target=target)


@bp.route("/locations/<int:location_id>/count", methods=["GET", "POST"])
@permission_required(Permission.WORK_STOCK)
def count(location_id: int) -> Any:
    location = _location(location_id)
    balances = queries.balances_at(location)
    form = CountForm()

    def save() -> object:
        counted = counted_pieces(request.form, [b.item_id for b in balances])
        return operations.count_location(location.id, counted, form.reason.data or "", current_user)

    done = save_form(form, save, _("Inventario registrato."), url_for("stock.location", location_id=location.id))
    if done:
        return done
    page = render_template("stock/count.html", location=location, balances=balances, form=form)
    return page, form_status(form)


@bp.route("/receive/<int:fraction_id>", methods=["GET", "POST"])
@permission_required(Permission.WORK_STOCK)
def receive(fraction_id: int) -> Any:
    fraction = db.get_or_404(Fraction, fraction_id)
    check_site_access(current_user, fraction.session.site)
    form = ReceiveForm()
    form.location_id.choices = choices((loc.id, loc.label) for loc in queries.locations(current_user))

    def save() -> object:
        data = form_values(ItemData, form)
        return operations.receive(fraction.id, data, form.quantity.data or 0, form.location_id.data or 0, current_user)

    done = save_form(form, save, _("Pezzi caricati a magazzino."), url_for("stock.receive", fraction_id=fraction.id))
    if done:
        return done
    page = render_template("stock/receive.html", form=form, fraction=fraction, fraction_labels=FRACTION_LABELS)
    return page, form_status(form)
