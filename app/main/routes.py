"""The home page of each role, and serving vendored static packages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, render_template, send_from_directory
from flask_login import current_user, login_required

from app.core.policy import Permission, Role, can

bp = Blueprint("main", __name__)

HOME_TEMPLATES = {role: f"main/home_{role.value}.html" for role in Role}


@bp.route("/")
@login_required
def index() -> Any:
    return render_template(HOME_TEMPLATES[current_user.role], **_home_context())


def _home_context() -> dict[str, Any]:
    """Each role's figures and to-dos (app/reports/dashboards.py)."""
    from app.reports import dashboards

    user = current_user
    context: dict[str, Any] = {}
    if can(user, Permission.MANAGE_HOUSEHOLDS) and not can(user, Permission.READ_ALL_HOUSEHOLDS):
        from app.welfare.queries import overview

        context["welfare"] = welfare = overview(user)
        context["figures"] = dashboards.welfare_figures(welfare["open"] + welfare["all_done"])
        context["households"] = dashboards.households_count(user)
    if can(user, Permission.VIEW_CHAIN):
        context["month_kg"] = dashboards.month_kg(user)
        context["chain"] = dashboards.chain_alerts(user)
        context["risk"] = dashboards.overflow_risk(user)
    if can(user, Permission.VIEW_ROUNDS):
        context["rounds"] = dashboards.todays_rounds(user)
        context["unplanned"] = dashboards.unplanned_required(user)
    if can(user, Permission.WORK_PLANT) and not can(user, Permission.SEE_ALL_OPERATORS):
        context["plant"] = dashboards.plant_status(user)
        context["pickups"] = dashboards.recent_pickups(user)
    if can(user, Permission.ADMINISTER):
        from app.auth.forms import ROLE_LABELS

        context["admin"] = dashboards.admin_figures()
        context["role_labels"] = ROLE_LABELS
    return context


# Front-end libraries served from their XStatic packages: the maps never depend on a CDN.
VENDOR_PACKAGES = {"leaflet": "leaflet", "markercluster": "leaflet_markercluster"}


@bp.route("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Any:
    import importlib

    if package not in VENDOR_PACKAGES or ".." in filename:
        abort(404)
    module = importlib.import_module(f"xstatic.pkg.{VENDOR_PACKAGES[package]}")
    return send_from_directory(module.BASE_DIR, filename, max_age=86400)


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    from flask_babel import get_locale

    from app.auth.forms import ROLE_LABELS

    context: dict[str, Any] = {"current_locale": str(get_locale() or "it")}
    if getattr(current_user, "is_authenticated", False):  # no user outside a request (CLI reports)
        from app.main.nav import nav_menus

        context["nav_menus"] = nav_menus()
        context["role_label"] = ROLE_LABELS.get(current_user.role, current_user.role)
    return context


@bp.route("/favicon.ico")
def favicon() -> Any:
    """Browsers and PDF viewers ask for /favicon.ico even with the icon link: the same SVG, no 404 in the logs."""
    icon = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"  # bytes: no file left open
    return Response(icon.read_bytes(), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
