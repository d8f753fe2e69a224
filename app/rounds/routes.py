"""Pages of round planning: list, new plan, job progress, review with edits, publication."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import local_hhmm, utcnow
from app.core.policy import Permission, can, permission_required
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.i18n import fmt_number
from app.rounds import bookings, jobs, queries, services
from app.rounds.forms import CancelForm, DriverForm, EditForm, PublishForm, ReplanForm, plan_form
from app.rounds.models import JobStatus
from app.views import form_status, save_form

bp = Blueprint("rounds", __name__, url_prefix="/rounds")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "plan_status_labels": {"draft": _("bozza"), "published": _("pubblicato"), "closed": _("chiuso")},
        "stop_status_labels": {"pending": _("da fare"), "done": _("fatta"), "skipped": _("saltata")},
        "job_status_labels": {
            "queued": _("In coda…"),
            "running": _("Ottimizzazione in corso…"),
            "succeeded": _("Fatto"),
            "failed": _("Calcolo non riuscito"),
            "cancelled": _("Calcolo annullato"),
        },
    }


@bp.route("/")
@permission_required(Permission.VIEW_ROUNDS)
def index() -> Any:
    return render_template(
        "rounds/plans.html", rows=queries.plan_list(current_user), can_plan=can(current_user, Permission.PLAN_ROUNDS)
    )


@bp.route("/plan/new", methods=["GET", "POST"])
@permission_required(Permission.PLAN_ROUNDS)
def new_plan() -> Any:
    plants, vehicles, drivers = queries.form_choices()
    form = plan_form(plants, vehicles, drivers)
    homes = {v.id: v.home_site_id for v in vehicles}
    started: list[int] = []
    if not form.is_submitted():
        form.preselect()

    def start() -> None:
        started.append(jobs.start_planning(form.to_params(homes, current_user.id)).id)

    if save_form(form, start, lambda _r: form.started(_("Calcolo dei giri avviato.")), "") is not None:
        return redirect(url_for("rounds.job", job_id=started[0]))
    return render_template("rounds/plan_new.html", form=form), form_status(form)


@bp.route("/jobs/<int:job_id>")
@permission_required(Permission.PLAN_ROUNDS)
def job(job_id: int) -> Any:
    planning_job = jobs.get_job(job_id)
    if planning_job.status == JobStatus.SUCCEEDED and planning_job.plan_id:
        return redirect(url_for("rounds.review", plan_id=planning_job.plan_id))
    summary = jobs.summary(planning_job)
    return render_template("rounds/plan_job.html", job=planning_job, summary=summary, form=CancelForm())


@bp.route("/jobs/<int:job_id>.json")
@permission_required(Permission.PLAN_ROUNDS)
def job_status(job_id: int) -> Any:
    summary = jobs.summary(jobs.get_job(job_id))
    plan_id = summary.pop("plan_id")
    summary["plan_url"] = url_for("rounds.review", plan_id=plan_id) if plan_id else None
    return jsonify(summary)


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@permission_required(Permission.PLAN_ROUNDS)
def cancel_job(job_id: int) -> Any:
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    jobs.request_cancel(jobs.get_job(job_id))
    db.session.commit()
    flash(_("Annullamento richiesto."), "info")
    return redirect(url_for("rounds.job", job_id=job_id))


@bp.route("/<int:plan_id>")
@permission_required(Permission.VIEW_ROUNDS)
def review(plan_id: int) -> Any:
    return _review_page(plan_id)


def _review_page(plan_id: int) -> Any:
    plan = queries.plan_for(current_user, plan_id)
    planner = can(current_user, Permission.PLAN_ROUNDS)
    map_data = queries.map_data(plan, current_user)
    page = {
        "route_rows": queries.route_rows,
        "unassigned": queries.unassigned_rows(plan),
        "left_out": queries.left_out(plan),
        "week_day": queries.week_day_of(plan) if planner else None,
        "double_bookings": queries.double_bookings(plan) if planner and plan.status == "draft" else [],
        "clashes": bookings.clashes(plan) if planner and plan.status == "draft" else [],
        "drivers": queries.drivers_by_organisation() if planner and plan.status == "draft" else {},
    }
    db.session.commit()  # the reads of household points it may log
    return render_template(
        "rounds/plan_review.html",
        plan=plan,
        map_data=map_data,
        colour=queries.colour,
        hhmm=local_hhmm,
        editable=planner and plan.status == "draft",
        planner=planner,
        is_admin=can(current_user, Permission.ADMINISTER),
        edit_form=EditForm(version=plan.version),
        publish_form=PublishForm(version=plan.version),
        driver_form=DriverForm(version=plan.version),
        replan_form=ReplanForm(version=plan.version),
        **page,
    )


def _edit_redirect(plan_id: int, call: Any, done: Any = None) -> Any:
    """Run one edit; a stale version answers 409 with the reload message, other refusals flash."""
    try:
        plan = call()
    except ConflictError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _review_page(plan_id), 409
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("rounds.review", plan_id=plan_id))
    db.session.commit()
    message = _(
        "Piano aggiornato e ricontrollato: %(km)s km, %(hours)s ore, costo stimato %(eur)s €.",
        km=fmt_number(plan.distance_m / 1000, 1),
        hours=fmt_number(plan.duration_s / 3600, 1),
        eur=fmt_number(plan.cost_eur_cents / 100, 2),
    )
    flash(done(plan) if done else message, "success")
    return redirect(url_for("rounds.review", plan_id=plan_id))


@bp.route("/<int:plan_id>/edit", methods=["POST"])
@permission_required(Permission.PLAN_ROUNDS)
def edit(plan_id: int) -> Any:
    form = EditForm()
    if not form.validate_on_submit():
        flash(_("Modifica non valida: controlla i campi."), "danger")
        return redirect(url_for("rounds.review", plan_id=plan_id))
    plan = queries.plan_for(current_user, plan_id, edit=True)
    version, stop_id = int(form.version.data), form.stop_id.data
    if form.action.data == "move":
        return _edit_redirect(
            plan_id,
            lambda: services.move_stop(plan, stop_id, form.to_route_id.data or 0, form.position.data or 1, version),
        )
    return _edit_redirect(plan_id, lambda: services.set_locked(plan, stop_id, form.action.data == "lock", version))


@bp.route("/<int:plan_id>/publish", methods=["POST"])
@permission_required(Permission.PLAN_ROUNDS)
def publish(plan_id: int) -> Any:
    form = PublishForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token") or form.version.errors:  # no csrf_token field when CSRF is off
            abort(400)
        flash(_("Spunta la conferma per pubblicare."), "danger")
        return redirect(url_for("rounds.review", plan_id=plan_id))
    plan = queries.plan_for(current_user, plan_id, edit=True)
    return _edit_redirect(
        plan_id,
        lambda: services.publish_reviewed(plan, int(form.version.data), current_user),
        lambda _plan: _("Piano pubblicato: gli autisti vedono i loro giri."),
    )


@bp.route("/<int:plan_id>/driver", methods=["POST"])
@permission_required(Permission.PLAN_ROUNDS)
def set_driver(plan_id: int) -> Any:
    form = DriverForm()
    if not form.validate_on_submit():
        abort(400)
    plan = queries.plan_for(current_user, plan_id, edit=True)
    version, route_id, driver_id = int(form.version.data), form.route_id.data, form.driver_id.data
    return _edit_redirect(
        plan_id,
        lambda: services.set_driver(plan, route_id, driver_id, version),
        lambda _plan: _("Autista assegnato."),
    )


@bp.route("/<int:plan_id>/replan", methods=["POST"])
@permission_required(Permission.PLAN_ROUNDS)
def replan(plan_id: int) -> Any:
    form = ReplanForm()
    if not form.validate_on_submit():
        abort(400)
    plan = queries.plan_for(current_user, plan_id, edit=True)
    version = int(form.version.data)
    return _edit_redirect(
        plan_id,
        lambda: services.replan_published(plan, version, utcnow()),
        lambda done: _("Ripianificato da adesso: ora il piano è alla versione %(version)s.", version=done.version),
    )
