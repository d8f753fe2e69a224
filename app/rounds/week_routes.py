"""Pages of «Pianifica la settimana»: the form, the job's progress, the week with its days, re-plan one day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SubmitField

from app.core.policy import Permission, permission_required
from app.core.public_holidays import holiday_names
from app.extensions import db
from app.forms import FlaskForm
from app.rounds import jobs, queries, week
from app.rounds.forms import CancelForm, holidays_ahead
from app.rounds.models import JobStatus, WeekPlan
from app.rounds.routes import _labels
from app.rounds.week_forms import week_form
from app.views import form_status, save_form

bp = Blueprint("rounds_week", __name__, url_prefix="/rounds/week")
bp.context_processor(_labels)  # the plan and job status labels of the rounds pages
week.register_jobs()


class ReplanDayForm(FlaskForm):
    submit = SubmitField(_l("Ripianifica questo giorno"))


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.PLAN_ROUNDS)
def new() -> Any:
    plants, vehicles, drivers = queries.form_choices()
    form = week_form(plants, vehicles, drivers)
    homes = {v.id: v.home_site_id for v in vehicles}
    started: list[int] = []

    def start() -> str:
        params, left = form.to_params(homes, current_user.id), ""
        if not form.grid() and form.horizon() is not None:  # «every day the whole fleet»: those out and free that day
            params, left = week.without_busy_trucks(week.in_service(params))
        started.append(week.start_week(params).id)
        return left

    def done(left: str) -> str:
        if not left:
            return _("Pianificazione della settimana avviata.")
        return _(
            "Pianificazione della settimana avviata. Restano ai giri già pubblicati, fuori da quel giorno: %(list)s.",
            list=left,
        )

    if save_form(form, start, done, "") is not None:
        return redirect(url_for("rounds_week.job", job_id=started[0]))
    return render_template("rounds/week_new.html", form=form, holidays=holidays_ahead()), form_status(form)


@bp.route("/jobs/<int:job_id>")
@permission_required(Permission.PLAN_ROUNDS)
def job(job_id: int) -> Any:
    planning_job = jobs.get_job(job_id)
    found = db.session.query(WeekPlan).filter_by(job_id=job_id).first()
    if planning_job.status == JobStatus.SUCCEEDED and found is not None:
        return redirect(url_for("rounds_week.show", week_id=found.id))
    if planning_job.status == JobStatus.SUCCEEDED and planning_job.plan_id:  # one day re-planned
        return redirect(url_for("rounds.review", plan_id=planning_job.plan_id))
    summary = jobs.summary(planning_job)
    return render_template("rounds/week_job.html", job=planning_job, summary=summary, cancel_form=CancelForm())


@bp.route("/<int:week_id>")
@permission_required(Permission.PLAN_ROUNDS)
def show(week_id: int) -> Any:
    found = db.get_or_404(WeekPlan, week_id)
    rows = week.week_rows(found)
    return render_template(
        "rounds/week.html",
        week=found,
        rows=rows,
        totals=week.week_totals(rows),
        holidays=holiday_names(found.start_date, found.start_date + timedelta(days=len(found.days))),
        overflowing=week.overflowing_bins(found),
        days_after=week.WeekParams.from_json(found.params_json).days_after,
        form=ReplanDayForm(),
    )


@bp.route("/day/<int:day_id>/replan", methods=["POST"])
@permission_required(Permission.PLAN_ROUNDS)
def replan_day(day_id: int) -> Any:
    form = ReplanDayForm()
    day = week.week_day(day_id)
    started: list[int] = []

    def start() -> None:
        started.append(week.start_day(day, current_user.id).id)

    back = url_for("rounds_week.show", week_id=day.week_plan_id)
    if save_form(form, start, _("Ripianificazione del giorno avviata."), "") is not None:
        return redirect(url_for("rounds_week.job", job_id=started[0]))
    for message in form.form_errors:
        flash(message, "danger")
    return redirect(back)
