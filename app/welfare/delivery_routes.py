"""Pages of delivery rounds: coordinators plan them here, then review and publish them on the rounds map."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import roles_required
from app.auth.models import User
from app.extensions import db
from app.fleet.models import Site, SiteKind, Vehicle
from app.forms import choices
from app.rounds.models import RoundPlan
from app.views import save_form
from app.welfare import delivery
from app.welfare.catalog import DELIVERY_STATUS_LABELS
from app.welfare.forms import PlanDeliveriesForm
from app.welfare.routes import bp


def _plan_form() -> PlanDeliveriesForm:
    form = PlanDeliveriesForm()
    sites = db.session.scalars(select(Site).where(Site.kind == SiteKind.WAREHOUSE, Site.active.is_(True)))
    form.warehouse_id.choices = choices((s.id, s.name) for s in sites)
    vehicles = db.session.scalars(select(Vehicle).where(Vehicle.active.is_(True)).order_by(Vehicle.plate))
    form.vehicle_ids.choices = choices((v.id, f"{v.plate} {v.label}") for v in vehicles)
    drivers = db.session.scalars(
        select(User).where(User.role == "driver", User.active.is_(True)).order_by(User.full_name)
    )
    form.driver_id.choices = choices([(0, "—"), *((u.id, u.full_name) for u in drivers)])
    return form


@bp.route("/deliveries", methods=["GET", "POST"])
@roles_required("coordinator")
def deliveries() -> Any:
    form = _plan_form()
    plans: list[RoundPlan] = []

    def save() -> None:
        vehicle_id = form.vehicle_ids.data or 0
        params = delivery.DeliveryPlanParams(
            service_date=form.service_date.data,  # type: ignore[arg-type]
            warehouse_id=form.warehouse_id.data or 0,
            vehicle_ids=(vehicle_id,),
            drivers={vehicle_id: form.driver_id.data} if form.driver_id.data else {},
        )
        plans.append(delivery.plan_deliveries(params, current_user))

    done = save_form(form, save, _("Giro di consegne pianificato (bozza)."), url_for("welfare.deliveries"))
    return done or render_template(
        "welfare/deliveries.html",
        form=form,
        due=delivery.due_deliveries(),
        plans=delivery.delivery_plans(),
        labels=DELIVERY_STATUS_LABELS,
    )


@bp.route("/driver")
@roles_required("driver")
def driver_deliveries() -> Any:
    """Deliveries are done in the rounds' driver mode (address, handover code, offline outbox)."""
    return redirect(url_for("driver.today"))
