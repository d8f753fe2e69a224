"""Login, logout and the user's own preferences."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services
from app.auth.forms import AccountForm, LoginForm, LogoutForm, PasswordForm
from app.extensions import db, limiter, login_manager
from app.views import form_status, save_form

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id: str) -> Any:
    return services.user_for_session(user_id, session.get("sid"))


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            flash(_("E-mail o password non corretti."), "danger")
            return render_template("auth/login.html", form=form), 401
        token = services.open_session(user, current_app.config["SESSION_LIFETIME_S"])
        db.session.commit()
        session.clear()
        session["sid"] = token
        session.permanent = True
        login_user(user)
        target = request.args.get("next")
        return redirect(target if services.is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if LogoutForm().validate_on_submit():
        services.close_session(session.get("sid"))
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Sei uscito."), "info")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache"'  # no copy of pages seen (addresses) left in the browser cache
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    form = AccountForm(locale=current_user.locale)
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        db.session.commit()
        flash(_("Preferenze salvate."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, password_form=PasswordForm(formdata=None))


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password() -> Any:
    form = PasswordForm()
    done = save_form(
        form,
        lambda: services.change_password(
            current_user, form.current.data or "", form.new.data or "", form.repeated.data or ""
        ),
        _("Password cambiata."),
        url_for("main.index"),
    )
    if done:
        return done
    page = render_template("auth/account.html", form=AccountForm(locale=current_user.locale), password_form=form)
    return page, form_status(form)


# Where a user whose password was set by an admin may go before choosing their own.
_WHILE_TEMPORARY = {"auth.account", "auth.change_password", "auth.logout", "static", "main.vendor", "main.favicon"}


@bp.before_app_request
def _require_own_password() -> Any:
    if getattr(current_user, "must_change_password", False) and request.endpoint not in _WHILE_TEMPORARY:
        if request.path.startswith("/api/"):
            return None  # API tokens are the user's own; only the web pages wait for the change
        flash(_("La password è stata impostata da un amministratore: scegline una tua per continuare."), "warning")
        return redirect(url_for("auth.account"))
    return None
