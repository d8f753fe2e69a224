"""Pages of delivery rounds: coordinators plan them here, then review and publish them on the rounds map."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.policy import Permission, permission_required
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.forms import choices
from app.rounds import queries
from app.rounds.forms import with_fleet
from app.views import form_status, save_form
from app.welfare import services
from app.welfare.blueprint import bp
from app.welfare.catalog import DELIVERY_STATUS_LABELS, FAILURE_REASONS
from app.welfare.forms import PlanDeliveriesForm


def _plan_form() -> PlanDeliveriesForm:
    _plants, vehicles, drivers = queries.form_choices()
    form = with_fleet(PlanDeliveriesForm, vehicles, drivers)
    sites = db.session.scalars(
        select(Site).where(Site.kind == SiteKind.WAREHOUSE, Site.active.is_(True)).order_by(Site.name)
    )
    form.warehouse_id.choices = choices((s.id, s.name) for s in sites)
    return form


@bp.route("/deliveries", methods=["GET", "POST"])
@permission_required(Permission.PLAN_DELIVERIES)
def deliveries() -> Any:
    form = _plan_form()
    started: list[int] = []
    if not form.is_submitted():
        form.preselect()

    def start() -> None:
        vehicles, drivers = form.fleet()
        params = services.DeliveryPlanParams(
            service_date=form.service_date.data,  # type: ignore[arg-type]
            warehouse_id=form.warehouse_id.data or 0,
            vehicle_ids=vehicles,
            drivers=drivers,
            time_limit_s=float(form.time_limit_s.data or 10),
        )
        started.append(services.start_planning(params, current_user).id)

    if save_form(form, start, lambda _r: form.started(_("Calcolo del giro di consegne avviato.")), "") is not None:
        return redirect(url_for("rounds.job", job_id=started[0]))
    page = render_template(
        "welfare/deliveries.html",
        form=form,
        due=[(d, services.load_of(d.request)) for d in services.due_deliveries()],
        plans=services.delivery_plans(),
        labels=DELIVERY_STATUS_LABELS,
        failures=FAILURE_REASONS,
    )
    return page, form_status(form)


@bp.route("/driver")
@permission_required(Permission.DRIVE)
def driver_deliveries() -> Any:
    """Deliveries are done in the rounds' driver mode (address, handover code, offline outbox)."""
    return redirect(url_for("driver.today"))
