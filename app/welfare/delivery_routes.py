"""Pages of delivery rounds: coordinators plan and publish, drivers hand over with the household's code."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
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
from app.welfare.catalog import DELIVERY_STATUS_LABELS, FAILURE_REASONS
from app.welfare.forms import ActionForm, FailedDeliveryForm, HandoverForm, PlanDeliveriesForm
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
        action_form=ActionForm(),
        labels=DELIVERY_STATUS_LABELS,
    )


@bp.route("/deliveries/plans/<int:plan_id>/publish", methods=["POST"])
@roles_required("coordinator")
def publish_deliveries(plan_id: int) -> Any:
    plan = db.get_or_404(RoundPlan, plan_id)
    form = ActionForm()
    done = save_form(
        form,
        lambda: delivery.publish_delivery_plan(plan, plan.version, current_user),
        _("Giro pubblicato: l'autista lo vede nella modalità autista."),
        url_for("welfare.deliveries"),
    )
    return done or redirect(url_for("welfare.deliveries"))


@bp.route("/driver")
@roles_required("driver")
def driver_deliveries() -> Any:
    stops = delivery.todays_stops(current_user)
    db.session.commit()  # the access log entries of the addresses shown
    return render_template(
        "welfare/driver.html",
        stops=stops,
        handover_form=HandoverForm(),
        failed_form=FailedDeliveryForm(),
        reasons=FAILURE_REASONS,
    )


@bp.route("/deliveries/<int:delivery_id>/handover", methods=["POST"])
@roles_required("driver")
def handover(delivery_id: int) -> Any:
    form = HandoverForm()
    outcome: list[delivery.HandoverResult] = []

    def save() -> None:
        data = form.proof_kind.data or "", form.code.data or "", form.proof_note.data or ""
        outcome.append(delivery.hand_over(delivery_id, current_user, *data))

    done = save_form(form, save, _("Consegna registrata."), url_for("welfare.driver_deliveries"))
    if outcome and not outcome[0].ok:
        flash(outcome[0].message, "danger")
        return redirect(url_for("welfare.driver_deliveries")), 303
    if done is None:
        for message in form.form_errors or [m for errs in form.errors.values() for m in errs]:
            flash(str(message), "danger")
        return redirect(url_for("welfare.driver_deliveries")), 303
    return done


@bp.route("/deliveries/<int:delivery_id>/failed", methods=["POST"])
@roles_required("driver")
def delivery_failed(delivery_id: int) -> Any:
    form = FailedDeliveryForm()
    done = save_form(
        form,
        lambda: delivery.fail(delivery_id, current_user, form.reason.data or ""),
        _("Consegna non riuscita registrata: tornerà da pianificare."),
        url_for("welfare.driver_deliveries"),
    )
    if done is None:
        for message in form.form_errors or [_("Modulo non valido.")]:
            flash(str(message), "danger")
        return redirect(url_for("welfare.driver_deliveries")), 303
    return done
