"""Admin pages of the API: personal tokens listed and revoked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.api import tokens
from app.core.clock import utcnow
from app.core.policy import Permission, permission_required
from app.extensions import db
from app.forms import FlaskForm

bp = Blueprint("api_admin", __name__, url_prefix="/admin/tokens")


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token: the token to revoke is in the URL."""


@bp.route("")
@permission_required(Permission.ADMINISTER)
def api_tokens() -> Any:
    return render_template("admin/tokens.html", tokens=tokens.list_tokens(), form=RevokeTokenForm(), now=utcnow())


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@permission_required(Permission.ADMINISTER)
def revoke_api_token(token_id: int) -> Any:
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    tokens.revoke_token_id(token_id)
    db.session.commit()
    flash(_("Token API revocato."), "success")
    return redirect(url_for("api_admin.api_tokens"))
