"""Pages to manage sites and vehicles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Organisation
from app.core.policy import Permission, permission_required
from app.extensions import db
from app.fleet import services
from app.fleet.forms import SITE_KIND_LABELS, SiteForm, VehicleForm
from app.fleet.models import Site, Vehicle
from app.forms import choices
from app.views import form_status, form_values, save_form

bp = Blueprint("fleet", __name__, url_prefix="/fleet")


def _organisation_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]


@bp.route("/sites")
@permission_required(Permission.MANAGE_FLEET)
def sites() -> Any:
    rows = db.session.scalars(select(Site).order_by(Site.kind, Site.name))
    return render_template("fleet/sites.html", sites=rows, kind_labels=SITE_KIND_LABELS)


@bp.route("/sites/new", methods=["GET", "POST"])
@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_FLEET)
def edit_site(site_id: int | None = None) -> Any:
    site = db.get_or_404(Site, site_id) if site_id else None
    form = SiteForm(obj=site)
    form.organisation_id.choices = choices([(0, "—"), *_organisation_choices()])

    def save() -> Site:
        data = form_values(
            services.SiteData,
            form,
            lon=float(form.lon.data or 0),
            lat=float(form.lat.data or 0),
            organisation_id=form.organisation_id.data or None,
        )
        return services.save_site(data, site)

    done = save_form(form, save, _("Sede salvata."), url_for("fleet.sites"))
    return done or (render_template("fleet/site_form.html", form=form, site=site), form_status(form))


@bp.route("/vehicles")
@permission_required(Permission.MANAGE_FLEET)
def vehicles() -> Any:
    rows = db.session.scalars(select(Vehicle).order_by(Vehicle.plate))
    return render_template("fleet/vehicles.html", vehicles=rows)


@bp.route("/vehicles/new", methods=["GET", "POST"])
@bp.route("/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_FLEET)
def edit_vehicle(vehicle_id: int | None = None) -> Any:
    vehicle = db.get_or_404(Vehicle, vehicle_id) if vehicle_id else None
    form = VehicleForm(obj=vehicle)
    form.organisation_id.choices = choices(_organisation_choices())
    form.home_site_id.choices = choices((s.id, s.name) for s in db.session.scalars(select(Site).order_by(Site.name)))

    def save() -> Vehicle:
        data = form_values(services.VehicleData, form)
        return services.save_vehicle(data, vehicle)

    done = save_form(form, save, _("Veicolo salvato."), url_for("fleet.vehicles"))
    return done or (render_template("fleet/vehicle_form.html", form=form, vehicle=vehicle), form_status(form))
