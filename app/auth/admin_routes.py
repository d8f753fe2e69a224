"""Admin pages for users and organisations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import services
from app.auth.forms import KIND_LABELS, ROLE_LABELS, OrganisationForm, UserForm
from app.auth.models import Organisation, User
from app.core.policy import Permission, permission_required
from app.extensions import db
from app.forms import choices
from app.geo.models import Comune
from app.views import form_status, save_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@permission_required(Permission.ADMINISTER)
def users() -> Any:
    rows = db.session.scalars(select(User).order_by(User.full_name))
    return render_template("admin/users.html", users=rows, role_labels=ROLE_LABELS)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.organisation_id.choices = choices(
        (o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
    )
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def edit_user(user_id: int | None = None) -> Any:
    user = db.get_or_404(User, user_id) if user_id else None
    form = _user_form(user)
    done = save_form(
        form,
        lambda: services.save_user(
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            role=form.role.data or "",
            organisation_id=form.organisation_id.data or 0,
            password=form.password.data or None,
            active=form.active.data,
            locale=form.locale.data or "it",
            user=user,
            temporary_password=bool(form.password.data),  # set by an admin: the user chooses their own next
        ),
        _("Utente salvato."),
        url_for("admin.users"),
    )
    return done or (render_template("admin/user_form.html", form=form, user=user), form_status(form))


@bp.route("/organisations")
@permission_required(Permission.ADMINISTER)
def organisations() -> Any:
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return render_template("admin/organisations.html", organisations=rows, kind_labels=KIND_LABELS)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMINISTER)
def edit_organisation(org_id: int | None = None) -> Any:
    organisation = db.get_or_404(Organisation, org_id) if org_id else None
    form = OrganisationForm(obj=organisation)
    form.comuni.choices = choices(
        (c.istat_code, c.name) for c in db.session.scalars(select(Comune).order_by(Comune.name))
    )
    if organisation is not None and not form.is_submitted():
        form.comuni.data = sorted(organisation.comune_codes)
    done = save_form(
        form,
        lambda: services.save_organisation(
            form.name.data or "", form.kind.data or "", form.comuni.data or [], organisation
        ),
        _("Organizzazione salvata."),
        url_for("admin.organisations"),
    )
    return done or (
        render_template("admin/organisation_form.html", form=form, organisation=organisation),
        form_status(form),
    )
